"""The staff dev phone drives the live simulator, which calls this app's webhooks."""

from __future__ import annotations

import time

import pytest
from django.conf import settings as django_settings
from django.db import connections

from telephony import twiml
from telephony.models import InboundNumber
from telephony.simulator import NumberConfig, RealClock, Simulator, SimulatorServer
from tests.conftest import SchemaCheckedTransport
from tests.telephony.conftest import OUR_NUMBER

# The simulator's thread has its own database connection: the test data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


class ThreadTransport(SchemaCheckedTransport):
    """Webhooks sent from the live simulator's thread: that thread's connection is closed
    after each one, as Django's live server does, so none outlives the test (a leftover
    session kept the test database from being dropped at the end of the run)."""

    def send(self, method, url, params, signature):
        try:
            return super().send(method, url, params, signature)
        finally:
            connections.close_all()


@pytest.fixture
def live_simulator(settings, support_line):
    sim = Simulator(
        account_sid=django_settings.TWILIO_ACCOUNT_SID,
        auth_token=django_settings.TWILIO_AUTH_TOKEN,
        transport=ThreadTransport(),
        clock=RealClock(),
        default_number=NumberConfig(
            voice_url=twiml.webhook_url("voice_incoming"),
            status_callback=twiml.webhook_url("voice_status"),
        ),
    )
    server = SimulatorServer(sim, "127.0.0.1", 0)
    server.start()
    settings.SIMULATOR_URL = server.url
    try:
        yield sim
    finally:
        server.stop()


def _until(check, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "the simulator did not get there in time"
        time.sleep(0.05)
    return result


def test_staff_call_a_line_press_keys_and_read_the_trace(client_as, manager, live_simulator):
    client = client_as(manager)
    page = client.get("/telephony/dev-phone/").content.decode()
    assert "Main support line" in page
    response = client.post(
        "/telephony/dev-phone/dial/",
        {"caller": "(415) 555-0177", "line": _line_id()},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    sid = _until(lambda: next(iter(live_simulator.calls), None))
    # Whatever the hours are now, the caller hears the greeting or the closed message.
    _until(
        lambda: (
            "Welcome" in live_simulator.calls[sid].said
            or "closed" in live_simulator.calls[sid].said
        )
    )
    state = client.get(
        "/telephony/dev-phone/", {"call": sid}, headers={"HX-Request": "true"}
    ).content.decode()
    assert 'id="phone-call"' in state
    assert "/telephony/voice/incoming/" in state  # the TwiML trace
    client.post(f"/telephony/dev-phone/{sid}/", {"hangup": "1"}, headers={"HX-Request": "true"})
    _until(lambda: live_simulator.calls[sid].ended)
    assert live_simulator.calls[sid].application_errors == []


def _line_id() -> int:
    return InboundNumber.objects.get(number=OUR_NUMBER).pk


def test_dev_phone_is_for_staff_only(client_as, agent):
    assert client_as(agent).get("/telephony/dev-phone/").status_code == 403


def test_an_unreachable_simulator_is_explained(client_as, manager, settings, support_line):
    settings.SIMULATOR_URL = "http://127.0.0.1:9"
    response = client_as(manager).post(
        "/telephony/dev-phone/dial/",
        {"caller": "4155550177", "line": _line_id()},
        headers={"HX-Request": "true"},
    )
    assert "The simulator did not answer" in response.content.decode()


def test_bad_caller_number_is_a_form_error(client_as, manager, support_line):
    response = client_as(manager).post(
        "/telephony/dev-phone/dial/", {"caller": "12", "line": _line_id()}
    )
    assert 'class="errorlist' in response.content.decode()
