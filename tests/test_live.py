"""Live notices reach open pages from any process: a Celery worker, beat, another web host.

With Redis that is Redis's job; the embedded mode relays group messages through SQLite
(callcenter.layers). Either way, a notice sent by a separate process reaches the page.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels_redis import core
from django.db import connections, transaction

from callcenter import live
from callcenter.layers import RedisChannelLayer
from telephony.acd.presence import desk_group
from telephony.models import AgentProfile
from tests.sockets import desk_socket

pytestmark = pytest.mark.django_db(transaction=True)

SEND_FROM_ANOTHER_PROCESS = """
import django
django.setup()
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
async_to_sync(get_channel_layer().group_send)(
    {group!r}, {{"type": "page.notice", "event": "desk-changed"}}
)
"""


NOTIFY_AND_EXIT = """
import django
django.setup()
from django.db import transaction
from callcenter import live
with transaction.atomic():
    for n in range(300):
        live.notify(f"customer-{{n}}-timeline", "timeline-changed")
    live.notify({group!r}, "desk-changed")
"""


async def assert_the_page_hears_a_process_that_exits(agent, tmp_path, script: str) -> None:
    """`script` notifies the agent's desk last, then the process ends."""
    profile = await AgentProfile.objects.acreate(user=agent, client_identity="alex")
    communicator = await desk_socket(agent)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'commands.sqlite3'}"}
    ended = await sync_to_async(subprocess.run)(
        [sys.executable, "-c", script.format(group=desk_group(profile.pk))],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert ended.returncode == 0, ended.stderr
    assert "not sent" not in ended.stderr, ended.stderr
    assert await communicator.receive_json_from(timeout=5) == {"event": "desk-changed"}
    await communicator.disconnect()
    await sync_to_async(connections.close_all)()


async def test_a_process_that_ends_right_after_its_writes_still_sends_their_notices(
    agent, tmp_path
):
    """A command like seed_demo: its last notices were lost, with an error on the console."""
    await assert_the_page_hears_a_process_that_exits(agent, tmp_path, NOTIFY_AND_EXIT)


# Each notice slowed down as a busy disk or a distant Redis would: the burst takes longer
# than the exiting process once waited for all of it, and each notice far less.
SLOW_NOTIFY_AND_EXIT = """
import asyncio
import django
django.setup()
from channels.layers import get_channel_layer
from django.db import transaction
from callcenter import live
layer = get_channel_layer()
group_send = layer.group_send
async def slow_group_send(group, message):
    await asyncio.sleep(live._NoticeSender.FLUSH_SECONDS / 40)
    await group_send(group, message)
layer.group_send = slow_group_send
with transaction.atomic():
    for n in range(60):
        live.notify(f"customer-{{n}}-timeline", "timeline-changed")
    live.notify({group!r}, "desk-changed")
"""


async def test_an_exiting_process_waits_for_a_burst_that_takes_long_but_goes_out(agent, tmp_path):
    """The flaky loss of the test above, every time: a limit on the whole wait cut it short."""
    await assert_the_page_hears_a_process_that_exits(agent, tmp_path, SLOW_NOTIFY_AND_EXIT)


async def test_a_notice_sent_by_another_process_reaches_the_page(agent):
    profile = await AgentProfile.objects.acreate(user=agent, client_identity="alex")
    communicator = await desk_socket(agent)
    assert await communicator.receive_nothing(timeout=0.5)

    script = SEND_FROM_ANOTHER_PROCESS.format(group=desk_group(profile.pk))
    sent = await sync_to_async(subprocess.run)(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert sent.returncode == 0, sent.stderr

    assert await communicator.receive_json_from(timeout=5) == {"event": "desk-changed"}
    await communicator.disconnect()
    await sync_to_async(connections.close_all)()


async def test_a_burst_of_notices_is_sent_without_a_failure(agent, caplog):
    """The router pairing hundreds of calls at once: each agent's page hears of it.

    Sent all at once, the Redis layer's connection pool refused most of them.
    """
    profile = await AgentProfile.objects.acreate(user=agent, client_identity="alex")
    communicator = await desk_socket(agent)

    def burst() -> None:
        with transaction.atomic():
            for other in range(1, 401):
                live.notify(desk_group(profile.pk + other), "desk-changed")
            live.notify(desk_group(profile.pk), "desk-changed")

    await sync_to_async(burst)()

    # Notices go out in the order given: the last one arriving means all were sent.
    assert await communicator.receive_json_from(timeout=20) == {"event": "desk-changed"}
    assert [r for r in caplog.records if r.name == "callcenter.live"] == []
    await communicator.disconnect()
    await sync_to_async(connections.close_all)()


async def test_a_page_that_stays_quiet_longer_than_the_layers_wait_still_hears_a_notice(agent):
    """An agent's page idle between calls: on Redis its socket died after five quiet seconds.

    The Redis layer waits for messages in blocking pops; redis-py's own read timeout was no
    longer than one pop, so the read gave up first and the page's consumer crashed.
    """
    profile = await AgentProfile.objects.acreate(user=agent, client_identity="alex")
    communicator = await desk_socket(agent)
    quiet_seconds = getattr(get_channel_layer(), "brpop_timeout", 1) + 2
    assert await communicator.receive_nothing(timeout=quiet_seconds)

    await get_channel_layer().group_send(
        desk_group(profile.pk), {"type": "page.notice", "event": "desk-changed"}
    )

    assert await communicator.receive_json_from(timeout=5) == {"event": "desk-changed"}
    await communicator.disconnect()
    await sync_to_async(connections.close_all)()


async def test_more_pages_than_the_layers_pool_join_at_once_and_all_hear_a_notice():
    """Every wallboard reconnecting together (a web process restarted): on Redis, redis-py
    8's pool refused the connections past its 100th, and those pages never joined."""
    layer = get_channel_layer()
    group = "floor-reconnect-test"
    channels = [await layer.new_channel() for _ in range(150)]
    await asyncio.gather(*(layer.group_add(group, channel) for channel in channels))

    await layer.group_send(group, {"type": "page.notice", "event": "floor-changed"})

    heard = await asyncio.gather(
        *(asyncio.wait_for(layer.receive(channel), timeout=20) for channel in channels)
    )
    assert {message["event"] for message in heard} == {"floor-changed"}
    assert len(heard) == 150
    await asyncio.gather(*(layer.group_discard(group, channel) for channel in channels))


async def test_a_cancelled_receive_on_redis_ends_even_if_its_pop_swallowed_the_cancel(monkeypatch):
    """A closed page's consumer on Redis: redis-py may swallow a cancellation mid-read and
    return an empty pop; channels_redis then popped again forever and the consumer (and
    the event loop waiting for it) never ended."""

    swallowed: list[bool] = []

    async def pop_that_swallows_the_cancel(self, index, channel, timeout):
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            if swallowed:
                raise
            swallowed.append(True)
            return None  # as the swallowed read did: an empty pop, the cancel still pending

    monkeypatch.setattr(core.RedisChannelLayer, "_brpop_with_clean", pop_that_swallows_the_cancel)
    layer = RedisChannelLayer(hosts=[{"address": "redis://127.0.0.1:6379/0"}])
    receiving = asyncio.ensure_future(layer.receive(await layer.new_channel()))
    await asyncio.sleep(0.05)
    receiving.cancel()
    await asyncio.wait({receiving}, timeout=5)
    assert swallowed and receiving.cancelled()
