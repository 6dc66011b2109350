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
