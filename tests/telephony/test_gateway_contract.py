"""The gateway's REST calls against Twilio's OpenAPI description, through a Prism mock.

Opt-in: set PRISM_BIN to a Prism 5 executable (`npm install @stoplight/prism-cli@5`);
.ci/run does. Prism answers 422 to any request that breaks the description, which the
SDK raises as TwilioRestException, so each call passing is the proof.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

from telephony import gateway

SPEC = Path(__file__).parent.parent / "contracts" / "twilio_api_v2010.callcenter.json"
PRISM = os.environ.get("PRISM_BIN", "")

pytestmark = pytest.mark.skipif(not PRISM, reason="set PRISM_BIN to run the Prism contract test")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def prism_url():
    port = _free_port()
    process = subprocess.Popen(
        [PRISM, "mock", "-h", "127.0.0.1", "-p", str(port), "--errors", str(SPEC)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        else:
            pytest.fail("Prism did not start within 60 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def prism_gateway(prism_url, settings):
    settings.TWILIO_API_BASE_URL = prism_url
    with gateway.using(gateway.build_client()):
        yield


CALL_SID = "CA" + "a" * 32


def test_place_call(prism_gateway):
    sid = gateway.call_place(
        to="+14155550142",
        from_="+18005550100",
        url="https://cc.example.com/telephony/voice/outbound/",
        status_callback="https://cc.example.com/telephony/voice/status/",
        machine_detection="DetectMessageEnd",
    )
    assert sid.startswith("CA")


def test_redirect_and_hang_up(prism_gateway):
    gateway.call_redirect(sid=CALL_SID, url="https://cc.example.com/telephony/voice/x/")
    gateway.call_hang_up(sid=CALL_SID)


def test_dequeue_member(prism_gateway):
    gateway.queue_member_dequeue(
        queue_sid="QU" + "a" * 32, call_sid=CALL_SID, url="https://cc.example.com/x/"
    )


def test_send_sms(prism_gateway):
    sid = gateway.sms_send(
        to="+14155550142",
        from_="+18005550100",
        body="Your case CS-000042 is resolved.",
        status_callback="https://cc.example.com/telephony/sms/status/",
    )
    assert sid.startswith("SM")


def test_fetch_recording(prism_gateway):
    recording = gateway.recording_fetch(sid="RE" + "a" * 32)
    assert recording["sid"].startswith("RE")


CONFERENCE_SID = "CF" + "a" * 32


@pytest.fixture
def named_conference(monkeypatch):
    # Prism answers the conference lookup by name with the description's own example, which
    # breaks the description (relative URIs where it says "uri" format): the participants'
    # calls go to a conference SID of the right shape instead.
    monkeypatch.setattr(gateway, "_conference_sid", lambda name: CONFERENCE_SID)


def test_monitoring_legs_listen_whisper_and_switch(prism_gateway, named_conference):
    status = "https://cc.example.com/telephony/voice/monitoring/1/status/"
    listening = gateway.participant_add(
        conference="entry-42",
        to="client:supervisor-7",
        from_="+18005550100",
        status_callback=status,
        muted=True,
        label="supervisor",
    )
    whispering = gateway.participant_add(
        conference="entry-42",
        to="+12125550177",
        from_="+18005550100",
        status_callback=status,
        call_sid_to_coach=CALL_SID,
    )
    assert listening.startswith("CA") and whispering.startswith("CA")
    gateway.participant_update(
        conference="entry-42",
        call_sid=CALL_SID,
        muted=False,
        coaching=True,
        call_sid_to_coach=CALL_SID,
    )
    gateway.participant_update(
        conference="entry-42", call_sid=CALL_SID, muted=False, coaching=False
    )
    gateway.participant_update(conference="entry-42", call_sid=CALL_SID, hold=True)
