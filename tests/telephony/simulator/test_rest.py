"""The REST dialect: auth, errors, JSON shapes, paging, through the real Twilio SDK."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from telephony.simulator import CalledParty, CallerScript

from .conftest import ACCOUNT_SID, APP, AUTH_TOKEN, CALLER, OUR_NUMBER, START, twiml

CALLS = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
AUTH = (ACCOUNT_SID, AUTH_TOKEN)


def test_requests_without_valid_basic_auth_get_401(sim):
    for auth in (None, (ACCOUNT_SID, "wrong")):
        status, body = sim.handle_rest("GET", CALLS, {}, auth)
        assert (status, body["code"], body["status"]) == (401, 20003, 401)


def test_unknown_resources_get_twilio_404s(sim):
    status, body = sim.handle_rest(
        "GET", CALLS.replace(".json", "/CA" + "0" * 32 + ".json"), {}, AUTH
    )

    assert status == 404
    assert body["code"] == 20404
    assert body["more_info"] == "https://www.twilio.com/docs/errors/20404"
    assert sim.handle_rest("GET", "/2010-04-01/Accounts/ACother/Calls.json", {}, AUTH)[0] == 404


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"From": ["+1"], "Url": ["https://x"]}, 21201),
        ({"To": ["+1"], "Url": ["https://x"]}, 21213),
        ({"To": ["+1"], "From": ["+1"]}, 21205),
    ],
)
def test_missing_parameters_get_400(sim, params, code):
    status, body = sim.handle_rest("POST", CALLS, params, AUTH)

    assert (status, body["code"]) == (400, code)


def test_sdk_raises_twilio_rest_exception_for_errors(sdk):
    with pytest.raises(TwilioRestException) as raised:
        sdk.queues("QU" + "0" * 32).fetch()

    assert (raised.value.status, raised.value.code) == (404, 20404)


def test_sdk_end_to_end(sim, app, sdk):
    app.routes["/voice"] = twiml(f'<Enqueue waitUrl="{APP}/wait">support</Enqueue>')
    app.routes["/wait"] = twiml('<Play loop="0">https://cdn.example.com/music.mp3</Play>')
    app.routes["/agent"] = twiml("<Say>Hello agent, a caller is waiting for you</Say>")
    sim.set_party("+12125550123", CalledParty(ring_seconds=1, talk_seconds=5))
    queue = sdk.queues.create(friendly_name="support", max_size=50)
    waiting = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript())
    sim.run(seconds=3)

    call = sdk.calls.create(
        to="+12125550123",
        from_=OUR_NUMBER,
        url=f"{APP}/agent",
        status_callback=f"{APP}/progress",
        status_callback_event=["initiated", "answered", "completed"],
        timeout=30,
        record=True,
    )
    members = sdk.queues(queue.sid).members.list()
    front = sdk.queues(queue.sid).members("Front").fetch()
    message = sdk.messages.create(to=CALLER, from_=OUR_NUMBER, body="hi")
    sim.run(seconds=20)
    fetched = sdk.calls(call.sid).fetch()
    recordings = sdk.recordings.list(call_sid=call.sid)

    assert call.sid.startswith("CA") and call.to == "+12125550123"
    assert call.date_created is not None
    assert (queue.friendly_name, queue.max_size, queue.current_size) == ("support", 50, 0)
    assert [m.call_sid for m in members] == [waiting.sid] and front.position == 1
    assert front.wait_time == 3
    assert message.sid.startswith("SM")
    assert (fetched.status, fetched.duration) == ("completed", "3")
    assert fetched.start_time is not None and fetched.end_time is not None
    assert [r.source for r in recordings] == ["OutboundAPI"]
    assert sdk.recordings(recordings[0].sid).fetch().call_sid == call.sid
    assert [c.sid for c in sdk.calls.list(status="completed")] == [call.sid]


def test_list_pages_follow_next_page_uri(sim, sdk):
    for i in range(7):
        sdk.queues.create(friendly_name=f"q{i}")

    names = [q.friendly_name for q in sdk.queues.list(page_size=3)]
    page = sdk.queues.page(page_size=3)

    assert names == [f"q{i}" for i in range(7)]
    assert page.next_page_url is not None


def test_client_base_url_override_builds_simulator_urls(sim):
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=sim.sdk_http_client())
    client.api.base_url = "http://127.0.0.1:8010"

    client.queues.create(friendly_name="x")

    request = client.http_client._test_only_last_request
    assert request.url == f"http://127.0.0.1:8010/2010-04-01/Accounts/{ACCOUNT_SID}/Queues.json"


def rest_error(sim, method, resource, params):
    status, body = sim.handle_rest(
        method, f"/2010-04-01/Accounts/{ACCOUNT_SID}/{resource}", params, AUTH
    )
    return status, body.get("code")


CALL = {"To": ["+12125550123"], "From": [OUR_NUMBER], "Url": [f"{APP}/x"]}


@pytest.mark.parametrize(
    ("resource", "params", "code"),
    [
        ("Calls.json", {**CALL, "Method": ["PUT"]}, 20001),
        ("Calls.json", {**CALL, "Url": ["www.example.com/x"]}, 21205),
        ("Calls.json", {**CALL, "StatusCallback": ["ftp://example.com/s"]}, 21609),
        (
            "Calls.json",
            {**CALL, "StatusCallback": [f"{APP}/s"], "StatusCallbackEvent": ["hung-up"]},
            20001,
        ),
        ("Calls.json", {**CALL, "RecordingChannels": ["stereo"]}, 20001),
        ("Calls.json", {**CALL, "MachineDetection": ["Sometimes"]}, 20001),
        ("Queues.json", {"FriendlyName": ["q"], "MaxSize": ["99999"]}, 20001),
        ("Queues.json", {"FriendlyName": ["q" * 65]}, 20001),
        ("Calls.json?PageToken=PA1", {}, 20001),
        ("Calls.json?Status=ended", {}, 20001),
        ("Calls.json?StartTime%3E=soon", {}, 20001),
        ("Conferences.json?Status=open", {}, 20001),
    ],
)
def test_invalid_input_is_refused_with_twilios_codes(sim, resource, params, code):
    path, _, query = resource.partition("?")
    method = "GET" if query or not params else "POST"
    merged = {**params, **{k: v for k, v in parse_qs(query).items()}}

    assert rest_error(sim, method, path, merged) == (400, code)


def test_limits_are_inclusive(sim, sdk):
    queue = sdk.queues.create(friendly_name="q" * 64, max_size=5000)

    assert (len(queue.friendly_name), queue.max_size) == (64, 5000)


def test_calls_filter_by_start_and_end_time(sim, sdk, app):
    app.routes["/talk"] = twiml('<Pause length="30"/>')
    sim.set_party("+12125550123", CalledParty(answer="human", ring_seconds=1, talk_seconds=600))
    early = sdk.calls.create(to="+12125550123", from_=OUR_NUMBER, url=f"{APP}/talk")
    sim.run(seconds=3600)
    late = sdk.calls.create(to="+12125550123", from_=OUR_NUMBER, url=f"{APP}/talk")
    sim.run(seconds=60)
    cut = START + timedelta(minutes=30)

    assert [c.sid for c in sdk.calls.list(start_time_after=cut)] == [late.sid]
    assert [c.sid for c in sdk.calls.list(start_time_before=cut)] == [early.sid]
    assert [c.sid for c in sdk.calls.list(end_time_before=cut)] == [early.sid]
    assert [c.sid for c in sdk.calls.list(end_time_after=cut)] == [late.sid]
    assert len(sdk.calls.list(start_time=START.date())) == 2


def test_conferences_and_messages_filter_by_date(sim, sdk, app):
    app.routes["/voice"] = twiml("<Dial><Conference>room-a</Conference></Dial>")
    sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(hang_up_after=5))
    first = sdk.messages.create(to=CALLER, from_=OUR_NUMBER, body="one")
    sim.run(seconds=86400)
    app.routes["/voice"] = twiml("<Dial><Conference>room-b</Conference></Dial>")
    sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(hang_up_after=5))
    second = sdk.messages.create(to=CALLER, from_=OUR_NUMBER, body="two")
    sim.run(seconds=10)
    cut = (START + timedelta(days=1)).date()  # the SDK sends conference dates as days

    assert [c.friendly_name for c in sdk.conferences.list(date_created_after=cut)] == ["room-b"]
    assert [c.friendly_name for c in sdk.conferences.list(date_created_before=cut)] == ["room-a"]
    assert [m.sid for m in sdk.messages.list(date_sent_after=cut)] == [second.sid]
    assert [m.sid for m in sdk.messages.list(date_sent_before=cut)] == [first.sid]


def test_a_queued_call_has_no_start_time_yet(sim, sdk):
    sim.set_party("+12125550123", CalledParty(answer="human", ring_seconds=5))
    first = sdk.calls.create(to="+12125550123", from_=OUR_NUMBER, twiml=twiml("<Pause/>"))
    second = sdk.calls.create(to="+12125550123", from_=OUR_NUMBER, twiml=twiml("<Pause/>"))

    assert sdk.calls(first.sid).fetch().start_time is None
    sim.run(seconds=0.5)
    # The account dials one call a second: the second one waits its turn, undialled.
    assert sdk.calls(second.sid).fetch().start_time is None
    assert sdk.calls(first.sid).fetch().start_time is not None
    sim.run(seconds=2)
    assert sdk.calls(second.sid).fetch().start_time is not None


def test_numbers_are_formatted_for_display(sim, sdk):
    call = sdk.calls.create(to="+12125550123", from_=OUR_NUMBER, twiml=twiml("<Pause/>"))

    assert (call.to, call.to_formatted) == ("+12125550123", "(212) 555-0123")
    assert call.from_formatted == "(800) 555-0100"


def test_every_answer_carries_a_request_id(sim, sdk):
    sdk.queues.list()
    other = sdk.http_client._test_only_last_response.headers["Twilio-Request-Id"]
    sdk.queues.list()
    last = sdk.http_client._test_only_last_response.headers["Twilio-Request-Id"]

    assert re.fullmatch(r"RQ[0-9a-f]{32}", last) and last != other


def test_finished_calls_and_messages_can_be_deleted_live_ones_cannot(sim, sdk):
    call = sdk.calls.create(to="+12125550123", from_=OUR_NUMBER, twiml=twiml("<Pause/>"))
    message = sdk.messages.create(to=CALLER, from_=OUR_NUMBER, body="Card ends 4242")
    for delete in (sdk.calls(call.sid).delete, sdk.messages(message.sid).delete):
        with pytest.raises(TwilioRestException) as raised:
            delete()
        assert (raised.value.status, raised.value.code) == (400, 20009)
    sim.run()

    redacted = sdk.messages(message.sid).update(body="")
    assert sdk.calls(call.sid).delete() and sdk.messages(message.sid).delete()

    assert redacted.body == ""
    assert [c.sid for c in sdk.calls.list()] == []
    assert [m.sid for m in sdk.messages.list()] == []
    with pytest.raises(TwilioRestException) as gone:
        sdk.calls(call.sid).fetch()
    assert gone.value.status == 404


def test_a_message_may_be_only_media(sim, sdk):
    message = sdk.messages.create(
        to=CALLER, from_=OUR_NUMBER, media_url=["https://example.com/receipt.png"]
    )

    assert (message.body, message.num_media) == ("", "1")
