"""Twilio's REST API v2010, the part a call center uses, in Twilio's JSON shapes.

`RestApi.handle(method, path, params, auth)` answers like api.twilio.com: Basic auth
(401, code 20003), 404 with code 20404, 405 for an operation Twilio does not have, 400
with Twilio's codes for missing or invalid parameters (URLs, HTTP methods, enums and
limits as Twilio's OpenAPI description states them), list pages with `next_page_uri`,
and every list filter of that description either applied or refused with a 400, never
silently ignored. Handlers only change state and schedule events: the app calls this
API from inside its own webhooks.
"""

from __future__ import annotations

import functools
import hmac
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar
from urllib.parse import urlsplit

import phonenumbers

from . import intelligence
from .dialing import OutboundSpec
from .messaging import Messaging
from .state import (
    API_VERSION,
    CallbackSpec,
    SimCall,
    SimConference,
    SimMessage,
    SimParticipant,
    SimQueue,
    SimRecording,
    rfc2822,
    whole_seconds,
)
from .voice import Voice

T = TypeVar("T")
Params = dict[str, list[str]]
Answer = tuple[int, dict[str, Any]]
DEFAULT_PAGE_SIZE = 50
MAX_CALL_TIMEOUT = 600
MAX_QUEUE_SIZE = 5000
MAX_QUEUE_NAME = 64
INVALID_PARAMETER = 20001
INVALID_URL = 21205
INVALID_STATUS_CALLBACK = 21609
INVALID_APPLICATION = 21218
CALL_NOT_IN_PROGRESS = 21220
NOT_COMPLETE = 20009
COACHED_ON_HOLD = 16027
CURRENT = "Twilio.CURRENT"
# The values Twilio's description allows, per parameter.
CALL_EVENTS = frozenset({"initiated", "ringing", "answered", "completed"})
RECORDING_EVENTS = frozenset({"in-progress", "completed", "absent"})
CONFERENCE_EVENTS = frozenset(
    {"start", "end", "join", "leave", "mute", "hold", "modify", "speaker", "announcement"}
)
CALL_STATUSES = frozenset(
    {"queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"}
)
CONFERENCE_STATUSES = frozenset({"init", "in-progress", "completed"})
FINAL_MESSAGE_STATUSES = frozenset({"delivered", "undelivered", "failed", "received", "read"})


class RestError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def answer(self) -> Answer:
        return self.status, {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }


def not_found(path: str) -> RestError:
    return RestError(404, 20404, f"The requested resource {path} was not found")


def first(params: Params, name: str, default: str | None = None) -> str | None:
    values = params.get(name)
    return values[0] if values else default


def invalid(name: str, value: str, expected: str, code: int = INVALID_PARAMETER) -> RestError:
    return RestError(400, code, f"Invalid {name}: {value!r} ({expected}).")


def flag(params: Params, name: str) -> bool | None:
    value = first(params, name)
    if value is None:
        return None
    if value.strip().lower() not in ("true", "false"):
        raise invalid(name, value, "true or false")
    return value.strip().lower() == "true"


def required(params: Params, name: str, code: int, message: str) -> str:
    value = first(params, name)
    if not value:
        raise RestError(400, code, message)
    return value


def integer(params: Params, name: str, default: int) -> int:
    value = first(params, name)
    try:
        return default if value is None else int(value)
    except ValueError as exc:
        raise RestError(400, INVALID_PARAMETER, f"{name} must be an integer") from exc


def choice(params: Params, name: str, allowed: Iterable[str], default: str) -> str:
    value = first(params, name)
    if value is None:
        return default
    if value not in allowed:
        raise invalid(name, value, "one of " + ", ".join(sorted(allowed)))
    return value


def events(params: Params, name: str, default: str, allowed: frozenset[str]) -> frozenset[str]:
    """Repeated (StatusCallbackEvent=a&StatusCallbackEvent=b) or space-separated values."""
    values = params.get(name) or [default]
    words = frozenset(word for value in values for word in value.replace(",", " ").split())
    unknown = words - allowed
    if unknown:
        raise invalid(name, " ".join(sorted(unknown)), "one of " + ", ".join(sorted(allowed)))
    return words


def method_of(params: Params, name: str) -> str:
    return choice(params, name, ("GET", "POST"), "POST").upper()


def url_of(params: Params, name: str, code: int = INVALID_URL) -> str | None:
    """An absolute http(s) URL, as Twilio requires of every URL parameter (or None)."""
    value = first(params, name)
    return check_url(name, value, code) if value else None


def check_url(name: str, value: str, code: int) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
        raise invalid(name, value, "an absolute http or https URL", code)
    return value


def moment(name: str, value: str) -> datetime:
    """A filter's date (YYYY-MM-DD: its midnight, UTC) or date-time (ISO 8601)."""
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise invalid(name, value, "YYYY-MM-DD or an ISO 8601 date-time") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def by_date(
    items: list[T], params: Params, name: str, when: Callable[[T], datetime | None]
) -> list[T]:
    """Twilio's date filters: `Name` (on that UTC day), `Name<` (on or before the instant,
    midnight for a date), `Name>` (on or after it). Items without the date never match."""
    for suffix in ("", "<", ">"):
        value = first(params, name + suffix)
        if value is None:
            continue
        bound = moment(name + suffix, value)
        day = bound.astimezone(UTC).date()

        def keep(item: T, bound: datetime = bound, day: date = day, suffix: str = suffix) -> bool:
            at = when(item)
            if at is None:
                return False
            if suffix == "<":
                return at <= bound
            if suffix == ">":
                return at >= bound
            return at.astimezone(UTC).date() == day

        items = [item for item in items if keep(item)]
    return items


def by_value(
    items: list[T],
    params: Params,
    filters: dict[str, Callable[[T], object]],
    read: Callable[[Params, str], object] = first,
) -> list[T]:
    """Equality filters; `read=flag` for the true/false ones (anything else is a 400)."""
    for name, value_of in filters.items():
        wanted = read(params, name)
        if wanted is not None:
            items = [item for item in items if value_of(item) == wanted]
    return items


@functools.lru_cache(maxsize=4096)
def formatted(number: str) -> str:
    """Twilio's display form of a number: (415) 555-0142 in North America."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number  # client:alice, sip:..., anonymous
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if parsed.country_code == 1
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, style)


class RestApi:
    def __init__(
        self, *, account_sid: str, auth_token: str, voice: Voice, messaging: Messaging
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.voice = voice
        self.messaging = messaging
        self.prefix = f"/{API_VERSION}/Accounts/{account_sid}"
        self.intelligence = intelligence.IntelligenceApi(account_sid=account_sid, voice=voice)
        recording = r"(?P<sid>RE[0-9a-f]{32}|Twilio\.CURRENT)"
        table: list[tuple[str, dict[str, Callable[..., Answer]]]] = [
            (r"/Calls\.json", {"GET": self.list_calls, "POST": self.create_call}),
            (
                r"/Calls/(?P<sid>CA\w+)\.json",
                {"GET": self.fetch_call, "POST": self.update_call, "DELETE": self.delete_call},
            ),
            (
                r"/Calls/(?P<call>CA\w+)/Recordings\.json",
                {"GET": self.list_call_recordings, "POST": self.create_call_recording},
            ),
            (
                rf"/Calls/(?P<call>CA\w+)/Recordings/{recording}\.json",
                {
                    "GET": self.fetch_call_recording,
                    "POST": self.update_call_recording,
                    "DELETE": self.delete_call_recording,
                },
            ),
            (r"/Recordings\.json", {"GET": self.list_recordings}),
            (
                r"/Recordings/(?P<sid>RE\w+)\.json",
                {"GET": self.fetch_recording, "DELETE": self.delete_recording},
            ),
            (r"/Queues\.json", {"GET": self.list_queues, "POST": self.create_queue}),
            (
                r"/Queues/(?P<sid>QU\w+)\.json",
                {"GET": self.fetch_queue, "POST": self.update_queue, "DELETE": self.delete_queue},
            ),
            (r"/Queues/(?P<sid>QU\w+)/Members\.json", {"GET": self.list_members}),
            (
                r"/Queues/(?P<sid>QU\w+)/Members/(?P<call>\w+)\.json",
                {"GET": self.fetch_member, "POST": self.update_member},
            ),
            (r"/Messages\.json", {"GET": self.list_messages, "POST": self.create_message}),
            (
                r"/Messages/(?P<sid>(SM|MM)\w+)\.json",
                {
                    "GET": self.fetch_message,
                    "POST": self.update_message,
                    "DELETE": self.delete_message,
                },
            ),
            (r"/Conferences\.json", {"GET": self.list_conferences}),
            (
                r"/Conferences/(?P<sid>[^/]+)\.json",
                {"GET": self.fetch_conference, "POST": self.update_conference},
            ),
            (
                r"/Conferences/(?P<conference>[^/]+)/Recordings\.json",
                {"GET": self.list_conference_recordings},
            ),
            (
                rf"/Conferences/(?P<conference>[^/]+)/Recordings/{recording}\.json",
                {
                    "GET": self.fetch_conference_recording,
                    "POST": self.update_conference_recording,
                    "DELETE": self.delete_conference_recording,
                },
            ),
            (
                r"/Conferences/(?P<sid>[^/]+)/Participants\.json",
                {"GET": self.list_participants, "POST": self.create_participant},
            ),
            (
                r"/Conferences/(?P<sid>[^/]+)/Participants/(?P<call>CA\w+)\.json",
                {
                    "GET": self.fetch_participant,
                    "POST": self.update_participant,
                    "DELETE": self.delete_participant,
                },
            ),
        ]
        self.routes = [(re.compile(pattern), methods) for pattern, methods in table]

    # -- dispatch -----------------------------------------------------------------

    def handle(
        self, method: str, path: str, params: Params, auth: tuple[str, str] | None
    ) -> Answer:
        if not self.authenticated(auth):
            return RestError(401, 20003, "Authenticate").answer()
        if path.startswith(intelligence.PREFIX):
            return self.intelligence.handle(method.upper(), path, params)
        if not path.startswith(self.prefix + "/"):
            return not_found(path).answer()
        tail = path[len(self.prefix) :]
        for pattern, table in self.routes:
            match = pattern.fullmatch(tail)
            if match is None:
                continue
            handler = table.get(method.upper())
            if handler is None:
                return RestError(405, 20004, "Method not allowed").answer()
            try:
                return handler(params, path=path, **match.groupdict())
            except RestError as error:
                return error.answer()
        return not_found(path).answer()

    def authenticated(self, auth: tuple[str, str] | None) -> bool:
        if not auth:
            return False
        user, password = auth
        return hmac.compare_digest(user, self.account_sid) and hmac.compare_digest(
            password, self.auth_token
        )

    def page(self, key: str, path: str, items: list[dict[str, Any]], params: Params) -> Answer:
        if first(params, "PageToken") is not None:
            # Our page links carry Page and PageSize; a token from elsewhere would be
            # silently wrong, so it is refused.
            raise RestError(400, INVALID_PARAMETER, "PageToken is not supported: use Page.")
        size = max(1, min(integer(params, "PageSize", DEFAULT_PAGE_SIZE), 1000))
        number = max(0, integer(params, "Page", 0))
        start = number * size
        chunk = items[start : start + size]

        def uri(page: int) -> str:
            return f"{path}?PageSize={size}&Page={page}"

        return 200, {
            key: chunk,
            "uri": uri(number),
            "first_page_uri": uri(0),
            "next_page_uri": uri(number + 1) if start + size < len(items) else None,
            "previous_page_uri": uri(number - 1) if number > 0 else None,
            "page": number,
            "page_size": size,
            "start": start,
            "end": start + max(len(chunk) - 1, 0),
        }

    # -- calls --------------------------------------------------------------------

    def call_or_404(self, sid: str, path: str) -> SimCall:
        call = self.voice.calls.get(sid)
        if call is None or call.deleted:
            raise not_found(path)
        return call

    def list_calls(self, params: Params, *, path: str) -> Answer:
        calls = [c for c in self.voice.calls.values() if not c.deleted]
        calls.sort(key=lambda c: c.started_at, reverse=True)
        choice(params, "Status", CALL_STATUSES, "")
        calls = by_value(
            calls,
            params,
            {
                "To": lambda c: c.to,
                "From": lambda c: c.from_,
                "Status": lambda c: c.status,
                "ParentCallSid": lambda c: c.parent_sid,
            },
        )
        calls = by_date(calls, params, "StartTime", self.start_time)
        calls = by_date(calls, params, "EndTime", lambda c: c.ended_at)
        return self.page("calls", path, [self.call_json(c) for c in calls], params)

    def create_call(self, params: Params, *, path: str) -> Answer:
        to = required(params, "To", 21201, "No 'To' number is specified")
        from_ = required(params, "From", 21213, "No 'From' number is specified")
        url, twiml_text = url_of(params, "Url"), first(params, "Twiml")
        method = method_of(params, "Method")
        application = first(params, "ApplicationSid")
        if not url and twiml_text is None and application:
            config = self.voice.applications.get(application)
            if config is None or not config.voice_url:
                raise invalid(
                    "ApplicationSid", application, "no such application", INVALID_APPLICATION
                )
            url, method = config.voice_url, config.voice_method
        if not url and twiml_text is None:
            raise RestError(400, 21205, "Url parameter is required.")
        timeout = integer(params, "Timeout", 60)
        if not 1 <= timeout <= MAX_CALL_TIMEOUT:
            raise RestError(400, 21216, f"Timeout must be between 1 and {MAX_CALL_TIMEOUT}.")
        spec = OutboundSpec(
            url=url,
            method=method,
            twiml=twiml_text,
            timeout=timeout,
            machine_detection=choice(params, "MachineDetection", ("Enable", "DetectMessageEnd"), "")
            or None,
            async_amd=bool(flag(params, "AsyncAmd")),
            async_amd_callback=url_of(params, "AsyncAmdStatusCallback", INVALID_STATUS_CALLBACK),
            async_amd_method=method_of(params, "AsyncAmdStatusCallbackMethod"),
            record=bool(flag(params, "Record")),
            recording_callback=self.recording_callback(params, "RecordingStatusCallback"),
            recording_channels=self.channels(params),
            recording_track=choice(
                params, "RecordingTrack", ("inbound", "outbound", "both"), "both"
            ),
        )
        choice(params, "Trim", ("trim-silence", "do-not-trim"), "do-not-trim")
        fallback_url = url_of(params, "FallbackUrl")
        fallback_method = method_of(params, "FallbackMethod")
        call = self.voice.create_call(
            to=to,
            from_=from_,
            spec=spec,
            status_callback=self.callback(
                params, "StatusCallback", "StatusCallbackEvent", "completed", CALL_EVENTS
            ),
            fallback=(fallback_url, fallback_method) if fallback_url else None,
        )
        return 201, self.call_json(call)

    def channels(self, params: Params) -> int:
        return 2 if choice(params, "RecordingChannels", ("mono", "dual"), "mono") == "dual" else 1

    def callback(
        self,
        params: Params,
        url_name: str,
        events_name: str,
        default: str,
        allowed: frozenset[str],
    ) -> CallbackSpec | None:
        url = url_of(params, url_name, INVALID_STATUS_CALLBACK)
        method = method_of(params, f"{url_name}Method")
        chosen = events(params, events_name, default, allowed)
        return CallbackSpec(url, chosen, method) if url else None

    def recording_callback(self, params: Params, url_name: str) -> CallbackSpec | None:
        return self.callback(params, url_name, f"{url_name}Event", "completed", RECORDING_EVENTS)

    def start_time(self, call: SimCall) -> datetime | None:
        """Empty until the call is dialled (Twilio's start_time)."""
        return call.answered_at or call.dialed_at

    def fetch_call(self, params: Params, *, path: str, sid: str) -> Answer:
        return 200, self.call_json(self.call_or_404(sid, path))

    def update_call(self, params: Params, *, path: str, sid: str) -> Answer:
        call = self.call_or_404(sid, path)
        status_callback = self.callback(
            params, "StatusCallback", "StatusCallbackEvent", "completed", CALL_EVENTS
        )
        if status_callback is not None:
            call.status_callback = status_callback
        url, twiml_text = url_of(params, "Url"), first(params, "Twiml")
        method = method_of(params, "Method")
        status = choice(params, "Status", ("canceled", "completed"), "") or None
        if url or twiml_text is not None:
            if call.ended:
                raise RestError(400, 21220, "Call is not in-progress. Cannot redirect.")
            if call.answered_at is None and call.outbound is not None:
                # Not answered yet: the new instructions run when it is.
                call.outbound.url, call.outbound.twiml = url, twiml_text
                call.outbound.method = method
            else:
                self.voice.redirect(call, url=url, method=method, twiml_text=twiml_text)
        if status in ("completed", "canceled") and not call.ended:
            if call.answered_at is None:
                self.voice.finish(call, "canceled", "canceled via REST")
            elif status == "completed":
                self.voice.hang_up(call, "ended via REST")
        return 200, self.call_json(call)

    def delete_call(self, params: Params, *, path: str, sid: str) -> Answer:
        call = self.call_or_404(sid, path)
        if not call.ended:
            raise RestError(400, NOT_COMPLETE, "Cannot delete a call before it is complete.")
        call.deleted = True
        return 204, {}

    def call_json(self, call: SimCall) -> dict[str, Any]:
        uri = f"{self.prefix}/Calls/{call.sid}"
        return {
            "sid": call.sid,
            "date_created": rfc2822(call.started_at),
            "date_updated": rfc2822(call.ended_at or call.answered_at or call.started_at),
            "parent_call_sid": call.parent_sid,
            "account_sid": self.account_sid,
            "to": call.to,
            "to_formatted": formatted(call.to),
            "from": call.from_,
            "from_formatted": formatted(call.from_),
            "phone_number_sid": None,
            "status": call.status,
            "start_time": rfc2822(self.start_time(call)),
            "end_time": rfc2822(call.ended_at),
            "duration": None if call.duration is None else str(call.duration),
            "price": None,
            "price_unit": "USD",
            "direction": call.direction,
            "answered_by": call.answered_by,
            "api_version": API_VERSION,
            "forwarded_from": None,
            "group_sid": None,
            "caller_name": None,
            "queue_time": str(call.queue_seconds),
            "trunk_sid": None,
            "uri": f"{uri}.json",
            "subresource_uris": {
                "recordings": f"{uri}/Recordings.json",
                "notifications": f"{uri}/Notifications.json",
            },
        }

    # -- recordings ---------------------------------------------------------------

    def recording_or_404(self, sid: str, path: str, *, soft_deleted: bool = False) -> SimRecording:
        recording = self.voice.recordings.get(sid)
        if recording is None or (recording.deleted and not soft_deleted):
            raise not_found(path)
        return recording

    def recordings_where(
        self, params: Params, keep: Callable[[SimRecording], bool]
    ) -> list[SimRecording]:
        soft_deleted = bool(flag(params, "IncludeSoftDeleted"))
        recordings = [
            r for r in self.voice.recordings.values() if keep(r) and (soft_deleted or not r.deleted)
        ]
        recordings.sort(key=lambda r: r.created_at, reverse=True)
        return by_date(recordings, params, "DateCreated", lambda r: r.created_at)

    def list_recordings(self, params: Params, *, path: str) -> Answer:
        recordings = by_value(
            self.recordings_where(params, lambda r: True),
            params,
            {"CallSid": lambda r: r.call_sid, "ConferenceSid": lambda r: r.conference_sid},
        )
        return self.page("recordings", path, [self.recording_json(r) for r in recordings], params)

    def fetch_recording(self, params: Params, *, path: str, sid: str) -> Answer:
        soft_deleted = bool(flag(params, "IncludeSoftDeleted"))
        return 200, self.recording_json(self.recording_or_404(sid, path, soft_deleted=soft_deleted))

    def delete_recording(self, params: Params, *, path: str, sid: str) -> Answer:
        self.delete(self.recording_or_404(sid, path))
        return 204, {}

    def delete(self, recording: SimRecording) -> None:
        if recording.live:
            raise RestError(
                400, NOT_COMPLETE, "Cannot delete a recording in progress: stop it first."
            )
        recording.deleted = True
        recording.updated_at = self.voice.now()

    def call_recording_or_404(self, call: SimCall, sid: str, path: str) -> SimRecording:
        recording = (
            self.voice.current_recording(call) if sid == CURRENT else self.voice.recordings.get(sid)
        )
        if recording is None or recording.deleted or recording.call_sid != call.sid:
            raise not_found(path)
        if recording.conference_sid is not None:
            raise not_found(path)  # a conference's recording is under the conference
        return recording

    def list_call_recordings(self, params: Params, *, path: str, call: str) -> Answer:
        self.call_or_404(call, path)
        recordings = self.recordings_where(
            params, lambda r: r.call_sid == call and r.conference_sid is None
        )
        items = [self.call_recording_json(r) for r in recordings]
        return self.page("recordings", path, items, params)

    def create_call_recording(self, params: Params, *, path: str, call: str) -> Answer:
        """Start recording a live call (StartCallRecordingAPI)."""
        sim_call = self.call_or_404(call, path)
        callback = self.recording_callback(params, "RecordingStatusCallback")
        channels = self.channels(params)
        track = choice(params, "RecordingTrack", ("inbound", "outbound", "both"), "both")
        choice(params, "Trim", ("trim-silence", "do-not-trim"), "do-not-trim")
        if sim_call.status != "in-progress":
            raise RestError(400, CALL_NOT_IN_PROGRESS, "Call is not in-progress. Cannot record.")
        bridge = sim_call.bridge
        other = None if bridge is None else (bridge.b if bridge.a is sim_call else bridge.a)
        voices = (sim_call.sid, other.sid if other is not None else sim_call.to)
        recording = self.voice.recording_start(
            call=sim_call,
            source="StartCallRecordingAPI",
            callback=callback,
            channels=channels,
            track=track,
            voices=voices,
        )
        participant = sim_call.participant
        if participant is not None:
            # A leg already in a conference: its party's lines are timed from their joining
            # it, heard from now, as is everyone it hears there.
            recording.joined[sim_call.sid] = participant.joined_at or recording.started_at
            recording.heard_from[sim_call.sid] = recording.started_at
            self.voice.legs_hear(participant.conference)
        return 201, self.call_recording_json(recording)

    def fetch_call_recording(self, params: Params, *, path: str, call: str, sid: str) -> Answer:
        recording = self.call_recording_or_404(self.call_or_404(call, path), sid, path)
        return 200, self.call_recording_json(recording)

    def update_call_recording(self, params: Params, *, path: str, call: str, sid: str) -> Answer:
        recording = self.call_recording_or_404(self.call_or_404(call, path), sid, path)
        self.change_recording(recording, params)
        return 200, self.call_recording_json(recording)

    def delete_call_recording(self, params: Params, *, path: str, call: str, sid: str) -> Answer:
        self.delete(self.call_recording_or_404(self.call_or_404(call, path), sid, path))
        return 204, {}

    def change_recording(self, recording: SimRecording, params: Params) -> None:
        """Pause (skip or silence), resume or stop a live recording."""
        status = first(params, "Status")
        if status is None:
            raise RestError(400, INVALID_PARAMETER, "Missing required parameter Status")
        choice(params, "Status", ("in-progress", "paused", "stopped"), "")
        behavior = choice(params, "PauseBehavior", ("skip", "silence"), "silence")
        if not recording.live:
            raise RestError(400, CALL_NOT_IN_PROGRESS, "The recording is not in progress.")
        if status == "paused":
            self.voice.recording_pause(recording, behavior)
        elif status == "in-progress":
            self.voice.recording_resume(recording)
        else:
            self.voice.recording_stop(recording)

    def recording_common(self, recording: SimRecording) -> dict[str, Any]:
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "call_sid": recording.call_sid,
            "conference_sid": recording.conference_sid,
            "date_created": rfc2822(recording.created_at),
            "date_updated": rfc2822(recording.updated_at or recording.created_at),
            "start_time": rfc2822(recording.started_at),
            "duration": None if recording.duration is None else str(recording.duration),
            "sid": recording.sid,
            "price": None,
            "price_unit": "USD",
            "status": "deleted" if recording.deleted else recording.status,
            "channels": recording.channels,
            "source": recording.source,
            "error_code": None,
            "encryption_details": None,
        }

    def recording_json(self, recording: SimRecording) -> dict[str, Any]:
        uri = f"{self.prefix}/Recordings/{recording.sid}"
        return {
            **self.recording_common(recording),
            "uri": f"{uri}.json",
            "subresource_uris": {
                "add_on_results": f"{uri}/AddOnResults.json",
                "transcriptions": f"{uri}/Transcriptions.json",
            },
            "media_url": recording.url,
        }

    def call_recording_json(self, recording: SimRecording) -> dict[str, Any]:
        uri = f"{self.prefix}/Calls/{recording.call_sid}/Recordings/{recording.sid}.json"
        return {**self.recording_common(recording), "track": recording.track, "uri": uri}

    def conference_recording_json(self, recording: SimRecording) -> dict[str, Any]:
        uri = f"{self.prefix}/Conferences/{recording.conference_sid}/Recordings/{recording.sid}"
        return {**self.recording_common(recording), "uri": f"{uri}.json"}

    def conference_recording_or_404(
        self, conference: SimConference, sid: str, path: str
    ) -> SimRecording:
        recording = (
            conference.recording
            if sid == CURRENT and conference.recording is not None and conference.recording.live
            else self.voice.recordings.get(sid)
        )
        if recording is None or recording.deleted or recording.conference_sid != conference.sid:
            raise not_found(path)
        return recording

    def list_conference_recordings(self, params: Params, *, path: str, conference: str) -> Answer:
        sid = self.conference_or_404(conference, path).sid
        recordings = self.recordings_where(params, lambda r: r.conference_sid == sid)
        items = [self.conference_recording_json(r) for r in recordings]
        return self.page("recordings", path, items, params)

    def fetch_conference_recording(
        self, params: Params, *, path: str, conference: str, sid: str
    ) -> Answer:
        found = self.conference_or_404(conference, path)
        return 200, self.conference_recording_json(
            self.conference_recording_or_404(found, sid, path)
        )

    def update_conference_recording(
        self, params: Params, *, path: str, conference: str, sid: str
    ) -> Answer:
        found = self.conference_or_404(conference, path)
        recording = self.conference_recording_or_404(found, sid, path)
        self.change_recording(recording, params)
        return 200, self.conference_recording_json(recording)

    def delete_conference_recording(
        self, params: Params, *, path: str, conference: str, sid: str
    ) -> Answer:
        found = self.conference_or_404(conference, path)
        self.delete(self.conference_recording_or_404(found, sid, path))
        return 204, {}

    # -- queues -------------------------------------------------------------------

    def queue_or_404(self, sid: str, path: str) -> SimQueue:
        queue = self.voice.queues.get(sid)
        if queue is None:
            raise not_found(path)
        return queue

    def list_queues(self, params: Params, *, path: str) -> Answer:
        queues = sorted(self.voice.queues.values(), key=lambda q: q.created_at)
        return self.page("queues", path, [self.queue_json(q) for q in queues], params)

    def create_queue(self, params: Params, *, path: str) -> Answer:
        name = required(params, "FriendlyName", 20001, "Missing required parameter FriendlyName")
        self.check_queue_name(name)
        if self.voice.queue_named(name) is not None:
            raise RestError(400, 22003, f"A queue named {name!r} already exists.")
        queue = self.voice.create_queue(name, self.max_size(params, 1000))
        return 201, self.queue_json(queue)

    def check_queue_name(self, name: str) -> None:
        if len(name) > MAX_QUEUE_NAME:
            raise invalid("FriendlyName", name, f"at most {MAX_QUEUE_NAME} characters")

    def max_size(self, params: Params, default: int) -> int:
        size = integer(params, "MaxSize", default)
        if not 1 <= size <= MAX_QUEUE_SIZE:
            raise invalid("MaxSize", str(size), f"between 1 and {MAX_QUEUE_SIZE}")
        return size

    def fetch_queue(self, params: Params, *, path: str, sid: str) -> Answer:
        return 200, self.queue_json(self.queue_or_404(sid, path))

    def update_queue(self, params: Params, *, path: str, sid: str) -> Answer:
        queue = self.queue_or_404(sid, path)
        name = first(params, "FriendlyName") or queue.friendly_name
        self.check_queue_name(name)
        queue.max_size = self.max_size(params, queue.max_size)
        queue.friendly_name = name
        queue.updated_at = self.voice.now()
        return 200, self.queue_json(queue)

    def delete_queue(self, params: Params, *, path: str, sid: str) -> Answer:
        queue = self.queue_or_404(sid, path)
        if queue.members:
            raise RestError(400, 22002, "Queue is not empty.")
        del self.voice.queues[sid]
        return 204, {}

    def queue_json(self, queue: SimQueue) -> dict[str, Any]:
        return {
            "date_updated": rfc2822(queue.updated_at),
            "current_size": len(queue.members),
            "friendly_name": queue.friendly_name,
            "uri": f"{self.prefix}/Queues/{queue.sid}.json",
            "account_sid": self.account_sid,
            "average_wait_time": queue.average_wait(self.voice.now()),
            "sid": queue.sid,
            "date_created": rfc2822(queue.created_at),
            "max_size": queue.max_size,
        }

    def list_members(self, params: Params, *, path: str, sid: str) -> Answer:
        queue = self.queue_or_404(sid, path)
        members = [self.member_json(queue, m.call) for m in queue.members]
        return self.page("queue_members", path, members, params)

    def member_or_404(self, queue: SimQueue, call_sid: str, path: str) -> SimCall:
        if call_sid == "Front":
            if not queue.members:
                raise not_found(path)
            return queue.members[0].call
        call = self.voice.calls.get(call_sid)
        if call is None or queue.position(call) is None:
            raise not_found(path)
        return call

    def fetch_member(self, params: Params, *, path: str, sid: str, call: str) -> Answer:
        queue = self.queue_or_404(sid, path)
        return 200, self.member_json(queue, self.member_or_404(queue, call, path))

    def update_member(self, params: Params, *, path: str, sid: str, call: str) -> Answer:
        queue = self.queue_or_404(sid, path)
        member = self.member_or_404(queue, call, path)
        url = url_of(params, "Url")
        if url is None:
            raise RestError(400, INVALID_PARAMETER, "Missing required parameter Url")
        answer = self.member_json(queue, member)
        self.voice.dequeue_member(member, url, method_of(params, "Method"))
        return 200, answer

    def member_json(self, queue: SimQueue, call: SimCall) -> dict[str, Any]:
        member = next(m for m in queue.members if m.call is call)
        return {
            "call_sid": call.sid,
            "date_enqueued": rfc2822(member.enqueued_at),
            "position": queue.position(call),
            "uri": f"{self.prefix}/Queues/{queue.sid}/Members/{call.sid}.json",
            "wait_time": whole_seconds(member.enqueued_at, self.voice.now()),
            "queue_sid": queue.sid,
        }

    # -- messages -----------------------------------------------------------------

    def message_or_404(self, sid: str, path: str) -> SimMessage:
        message = self.messaging.messages.get(sid)
        if message is None or message.deleted:
            raise not_found(path)
        return message

    def list_messages(self, params: Params, *, path: str) -> Answer:
        messages = [m for m in self.messaging.messages.values() if not m.deleted]
        messages.sort(key=lambda m: m.created_at, reverse=True)
        messages = by_value(messages, params, {"To": lambda m: m.to, "From": lambda m: m.from_})
        messages = by_date(messages, params, "DateSent", lambda m: m.sent_at)
        return self.page("messages", path, [self.message_json(m) for m in messages], params)

    def create_message(self, params: Params, *, path: str) -> Answer:
        to = required(params, "To", 21604, "A 'To' phone number is required.")
        from_ = first(params, "From") or first(params, "MessagingServiceSid")
        if not from_:
            raise RestError(400, 21603, "A 'From' phone number is required.")
        media = params.get("MediaUrl") or []
        for url in media:
            check_url("MediaUrl", url, 21620)
        body = first(params, "Body") or ""
        if not body and not media and not first(params, "ContentSid"):
            raise RestError(400, 21602, "Message body is required.")
        message = self.messaging.send(
            from_=from_,
            to=to,
            body=body,
            status_callback=url_of(params, "StatusCallback", INVALID_STATUS_CALLBACK),
            media_urls=media,
        )
        return 201, self.message_json(message)

    def fetch_message(self, params: Params, *, path: str, sid: str) -> Answer:
        return 200, self.message_json(self.message_or_404(sid, path))

    def update_message(self, params: Params, *, path: str, sid: str) -> Answer:
        """Redact (Body="") a finished message; Status=canceled is for scheduled ones only."""
        message = self.message_or_404(sid, path)
        if first(params, "Status") is not None:
            choice(params, "Status", ("canceled",), "")
            raise RestError(400, 30409, "Only a scheduled message can be canceled.")
        body = first(params, "Body")
        if body is None:
            return 200, self.message_json(message)
        if body != "":
            raise invalid("Body", body, "only an empty Body, which redacts the message")
        if message.status not in FINAL_MESSAGE_STATUSES:
            raise RestError(400, NOT_COMPLETE, "Cannot redact a message before it is complete.")
        message.body, message.updated_at = "", self.voice.now()
        return 200, self.message_json(message)

    def delete_message(self, params: Params, *, path: str, sid: str) -> Answer:
        message = self.message_or_404(sid, path)
        if message.status not in FINAL_MESSAGE_STATUSES:
            raise RestError(400, NOT_COMPLETE, "Cannot delete a message before it is complete.")
        message.deleted = True
        return 204, {}

    def message_json(self, message: SimMessage) -> dict[str, Any]:
        uri = f"{self.prefix}/Messages/{message.sid}"
        return {
            "body": message.body,
            "num_segments": "1",
            "direction": message.direction,
            "from": message.from_,
            "to": message.to,
            "date_updated": rfc2822(message.updated_at),
            "price": None,
            "error_message": None,
            "uri": f"{uri}.json",
            "account_sid": self.account_sid,
            "num_media": str(len(message.media_urls)),
            "status": message.status,
            "messaging_service_sid": message.from_ if message.from_.startswith("MG") else None,
            "sid": message.sid,
            "date_sent": rfc2822(message.sent_at),
            "date_created": rfc2822(message.created_at),
            "error_code": None,
            "price_unit": "USD",
            "api_version": API_VERSION,
            "subresource_uris": {"media": f"{uri}/Media.json"},
        }

    # -- conferences --------------------------------------------------------------

    def conference_or_404(self, sid: str, path: str) -> SimConference:
        # By SID only: Twilio takes a friendly name nowhere but when adding a participant.
        conference = self.voice.conferences.get(sid)
        if conference is None:
            raise not_found(path)
        return conference

    def list_conferences(self, params: Params, *, path: str) -> Answer:
        conferences = sorted(
            self.voice.conferences.values(), key=lambda c: c.created_at, reverse=True
        )
        choice(params, "Status", CONFERENCE_STATUSES, "")
        conferences = by_value(
            conferences,
            params,
            {"FriendlyName": lambda c: c.friendly_name, "Status": lambda c: c.status},
        )
        conferences = by_date(conferences, params, "DateCreated", lambda c: c.created_at)
        conferences = by_date(conferences, params, "DateUpdated", lambda c: c.updated_at)
        items = [self.conference_json(c) for c in conferences]
        return self.page("conferences", path, items, params)

    def fetch_conference(self, params: Params, *, path: str, sid: str) -> Answer:
        return 200, self.conference_json(self.conference_or_404(sid, path))

    def update_conference(self, params: Params, *, path: str, sid: str) -> Answer:
        conference = self.conference_or_404(sid, path)
        status = choice(params, "Status", ("completed",), "")
        url_of(params, "AnnounceUrl")
        method_of(params, "AnnounceMethod")
        if status == "completed":
            self.voice.end_conference(conference, "conference-ended-via-api", None)
        return 200, self.conference_json(conference)

    def conference_json(self, conference: SimConference) -> dict[str, Any]:
        uri = f"{self.prefix}/Conferences/{conference.sid}"
        return {
            "account_sid": self.account_sid,
            "date_created": rfc2822(conference.created_at),
            "date_updated": rfc2822(conference.updated_at),
            "api_version": API_VERSION,
            "friendly_name": conference.friendly_name,
            "region": "us1",
            "sid": conference.sid,
            "status": conference.status,
            "uri": f"{uri}.json",
            "subresource_uris": {
                "participants": f"{uri}/Participants.json",
                "recordings": f"{uri}/Recordings.json",
            },
            "reason_conference_ended": conference.reason_ended,
            "call_sid_ending_conference": conference.call_sid_ending,
        }

    def participant_or_404(
        self, conference: SimConference, call_sid: str, path: str
    ) -> SimParticipant:
        participant = conference.participants.get(call_sid) or conference.pending.get(call_sid)
        if participant is None:
            raise not_found(path)
        return participant

    def list_participants(self, params: Params, *, path: str, sid: str) -> Answer:
        conference = self.conference_or_404(sid, path)
        participants = by_value(
            list(conference.participants.values()),
            params,
            {
                "Muted": lambda p: p.muted,
                "Hold": lambda p: p.hold,
                "Coaching": lambda p: p.coaching,
            },
            read=flag,
        )
        items = [self.participant_json(p) for p in participants]
        return self.page("participants", path, items, params)

    def create_participant(self, params: Params, *, path: str, sid: str) -> Answer:
        from_ = required(params, "From", 21213, "No 'From' number is specified")
        to = required(params, "To", 21201, "No 'To' number is specified")
        status_callback = self.callback(
            params, "StatusCallback", "StatusCallbackEvent", "completed", CALL_EVENTS
        )
        conference_callback = self.callback(
            params,
            "ConferenceStatusCallback",
            "ConferenceStatusCallbackEvent",
            "start end",
            CONFERENCE_EVENTS,
        )
        record = bool(flag(params, "Record"))
        recording_callback = self.recording_callback(params, "RecordingStatusCallback")
        conference_record = choice(
            params,
            "ConferenceRecord",
            ("true", "false", "record-from-start", "do-not-record"),
            "do-not-record",
        )
        conference_recording_callback = self.recording_callback(
            params, "ConferenceRecordingStatusCallback"
        )
        url_of(params, "WaitUrl")
        method_of(params, "WaitMethod")
        self.channels(params)
        # Adding a participant is the one place Twilio takes a friendly name for the SID:
        # a conference of that name is opened if none is live.
        if sid.startswith("CF") and sid in self.voice.conferences:
            conference = self.voice.conferences[sid]
        else:
            conference = self.voice.conference_named(sid) or self.voice.open_conference(sid)
        options = self.participant_options(params, creating=True)
        self.check_coaching(conference, options, None)
        if conference.status_callback is None:
            conference.status_callback = conference_callback
        participant = self.voice.add_participant(
            conference,
            from_=from_,
            to=to,
            timeout=integer(params, "Timeout", 60),
            status_callback=status_callback,
            options=options,
            record=record,
            recording_callback=recording_callback,
        )
        if conference_record in ("true", "record-from-start"):
            self.voice.conference_record(
                conference, participant.call, conference_recording_callback
            )
        return 201, self.participant_json(participant)

    def check_coaching(
        self,
        conference: SimConference,
        options: dict[str, object],
        participant: SimParticipant | None,
    ) -> None:
        """Coaching needs a coached call in the conference, and one not on hold."""
        coaching = options.get("coaching", participant.coaching if participant else False)
        target = options.get(
            "call_sid_to_coach", participant.call_sid_to_coach if participant else None
        )
        if not coaching:
            return
        if not target:
            raise RestError(400, INVALID_PARAMETER, "Coaching requires CallSidToCoach.")
        coached = conference.participants.get(str(target))
        if coached is None or coached is participant:
            raise invalid("CallSidToCoach", str(target), "a participant of this conference")
        if coached.hold:
            raise RestError(400, COACHED_ON_HOLD, "The participant to coach is on hold.")

    def participant_options(self, params: Params, *, creating: bool) -> dict[str, object]:
        options: dict[str, object] = {}
        booleans = {
            "Muted": "muted",
            "Hold": "hold",
            "Coaching": "coaching",
            "EndConferenceOnExit": "end_conference_on_exit",
            "StartConferenceOnEnter": "start_conference_on_enter",
        }
        for name, attribute in booleans.items():
            value = flag(params, name)
            if value is not None:
                options[attribute] = value
        for name, attribute in {"CallSidToCoach": "call_sid_to_coach", "Label": "label"}.items():
            if first(params, name) is not None:
                options[attribute] = first(params, name)
        hold_url = url_of(params, "HoldUrl")
        if hold_url is not None:
            options["hold_url"] = hold_url
        method_of(params, "HoldMethod")
        if creating:
            options.pop("hold", None)
        else:
            announce_url = url_of(params, "AnnounceUrl")
            if announce_url is not None:
                options["announce"] = (announce_url, method_of(params, "AnnounceMethod"))
        return options

    def fetch_participant(self, params: Params, *, path: str, sid: str, call: str) -> Answer:
        conference = self.conference_or_404(sid, path)
        return 200, self.participant_json(self.participant_or_404(conference, call, path))

    def update_participant(self, params: Params, *, path: str, sid: str, call: str) -> Answer:
        conference = self.conference_or_404(sid, path)
        participant = self.participant_or_404(conference, call, path)
        options = self.participant_options(params, creating=False)
        if "call_sid_to_coach" in options and "coaching" not in options:
            options["coaching"] = True
        self.check_coaching(conference, options, participant)
        announce = options.pop("announce", None)
        self.voice.update_participant(participant, options)
        if isinstance(announce, tuple):
            self.voice.announce_to(participant, *announce)
        return 200, self.participant_json(participant)

    def delete_participant(self, params: Params, *, path: str, sid: str, call: str) -> Answer:
        conference = self.conference_or_404(sid, path)
        participant = self.participant_or_404(conference, call, path)
        self.voice.leave_conference(participant, "removed via REST")
        return 204, {}

    def participant_json(self, participant: SimParticipant) -> dict[str, Any]:
        conference = participant.conference
        uri = f"{self.prefix}/Conferences/{conference.sid}/Participants/{participant.call.sid}"
        return {
            "account_sid": self.account_sid,
            "call_sid": participant.call.sid,
            "label": participant.label,
            "call_sid_to_coach": participant.call_sid_to_coach,
            "coaching": participant.coaching,
            "conference_sid": conference.sid,
            "date_created": rfc2822(participant.created_at),
            "date_updated": rfc2822(participant.updated_at),
            "end_conference_on_exit": participant.end_conference_on_exit,
            "muted": participant.muted,
            "hold": participant.hold,
            "start_conference_on_enter": participant.start_conference_on_enter,
            "status": participant.status,
            "queue_time": "0",
            "uri": f"{uri}.json",
        }
