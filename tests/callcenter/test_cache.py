"""The Redis cache backend keeps one client per connection pool."""

from __future__ import annotations

import os
import uuid

import pytest

from callcenter.cache import RedisCache


def test_every_operation_on_a_server_uses_the_same_client():
    cache = RedisCache("redis://127.0.0.1:6379/0", {})
    client = cache._cache.get_client()
    assert cache._cache.get_client("key") is client
    assert cache._cache.get_client("key", write=True) is client


def test_readers_of_replicas_keep_a_client_per_replica():
    cache = RedisCache("redis://127.0.0.1:6379/0,redis://127.0.0.1:6380/0", {})
    writer = cache._cache.get_client(write=True)
    reader = cache._cache.get_client()
    assert reader is not writer
    assert cache._cache.get_client() is reader
    assert reader.connection_pool is not writer.connection_pool


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (a Redis server)")
def test_values_round_trip_through_the_shared_client():
    cache = RedisCache(os.environ["REDIS_URL"], {})
    key = f"test-cache-{uuid.uuid4().hex}"
    cache.set(key, {"stamp": 1}, timeout=10)
    assert cache.get(key) == {"stamp": 1}
    cache.delete(key)
    assert cache.get(key, "gone") == "gone"
