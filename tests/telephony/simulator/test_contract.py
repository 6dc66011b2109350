"""The simulator's REST answers against Twilio's OpenAPI description, field by field.

Every implemented operation is driven through the official SDK, and every answer is
validated against the description's schema for its status, made strict: each property
the description lists must be present and no other may appear, so a field added, lost
or renamed on either side fails here. Errors must have Twilio's error shape; SIDs,
dates and page links are checked by the description's own patterns and formats.
Operations are either implemented or deliberately not, with the reason; one in
neither list (a new one in the description) fails the test.
"""

from __future__ import annotations

import json
import re
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from telephony.simulator import CalledParty, CallerScript, NumberConfig
from telephony.simulator.sdk import SimulatorHttpClient

from .conftest import ACCOUNT_SID, APP, AUTH_TOKEN, CALLER, OUR_NUMBER, twiml

SPEC = json.loads(
    (Path(__file__).parents[2] / "contracts" / "twilio_api_v2010.callcenter.json").read_text()
)
COMPONENTS = SPEC["components"]["schemas"]
# Where the description is narrower than Twilio's documented answers, with the evidence.
DOCUMENTED_NULLS = {
    ("api.v2010.account.conference", "reason_conference_ended"): "Twilio's Conference "
    "resource docs: null while the conference is in progress (OpenAPI 3.0 cannot mark an "
    "enum $ref nullable, so the description leaves it out).",
}
for (component, field), _evidence in DOCUMENTED_NULLS.items():
    COMPONENTS[component]["properties"][field]["nullable"] = True
CUSTOMER = "+12125550123"
AGENT = "+13105550177"

NOT_IMPLEMENTED = {
    operation: "Numbers are configured on the simulator itself (Simulator.configure_number, "
    "as in Twilio's console); the app never buys, lists or changes numbers over REST."
    for operation in (
        "CreateIncomingPhoneNumber",
        "ListIncomingPhoneNumber",
        "FetchIncomingPhoneNumber",
        "UpdateIncomingPhoneNumber",
        "DeleteIncomingPhoneNumber",
    )
}
IMPLEMENTED = {
    "CreateCall",
    "ListCall",
    "FetchCall",
    "UpdateCall",
    "DeleteCall",
    "CreateCallRecording",
    "ListCallRecording",
    "FetchCallRecording",
    "UpdateCallRecording",
    "DeleteCallRecording",
    "ListRecording",
    "FetchRecording",
    "DeleteRecording",
    "CreateQueue",
    "ListQueue",
    "FetchQueue",
    "UpdateQueue",
    "DeleteQueue",
    "ListMember",
    "FetchMember",
    "UpdateMember",
    "CreateMessage",
    "ListMessage",
    "FetchMessage",
    "UpdateMessage",
    "DeleteMessage",
    "ListConference",
    "FetchConference",
    "UpdateConference",
    "ListConferenceRecording",
    "FetchConferenceRecording",
    "UpdateConferenceRecording",
    "DeleteConferenceRecording",
    "CreateParticipant",
    "ListParticipant",
    "FetchParticipant",
    "UpdateParticipant",
    "DeleteParticipant",
}
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "code": {"type": "integer"},
        "message": {"type": "string", "minLength": 1},
        "more_info": {"type": "string", "pattern": r"^https://www\.twilio\.com/docs/errors/\d+$"},
        "status": {"type": "integer"},
    },
    "required": ["code", "message", "more_info", "status"],
    "additionalProperties": False,
}
FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date-time-rfc-2822", raises=(TypeError, ValueError))
def is_rfc2822(value: object) -> bool:
    # Twilio's exact rendering: 'Mon, 03 Mar 2025 09:00:00 +0000'.
    return not isinstance(value, str) or format_datetime(parsedate_to_datetime(value)) == value


@FORMATS.checks("uri")
def is_uri(value: object) -> bool:
    # Page links are relative to the API's host; media and callbacks are absolute.
    return not isinstance(value, str) or value.startswith(("/2010-04-01/", "http://", "https://"))


def strict(node: Any) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema, refs inlined, every listed property required."""
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = strict(COMPONENTS[node["$ref"].rsplit("/", 1)[1]])
        return {"anyOf": [target, {"type": "null"}]} if node.get("nullable") else target
    schema = {
        key: strict(value)
        for key, value in node.items()
        if key not in ("nullable", "description", "example", "examples")
        and not key.startswith("x-")
    }
    if key_properties := schema.get("properties"):
        schema["properties"] = {name: strict(value) for name, value in node["properties"].items()}
        schema["required"] = sorted(key_properties)
        schema["additionalProperties"] = False
    if node.get("nullable"):
        return {"anyOf": [schema, {"type": "null"}]}
    return schema


def operations() -> dict[str, tuple[str, re.Pattern[str], dict[str, Any]]]:
    found = {}
    for template, item in SPEC["paths"].items():
        pattern = re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)))
        for method, operation in item.items():
            if method in ("get", "post", "delete"):
                found[operation["operationId"]] = (method.upper(), pattern, operation["responses"])
    return found


OPERATIONS = operations()


class RecordingClient(SimulatorHttpClient):
    """The SDK's transport into the simulator, keeping every exchange for validation."""

    exchanges: list[tuple[str, str, int, str, dict[str, str]]]

    def request(self, method, url, *args, **kwargs):
        response = super().request(method, url, *args, **kwargs)
        self.exchanges.append(
            (
                method.upper(),
                urlsplit(url).path,
                response.status_code,
                response.text,
                response.headers,
            )
        )
        return response


def operation_of(method: str, path: str) -> str:
    matches = [
        name
        for name, (verb, pattern, _) in OPERATIONS.items()
        if verb == method and pattern.fullmatch(path)
    ]
    assert len(matches) == 1, f"{method} {path} matches {matches}"
    return matches[0]


def validate(method: str, path: str, status: int, text: str, headers: dict[str, str]) -> str:
    name = operation_of(method, path)
    assert re.fullmatch(r"RQ[0-9a-f]{32}", headers["Twilio-Request-Id"])
    if status >= 400:
        body = json.loads(text)
        jsonschema.validate(body, ERROR_SCHEMA)
        assert body["status"] == status
        return name
    responses = OPERATIONS[name][2]
    assert str(status) in responses, f"{name} answered {status}, not in {sorted(responses)}"
    if status == 204:
        assert text == ""
        return name
    schema = strict(responses[str(status)]["content"]["application/json"]["schema"])
    jsonschema.Draft202012Validator(schema, format_checker=FORMATS).validate(json.loads(text))
    return name


def test_every_operation_of_the_description_is_implemented_or_excused():
    described = set(OPERATIONS)

    assert not IMPLEMENTED & set(NOT_IMPLEMENTED)
    assert described == IMPLEMENTED | set(NOT_IMPLEMENTED), (
        f"unclassified: {sorted(described - IMPLEMENTED - set(NOT_IMPLEMENTED))}; "
        f"gone from the description: {sorted((IMPLEMENTED | set(NOT_IMPLEMENTED)) - described)}"
    )
    assert all(reason for reason in NOT_IMPLEMENTED.values())


@pytest.mark.parametrize("operation", sorted(NOT_IMPLEMENTED))
def test_operations_not_implemented_are_refused_as_unknown(sim, operation):
    method, pattern, _ = OPERATIONS[operation]
    path = pattern.pattern.replace(r"\.", ".").replace("[^/]+", "PN" + "0" * 32)
    path = path.replace("Accounts/PN" + "0" * 32, f"Accounts/{ACCOUNT_SID}")

    status, body = sim.handle_rest(method, path, {}, (ACCOUNT_SID, AUTH_TOKEN))

    assert status == 404 and body["code"] == 20404  # implement it, then move it to IMPLEMENTED


@pytest.fixture
def recording_sdk(sim):
    http = RecordingClient(sim)
    http.exchanges = []
    return Client(ACCOUNT_SID, AUTH_TOKEN, http_client=http), http


def test_every_implemented_operation_answers_as_the_description_says(sim, app, recording_sdk):
    sdk, http = recording_sdk
    sim.set_party(CUSTOMER, CalledParty(answer="human", ring_seconds=2, talk_seconds=600))
    sim.set_party(AGENT, CalledParty(answer="human", ring_seconds=1, talk_seconds=600))
    app.routes["/voice"] = twiml("<Enqueue>support</Enqueue>")
    app.routes["/talk"] = twiml('<Pause length="600"/>')

    # Queues and their members.
    queue = sdk.queues.create(friendly_name="support", max_size=10)
    sdk.queues.list(page_size=1)
    sdk.queues(queue.sid).fetch()
    sdk.queues(queue.sid).update(max_size=20)
    waiting = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript())
    sim.run(seconds=2)
    sdk.queues(queue.sid).members.list()
    sdk.queues(queue.sid).members("Front").fetch()
    sdk.queues(queue.sid).members(waiting.sid).update(url=f"{APP}/talk", method="POST")
    sim.run(seconds=1)

    # Calls and their recordings.
    call = sdk.calls.create(to=CUSTOMER, from_=OUR_NUMBER, url=f"{APP}/talk")
    sdk.calls.list(status="queued")
    sim.run(seconds=5)
    started = sdk.calls(call.sid).recordings.create(recording_status_callback=f"{APP}/rec")
    sdk.calls(call.sid).recordings.list()
    sdk.calls(call.sid).recordings(started.sid).fetch()
    sim.run(seconds=3)
    sdk.calls(call.sid).recordings("Twilio.CURRENT").update(status="paused", pause_behavior="skip")
    sim.run(seconds=3)
    sdk.calls(call.sid).recordings(started.sid).update(status="in-progress")
    sim.run(seconds=3)
    sdk.calls(call.sid).recordings(started.sid).update(status="stopped")
    sdk.recordings.list(call_sid=call.sid)
    sdk.recordings(started.sid).fetch()
    sdk.calls(call.sid).update(status="completed")
    sdk.calls.list(to=CUSTOMER, page_size=1)
    sdk.calls(call.sid).fetch()
    sdk.calls(call.sid).recordings(started.sid).delete()
    sim.run(seconds=2)

    # A recorded conference with an agent and a customer.
    agent = sdk.conferences("room-1").participants.create(
        from_=OUR_NUMBER,
        to=AGENT,
        conference_record="record-from-start",
        conference_recording_status_callback=f"{APP}/conference-rec",
    )
    sim.run(seconds=3)
    conference = sdk.conferences.list(friendly_name="room-1", status="in-progress")[0]
    sdk.conferences(conference.sid).participants.create(from_=OUR_NUMBER, to=CUSTOMER)
    sim.run(seconds=5)
    sdk.conferences(conference.sid).fetch()
    sdk.conferences(conference.sid).participants.list(muted=False)
    sdk.conferences(conference.sid).participants(agent.call_sid).fetch()
    sdk.conferences(conference.sid).participants(agent.call_sid).update(muted=True)
    (in_room,) = sdk.conferences(conference.sid).recordings.list()
    sdk.conferences(conference.sid).recordings(in_room.sid).fetch()
    sdk.conferences(conference.sid).recordings("Twilio.CURRENT").update(status="paused")
    sim.run(seconds=2)
    sdk.conferences(conference.sid).recordings(in_room.sid).update(status="in-progress")
    sim.run(seconds=2)
    sdk.conferences(conference.sid).participants(agent.call_sid).delete()
    sdk.conferences(conference.sid).update(status="completed")
    sim.run(seconds=2)
    sdk.conferences(conference.sid).recordings(in_room.sid).delete()
    sdk.recordings.list(conference_sid=conference.sid, include_soft_deleted=True)

    # Messages, redacted and deleted once delivered; the finished calls deleted.
    message = sdk.messages.create(to=CALLER, from_=OUR_NUMBER, body="Your case is 42")
    sdk.messages.list(to=CALLER)
    sim.run(seconds=3)
    sdk.messages(message.sid).fetch()
    sdk.messages(message.sid).update(body="")
    sdk.messages(message.sid).delete()
    recorded = sdk.calls.create(to=CUSTOMER, from_=OUR_NUMBER, url=f"{APP}/talk", record=True)
    sim.run(seconds=6)
    sdk.calls(recorded.sid).update(status="completed")
    sim.run(seconds=2)
    (outbound,) = sdk.recordings.list(call_sid=recorded.sid)
    sdk.recordings(outbound.sid).delete()
    sdk.calls(recorded.sid).delete()
    sdk.queues(queue.sid).delete()

    answered = {validate(*exchange) for exchange in http.exchanges}
    assert answered == IMPLEMENTED, f"not exercised: {sorted(IMPLEMENTED - answered)}"


@pytest.mark.parametrize(
    ("request_", "status", "code"),
    [
        (lambda sdk: sdk.calls("CA" + "0" * 32).fetch(), 404, 20404),
        (lambda sdk: sdk.queues.create(friendly_name="q", max_size=99999), 400, 20001),
        (lambda sdk: sdk.queues.create(friendly_name="q" * 65), 400, 20001),
        (
            lambda sdk: sdk.calls.create(
                to=CUSTOMER, from_=OUR_NUMBER, url=f"{APP}/x", method="PUT"
            ),
            400,
            20001,
        ),
        (lambda sdk: sdk.calls.create(to=CUSTOMER, from_=OUR_NUMBER, url="not a url"), 400, 21205),
        (lambda sdk: sdk.calls.list(start_time_after="yesterday"), 400, 20001),
        (lambda sdk: sdk.recordings("RE" + "0" * 32).delete(), 404, 20404),
        (lambda sdk: sdk.conferences("room-1").fetch(), 404, 20404),
    ],
)
def test_errors_have_twilios_shape(recording_sdk, request_, status, code):
    sdk, http = recording_sdk

    with pytest.raises(TwilioException):  # lists raise the base class, the rest its subclass
        request_(sdk)

    body = json.loads(http.exchanges[-1][3])
    assert (http.exchanges[-1][2], body["code"]) == (status, code)
    validate(*http.exchanges[-1])


def test_wrong_credentials_get_twilios_401(sim):
    http = RecordingClient(sim)
    http.exchanges = []
    client = Client(ACCOUNT_SID, "wrong", http_client=http)

    with pytest.raises(TwilioRestException) as raised:
        client.queues.create(friendly_name="support")

    assert (raised.value.status, raised.value.code) == (401, 20003)
    validate(*http.exchanges[-1])


def test_pages_link_to_each_other_and_cover_every_item(recording_sdk):
    sdk, http = recording_sdk
    for i in range(5):
        sdk.queues.create(friendly_name=f"q{i}")

    names = [q.friendly_name for q in sdk.queues.list(page_size=2)]
    first_page = json.loads(http.exchanges[-3][3])
    last_page = json.loads(http.exchanges[-1][3])

    assert names == [f"q{i}" for i in range(5)]
    assert (first_page["page"], first_page["start"], first_page["end"]) == (0, 0, 1)
    assert first_page["previous_page_uri"] is None
    assert first_page["next_page_uri"].endswith("PageSize=2&Page=1")
    assert (last_page["page"], last_page["next_page_uri"]) == (2, None)
    for exchange in http.exchanges:
        validate(*exchange)


def test_an_application_sid_stands_for_the_url(sim, sdk, app):
    application = "AP" + "a" * 32
    sim.configure_application(application, NumberConfig(voice_url=f"{APP}/app-voice"))
    app.routes["/app-voice"] = twiml("<Say>Hello</Say>")

    call = sdk.calls.create(to=CUSTOMER, from_=OUR_NUMBER, application_sid=application)
    sim.run(seconds=30)

    assert app.to("/app-voice")[0]["CallSid"] == call.sid
    with pytest.raises(TwilioRestException) as raised:
        sdk.calls.create(to=CUSTOMER, from_=OUR_NUMBER, application_sid="AP" + "b" * 32)
    assert raised.value.code == 21218
