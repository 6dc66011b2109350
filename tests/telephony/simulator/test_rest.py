"""The REST dialect: auth, errors, JSON shapes, paging, through the real Twilio SDK."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from telephony.simulator import CalledParty, CallerScript

from .conftest import ACCOUNT_SID, APP, AUTH_TOKEN, CALLER, OUR_NUMBER, twiml

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
