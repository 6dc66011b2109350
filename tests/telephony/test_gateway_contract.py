"""The gateway's REST calls against Twilio's API descriptions.

Offline, always: `ContractClient` stands in for Twilio's side of the wire and checks
each request the SDK sends for the gateway against its operation in the description
(path, query and form fields: names, required ones, patterns, enums, JSON content), then
answers with the operation's documented example. The v2010 description is Twilio's own
(trimmed); Voice Intelligence's is written from Twilio's documented fields (its note says
so). Through Prism, opt-in: set PRISM_BIN to a Prism 5 executable (`npm install
@stoplight/prism-cli@5`); .ci/run does. Prism answers 422 to any request that breaks the
v2010 description, which the SDK raises as TwilioRestException.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
from twilio.http import HttpClient
from twilio.http.response import Response

from telephony import gateway
from telephony.simulator.sdk import form_values

CONTRACTS = Path(__file__).parent.parent / "contracts"
SPEC = CONTRACTS / "twilio_api_v2010.callcenter.json"
INTELLIGENCE = CONTRACTS / "twilio_intelligence_v2.transcripts.json"
PRISM = os.environ.get("PRISM_BIN", "")


class ContractBreach(AssertionError):
    pass


def _inline(node: Any, root: dict[str, Any]) -> Any:
    """The schema with its local $refs replaced by what they name (no recursion in these)."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = root
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return _inline(target, root)
        return {key: _inline(value, root) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(item, root) for item in node]
    return node


def _typed(values: list[str], schema: dict[str, Any]) -> Any:
    """A form field's values as the JSON value its schema describes."""
    kind = schema.get("type")
    if kind == "array":
        return [_typed([value], schema.get("items", {})) for value in values]
    if len(values) != 1:
        raise ContractBreach(f"one value expected, got {values}")
    value = values[0]
    if kind == "boolean":
        return {"true": True, "false": False}.get(value, value)
    if kind == "integer":
        return int(value) if value.lstrip("-").isdigit() else value
    return value


class ContractClient(HttpClient):
    """Twilio, as its API descriptions tell it: checks each request, answers the example."""

    def __init__(self, *specs: Path) -> None:
        super().__init__(logging.getLogger(__name__), is_async=False)
        self.operations: list[tuple[str, str, re.Pattern[str], dict[str, Any]]] = []
        for path in specs:
            spec = json.loads(path.read_text())
            for route, item in spec["paths"].items():
                servers = item.get("servers") or spec.get("servers")
                host = urlsplit(servers[0]["url"]).netloc
                pattern = re.compile(re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(route)))
                for method, operation in item.items():
                    if method in ("get", "post", "delete"):
                        operation = _inline(operation, spec)
                        # OpenAPI 3.1 schemas are JSON Schema: its examples are checked too.
                        operation["x-examples-checked"] = spec["openapi"].startswith("3.1")
                        self.operations.append((method.upper(), host, pattern, operation))
        self.requests: list[tuple[str, dict[str, Any]]] = []

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        parts = urlsplit(url)
        for verb, host, pattern, described in self.operations:
            match = pattern.fullmatch(parts.path)
            if verb == method.upper() and host == parts.netloc and match:
                operation = described
                break
        else:
            raise ContractBreach(f"{method} {url}: no such operation in the descriptions")
        if not auth or not all(auth):
            raise ContractBreach(f"{operation['operationId']}: no Basic auth")
        query = parse_qs(parts.query, keep_blank_values=True)
        for name, value in (params or {}).items():
            query.setdefault(name, []).extend(form_values(value))
        form: dict[str, list[str]] = {}
        for name, value in (data or {}).items():
            form.setdefault(name, []).extend(form_values(value))
        fields = self.check(operation, match.groupdict(), query, form)
        self.requests.append((operation["operationId"], fields))
        status, answer = self.example(operation)
        return Response(status, "" if answer is None else json.dumps(answer))

    def check(
        self,
        operation: dict[str, Any],
        path: dict[str, str],
        query: dict[str, list[str]],
        form: dict[str, list[str]],
    ) -> dict[str, Any]:
        """The request's fields, typed, once each is found in the operation."""
        name_of = operation["operationId"]
        described = {(p["in"], p["name"]): p for p in operation.get("parameters", [])}
        fields: dict[str, Any] = {}
        for where, given in (("path", {k: [v] for k, v in path.items()}), ("query", query)):
            for name, values in given.items():
                parameter = described.get((where, name))
                if parameter is None:
                    raise ContractBreach(f"{name_of}: {where} parameter {name} is not described")
                self.validate(
                    name_of, name, _typed(values, parameter["schema"]), parameter["schema"]
                )
        body = operation.get("requestBody", {}).get("content", {})
        schema = body.get("application/x-www-form-urlencoded", {}).get("schema")
        if schema is None:
            if form:
                raise ContractBreach(f"{name_of} takes no form fields, got {sorted(form)}")
            return fields
        missing = set(schema.get("required", ())) - set(form)
        if missing:
            raise ContractBreach(f"{name_of}: required {sorted(missing)} missing")
        for name, values in form.items():
            field = schema["properties"].get(name)
            if field is None:
                raise ContractBreach(f"{name_of}: form field {name} is not described")
            value = _typed(values, field)
            self.validate(name_of, name, value, field)
            if field.get("contentMediaType") == "application/json":
                value = json.loads(value)
                self.validate(name_of, name, value, field["contentSchema"])
            fields[name] = value
        return fields

    @staticmethod
    def validate(operation: str, name: str, value: Any, schema: dict[str, Any]) -> None:
        try:
            jsonschema.Draft202012Validator(schema).validate(value)
        except jsonschema.ValidationError as error:
            raise ContractBreach(f"{operation}: {name}={value!r}: {error.message}") from error

    @staticmethod
    def example(operation: dict[str, Any]) -> tuple[int, Any]:
        for status, response in sorted(operation["responses"].items()):
            if status.startswith("2"):
                content = response.get("content", {}).get("application/json")
                if content is None:
                    return int(status), None
                example = next(iter(content["examples"].values()))["value"]
                if operation["x-examples-checked"]:
                    jsonschema.Draft202012Validator(content["schema"]).validate(example)
                return int(status), example
        raise ContractBreach(f"{operation['operationId']} has no success response")


@pytest.fixture
def twilio_side(settings):
    """The gateway talking to the descriptions instead of Twilio, at Twilio's own hosts."""
    settings.TWILIO_API_BASE_URL = ""
    contract = ContractClient(SPEC, INTELLIGENCE)
    with gateway.using(gateway.build_client(http_client=contract)):
        yield contract


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def prism_url():
    if not PRISM:
        pytest.skip("set PRISM_BIN to run the Prism contract test")
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
    gateway.participant_update(
        conference="entry-42",
        call_sid=CALL_SID,
        announce_url="https://cc.example.com/telephony/voice/acd/1/consult-announce/?to=14155550199",
    )


def test_start_pause_and_resume_a_call_recording(prism_gateway):
    recording_sid = gateway.call_recording_start(
        call_sid=CALL_SID, callback="https://cc.example.com/telephony/voice/recording-status/"
    )
    assert recording_sid.startswith("RE")
    gateway.call_recording_update(call_sid=CALL_SID, recording_sid=recording_sid, status="paused")
    gateway.call_recording_update(
        call_sid=CALL_SID, recording_sid=recording_sid, status="in-progress"
    )


# --- Offline, against the descriptions ---------------------------------------------------

RECORDING_SID = "RE" + "a" * 32
SERVICE_SID = "GA" + "a" * 32
CALLBACK = "https://cc.example.com/telephony/voice/recording-status/?entry=7"


def test_the_callers_leg_is_recorded_in_two_channels_with_every_step_reported(twilio_side):
    sid = gateway.call_recording_start(call_sid=CALL_SID, callback=CALLBACK)
    assert sid == RECORDING_SID
    [(operation, fields)] = twilio_side.requests
    assert operation == "CreateCallRecording"
    assert fields == {
        "RecordingChannels": "dual",
        "RecordingTrack": "both",
        "RecordingStatusCallback": CALLBACK,
        "RecordingStatusCallbackMethod": "POST",
        "RecordingStatusCallbackEvent": ["in-progress", "completed", "absent"],
    }


def test_a_pause_skips_the_stretch_and_a_resume_records_again(twilio_side):
    gateway.call_recording_update(call_sid=CALL_SID, recording_sid=RECORDING_SID, status="paused")
    gateway.call_recording_update(
        call_sid=CALL_SID, recording_sid=RECORDING_SID, status="in-progress"
    )
    assert twilio_side.requests == [
        ("UpdateCallRecording", {"Status": "paused", "PauseBehavior": "skip"}),
        ("UpdateCallRecording", {"Status": "in-progress"}),
    ]


def test_a_transcript_is_asked_for_the_recording_with_each_channels_party(twilio_side):
    job = gateway.transcript_request(
        service_sid=SERVICE_SID,
        recording_sid=RECORDING_SID,
        channel_roles={2: "agent", 1: "customer"},
    )
    assert job == "GT" + "a" * 32
    [(operation, fields)] = twilio_side.requests
    assert operation == "CreateTranscript"
    assert fields["ServiceSid"] == SERVICE_SID
    assert fields["Channel"] == {  # sent as JSON, read back by the contract
        "media_properties": {"source_sid": RECORDING_SID},
        "participants": [
            {"channel_participant": 1, "role": "customer"},
            {"channel_participant": 2, "role": "agent"},
        ],
    }


def test_a_transcripts_status_and_sentences_are_read_from_the_documented_fields(twilio_side):
    job = "GT" + "a" * 32
    assert gateway.transcript_status(sid=job) == "completed"
    assert gateway.transcript_sentences(sid=job) == [
        {
            "channel": 2,
            "start": 1.0,
            "end": 3.45,
            "text": "Thank you for calling, this is Alex.",
            "confidence": 0.94,
        },
        {
            "channel": 1,
            "start": 3.0,
            "end": 5.1,
            "text": "Hi, I want to cancel my order.",
            "confidence": 0.88,
        },
    ]
    assert [operation for operation, _ in twilio_side.requests] == [
        "FetchTranscript",
        "ListSentence",
    ]


def test_the_contract_refuses_what_twilio_would_not_take(twilio_side):
    """The check is not a formality: an undescribed field, a malformed SID and a channel
    without its media are each refused."""
    client = gateway.client()
    with pytest.raises(ContractBreach, match="RecordingChanels is not described"):
        client.request(
            "POST",
            f"https://api.twilio.com/2010-04-01/Accounts/{client.account_sid}"
            f"/Calls/{CALL_SID}/Recordings.json",
            data={"RecordingChanels": "dual"},
        )
    with pytest.raises(ContractBreach, match="ServiceSid"):
        client.intelligence.v2.transcripts.create(
            service_sid="GX" + "a" * 32, channel={"media_properties": {"source_sid": RECORDING_SID}}
        )
    with pytest.raises(ContractBreach, match="Channel"):
        client.intelligence.v2.transcripts.create(
            service_sid=SERVICE_SID, channel={"participants": []}
        )
    with pytest.raises(ContractBreach, match="Status"):
        client.calls(CALL_SID).recordings(RECORDING_SID).update(status="muted")
    assert twilio_side.requests == []
