"""The console of `make run` shows one line per notable event."""

from __future__ import annotations

import io
import logging
import logging.config

import pytest
from django.conf import settings


@pytest.fixture
def console():
    stream = io.StringIO()
    logging.config.dictConfig(settings.LOGGING)
    handler = logging.getLogger().handlers[0]
    handler.setStream(stream)
    yield stream
    logging.config.dictConfig(settings.LOGGING)


@pytest.mark.parametrize(
    "logger",
    [
        "celery.app.trace",
        "celery.worker.strategy",
        "celery.beat",
        "twilio.http_client",
        "axes.handlers.database",
    ],
)
def test_routine_chatter_stays_below_the_console(console, logger):
    logging.getLogger(logger).info("Task telephony.acd.tasks.acd_route[1] succeeded")
    logging.getLogger(logger).warning("Task failed")
    assert console.getvalue().count("\n") == 1
    assert "Task failed" in console.getvalue()


def test_a_refused_request_is_one_line(console, client, agent):
    client.force_login(agent)
    assert client.get("/telephony/dev-phone/").status_code == 403
    lines = console.getvalue().splitlines()
    assert len(lines) == 1 and "Forbidden" in lines[0], console.getvalue()


def test_the_web_process_keeps_its_access_log_off_the_console():
    # One line per request (every desk refresh, every simulated webhook) drowns the console.
    procfile = (settings.BASE_DIR / "Procfile").read_text().splitlines()
    web = next(line for line in procfile if line.startswith("web:"))
    assert "--access-log ${VAR_DIR:-var}/access.log" in web
