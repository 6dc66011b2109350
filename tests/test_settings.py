"""Configuration comes from the environment; each case runs Django in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 32 + "-a-long-random-production-secret-value-1234567890",
    "ALLOWED_HOSTS": "cc.example.com",
    "PUBLIC_BASE_URL": "https://cc.example.com",
    "DATABASE_URL": "postgres://cc:secret@db.example.com:5432/cc",
    "REDIS_URL": "redis://cache.example.com:6379/0",
}


def _run(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in {*PRODUCTION, "DJANGO_SETTINGS_MODULE"}
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, "VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _settings(env: dict[str, str], tmp_path: Path) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'db': s.DATABASES['default']['ENGINE'], "
        "'name': str(s.DATABASES['default']['NAME']), "
        "'broker': s.CELERY_BROKER_URL, 'layer': s.CHANNEL_LAYERS['default']['BACKEND'], "
        "'cache': s.CACHES['default']['BACKEND'], 'debug': s.DEBUG}))"
    )
    result = _run(["-c", code], {"DJANGO_SETTINGS_MODULE": "callcenter.settings", **env}, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_default_needs_no_server(tmp_path):
    values = _settings({}, tmp_path)
    assert values["db"] == "django.db.backends.sqlite3"
    assert values["name"].startswith(str(tmp_path))
    assert values["broker"] == f"sqla+sqlite:///{tmp_path / 'celery-broker.sqlite3'}"
    assert values["layer"] == "callcenter.layers.RelayedInMemoryChannelLayer"
    assert values["cache"].endswith("LocMemCache")
    assert values["debug"] is True


def test_empty_variables_count_as_unset(tmp_path):
    values = _settings({"DATABASE_URL": "", "REDIS_URL": ""}, tmp_path)
    assert values["db"] == "django.db.backends.sqlite3"
    assert values["broker"] == f"sqla+sqlite:///{tmp_path / 'celery-broker.sqlite3'}"


def test_production_uses_postgres_and_redis(tmp_path):
    values = _settings(PRODUCTION, tmp_path)
    assert values["db"] == "django.db.backends.postgresql"
    assert values["broker"] == PRODUCTION["REDIS_URL"]
    assert values["layer"] == "callcenter.layers.RedisChannelLayer"
    assert values["cache"].endswith("RedisCache")
    assert values["debug"] is False


def test_check_deploy_is_clean_with_production_values(tmp_path):
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_off_without_secret_key_refuses_to_start(tmp_path):
    env = {**PRODUCTION, "SECRET_KEY": ""}
    result = _run(["manage.py", "check"], env, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_web_port_follows_the_public_address(tmp_path):
    code = "import django; django.setup(); from django.conf import settings as s; print(s.WEB_PORT)"
    env = {"DJANGO_SETTINGS_MODULE": "callcenter.settings"}
    local = _run(["-c", code], {**env, "PUBLIC_BASE_URL": "http://127.0.0.1:9123"}, tmp_path)
    tunnel = _run(["-c", code], {**env, "PUBLIC_BASE_URL": "https://cc.example.com"}, tmp_path)
    assert local.stdout.split() == ["9123"], local.stderr
    assert tunnel.stdout.split() == ["8000"], tunnel.stderr


def test_recording_media_goes_to_a_bucket_when_one_is_named(tmp_path):
    code = (
        "import django; django.setup(); from django.core.files.storage import storages; "
        "d = storages['default']; "
        "print(type(d).__module__, d.bucket_name, d.endpoint_url, d.location)"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "callcenter.settings",
        "MEDIA_S3_BUCKET": "cc-recordings",
        "MEDIA_S3_ENDPOINT_URL": "http://minio.example.com:9000",
        "MEDIA_S3_PREFIX": "media",
    }
    result = _run(["-c", code], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "storages.backends.s3",
        "cc-recordings",
        "http://minio.example.com:9000",
        "media",
    ]
    filesystem = _run(
        ["-c", code.replace(", d.bucket_name, d.endpoint_url, d.location", "")],
        {"DJANGO_SETTINGS_MODULE": "callcenter.settings"},
        tmp_path,
    )
    assert filesystem.stdout.split() == ["django.core.files.storage.filesystem"]
