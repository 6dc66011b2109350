"""The live service: real HTTP, wall-clock time, the real SDK over the network, dev-phone API."""

from __future__ import annotations

import base64
import io
import time
import urllib.error
import urllib.request
import wave
from collections.abc import Callable, Iterator

import pytest
from twilio.rest import Client

from telephony.simulator import (
    CalledParty,
    FunctionTransport,
    NumberConfig,
    RealClock,
    Simulator,
    SimulatorControl,
    SimulatorControlError,
    SimulatorServer,
)

from .conftest import ACCOUNT_SID, APP, AUTH_TOKEN, CALLER, OUR_NUMBER, FakeApp, twiml

CUSTOMER = "+12125550199"


def wait_until(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the simulator"
        time.sleep(0.02)


@pytest.fixture
def live(app: FakeApp) -> Iterator[SimulatorServer]:
    sim = Simulator(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        transport=FunctionTransport(app),
        clock=RealClock(),
        default_number=NumberConfig(voice_url=f"{APP}/voice", sms_url=f"{APP}/sms"),
    )
    server = SimulatorServer(sim, "127.0.0.1", 0)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_sdk_over_http_and_dev_phone_control(live, app):
    sim = live.simulator
    sim.set_party(CUSTOMER, CalledParty(ring_seconds=0.1, talk_seconds=0.3))
    app.routes["/outbound"] = twiml('<Pause length="5"/>')
    app.routes["/voice"] = twiml(
        f'<Gather numDigits="1" action="{APP}/menu"><Say>Hi</Say></Gather>'
    )
    app.routes["/menu"] = lambda p: twiml(f"<Say>Pressed {p['Digits']}</Say>")
    client = Client(ACCOUNT_SID, AUTH_TOKEN)
    client.api.base_url = live.url
    control = SimulatorControl(live.url)

    created = client.calls.create(to=CUSTOMER, from_=OUR_NUMBER, url=f"{APP}/outbound")
    started = control.start_call(from_=CALLER, to=OUR_NUMBER)
    wait_until(lambda: control.call(started["sid"])["awaiting_input"])
    pressed = control.press(started["sid"], "1")
    wait_until(lambda: control.call(started["sid"])["status"] == "completed")
    wait_until(lambda: client.calls(created.sid).fetch().status == "completed")

    state = control.call(started["sid"])
    assert created.status == "queued"
    assert pressed["sid"] == started["sid"]
    assert [e["text"] for e in state["transcript"] if e["kind"] == "say"] == ["Hi", "Pressed 1"]
    assert [t["purpose"] for t in state["trace"]][:2] == ["voice", "gather"]
    assert state["application_errors"] == []
    assert {c["sid"] for c in control.calls()} == {created.sid, started["sid"]}


def test_control_sms_and_rest_auth(live, app):
    app.routes["/sms"] = twiml("<Message>pong</Message>")
    control = SimulatorControl(live.url)

    message = control.send_sms(from_=CALLER, to=OUR_NUMBER, body="ping")
    wait_until(lambda: bool(live.simulator.messages[message["sid"]].replies))

    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{live.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json")
    assert missing.value.code == 401


def test_control_answers_a_softphone_leg(app):
    sim = Simulator(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        transport=FunctionTransport(app),
        clock=RealClock(),
        default_client=CalledParty(answer="person"),
    )
    server = SimulatorServer(sim, "127.0.0.1", 0)
    server.start()
    try:
        app.routes["/agent"] = twiml('<Pause length="30"/>')
        client = Client(ACCOUNT_SID, AUTH_TOKEN)
        client.api.base_url = server.url
        control = SimulatorControl(server.url)
        created = client.calls.create(to="client:alex", from_=OUR_NUMBER, url=f"{APP}/agent")
        wait_until(lambda: control.call(created.sid)["status"] == "ringing")

        answered = control.answer(created.sid)
        with pytest.raises(SimulatorControlError, match="409"):
            control.reject(created.sid)
    finally:
        server.stop()

    assert answered["status"] == "in-progress"
    assert app.to("/agent")


def test_recording_media_is_a_wav_behind_basic_auth(live, app):
    sim = live.simulator
    sim.set_party(CUSTOMER, CalledParty(ring_seconds=0.1, talk_seconds=1.2))
    app.routes["/outbound"] = twiml('<Pause length="5"/>')
    client = Client(ACCOUNT_SID, AUTH_TOKEN)
    client.api.base_url = live.url
    created = client.calls.create(to=CUSTOMER, from_=OUR_NUMBER, url=f"{APP}/outbound", record=True)
    wait_until(lambda: client.calls(created.sid).fetch().status == "completed")
    recording = client.recordings.list(call_sid=created.sid)[0]
    media = f"{live.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{recording.sid}.wav"
    token = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()

    with urllib.request.urlopen(
        urllib.request.Request(media, headers={"Authorization": f"Basic {token}"})
    ) as answer:
        body, content_type = answer.read(), answer.headers["Content-Type"]
    with pytest.raises(urllib.error.HTTPError) as anonymous:
        urllib.request.urlopen(media)
    request_id = client.http_client._test_only_last_response.headers["Twilio-Request-Id"]

    assert content_type == "audio/wav"
    with wave.open(io.BytesIO(body)) as audio:
        frames = audio.getnframes()
    assert round(frames / 8000) == int(recording.duration) > 0  # whole seconds
    assert anonymous.value.code == 401
    assert request_id.startswith("RQ")


def test_control_shows_a_conferences_mixing_and_whom_each_hears(live, app):
    sim = live.simulator
    agent, supervisor = "+12125550123", "+12125550124"
    for number in (agent, supervisor):
        sim.set_party(number, CalledParty(ring_seconds=0.05, talk_seconds=30))
    app.routes["/voice"] = twiml("<Dial><Conference>entry-7</Conference></Dial>")
    client = Client(ACCOUNT_SID, AUTH_TOKEN)
    client.api.base_url = live.url
    control = SimulatorControl(live.url)
    caller = control.start_call(from_=CALLER, to=OUR_NUMBER)
    wait_until(lambda: bool(sim.conference_named("entry-7")))
    room = client.conferences("entry-7")
    agent_leg = room.participants.create(from_=OUR_NUMBER, to=agent).call_sid
    wait_until(lambda: len(sim.conference_named("entry-7").participants) == 2)
    coach = room.participants.create(
        from_=OUR_NUMBER, to=supervisor, coaching=True, call_sid_to_coach=agent_leg
    ).call_sid
    wait_until(lambda: len(sim.conference_named("entry-7").participants) == 3)

    (shown,) = control.conferences()
    legs = {p["call_sid"]: p for p in shown["participants"]}
    assert shown["friendly_name"] == "entry-7" and shown["status"] == "in-progress"
    assert (legs[coach]["coaching"], legs[coach]["call_sid_to_coach"]) == (True, agent_leg)
    assert set(legs[agent_leg]["hears"]) == {caller["sid"], coach}
    assert set(legs[caller["sid"]]["hears"]) == {agent_leg}
    control.hang_up(caller["sid"])
