"""Twilio's REST API v2010, the part a call center uses, in Twilio's JSON shapes.

`RestApi.handle(method, path, params, auth)` answers like api.twilio.com: Basic auth
(401, code 20003), 404 with code 20404, 400 with the 21xxx codes for missing
parameters, list pages with `next_page_uri`. Handlers only change state and schedule
events: the app calls this API from inside its own webhooks.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from typing import Any

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

Params = dict[str, list[str]]
Answer = tuple[int, dict[str, Any]]
DEFAULT_PAGE_SIZE = 50
MAX_CALL_TIMEOUT = 600


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


def flag(params: Params, name: str) -> bool | None:
    value = first(params, name)
    return None if value is None else value.strip().lower() == "true"


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
        raise RestError(400, 20001, f"{name} must be an integer") from exc


def events(params: Params, name: str, default: str) -> frozenset[str]:
    """Repeated (StatusCallbackEvent=a&StatusCallbackEvent=b) or space-separated values."""
    values = params.get(name) or [default]
    return frozenset(word for value in values for word in value.replace(",", " ").split())


def method_of(params: Params, name: str) -> str:
    return "GET" if (first(params, name) or "POST").upper() == "GET" else "POST"


class RestApi:
    def __init__(
        self, *, account_sid: str, auth_token: str, voice: Voice, messaging: Messaging
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.voice = voice
        self.messaging = messaging
        self.prefix = f"/{API_VERSION}/Accounts/{account_sid}"
        table: list[tuple[str, dict[str, Callable[..., Answer]]]] = [
            (r"/Calls\.json", {"GET": self.list_calls, "POST": self.create_call}),
            (r"/Calls/(?P<sid>CA\w+)\.json", {"GET": self.fetch_call, "POST": self.update_call}),
            (r"/Calls/(?P<sid>CA\w+)/Recordings\.json", {"GET": self.list_call_recordings}),
            (r"/Recordings\.json", {"GET": self.list_recordings}),
            (r"/Recordings/(?P<sid>RE\w+)\.json", {"GET": self.fetch_recording}),
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
            (r"/Messages/(?P<sid>SM\w+)\.json", {"GET": self.fetch_message}),
            (r"/Conferences\.json", {"GET": self.list_conferences}),
            (
                r"/Conferences/(?P<sid>[^/]+)\.json",
                {"GET": self.fetch_conference, "POST": self.update_conference},
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
        if call is None:
            raise not_found(path)
        return call

    def list_calls(self, params: Params, *, path: str) -> Answer:
        calls = sorted(self.voice.calls.values(), key=lambda c: c.started_at, reverse=True)
        filters = {"To": "to", "From": "from_", "Status": "status", "ParentCallSid": "parent_sid"}
        for name, attribute in filters.items():
            wanted = first(params, name)
            if wanted is not None:
                calls = [c for c in calls if getattr(c, attribute) == wanted]
        return self.page("calls", path, [self.call_json(c) for c in calls], params)

    def create_call(self, params: Params, *, path: str) -> Answer:
        to = required(params, "To", 21201, "No 'To' number is specified")
        from_ = required(params, "From", 21213, "No 'From' number is specified")
        url, twiml_text = first(params, "Url"), first(params, "Twiml")
        if not url and twiml_text is None:
            raise RestError(400, 21205, "Url parameter is required.")
        timeout = integer(params, "Timeout", 60)
        if not 1 <= timeout <= MAX_CALL_TIMEOUT:
            raise RestError(400, 21216, f"Timeout must be between 1 and {MAX_CALL_TIMEOUT}.")
        spec = OutboundSpec(
            url=url,
            method=method_of(params, "Method"),
            twiml=twiml_text,
            timeout=timeout,
            machine_detection=first(params, "MachineDetection"),
            async_amd=bool(flag(params, "AsyncAmd")),
            async_amd_callback=first(params, "AsyncAmdStatusCallback"),
            async_amd_method=method_of(params, "AsyncAmdStatusCallbackMethod"),
            record=bool(flag(params, "Record")),
            recording_callback=self.callback(
                params, "RecordingStatusCallback", "RecordingStatusCallbackEvent", "completed"
            ),
        )
        fallback_url = first(params, "FallbackUrl")
        call = self.voice.create_call(
            to=to,
            from_=from_,
            spec=spec,
            status_callback=self.callback(
                params, "StatusCallback", "StatusCallbackEvent", "completed"
            ),
            fallback=(fallback_url, method_of(params, "FallbackMethod")) if fallback_url else None,
        )
        return 201, self.call_json(call)

    def callback(
        self, params: Params, url_name: str, events_name: str, default: str
    ) -> CallbackSpec | None:
        url = first(params, url_name)
        if not url:
            return None
        return CallbackSpec(
            url, events(params, events_name, default), method_of(params, f"{url_name}Method")
        )

    def fetch_call(self, params: Params, *, path: str, sid: str) -> Answer:
        return 200, self.call_json(self.call_or_404(sid, path))

    def update_call(self, params: Params, *, path: str, sid: str) -> Answer:
        call = self.call_or_404(sid, path)
        if first(params, "StatusCallback"):
            call.status_callback = self.callback(
                params, "StatusCallback", "StatusCallbackEvent", "completed"
            )
        url, twiml_text = first(params, "Url"), first(params, "Twiml")
        status = first(params, "Status")
        if url or twiml_text is not None:
            if call.ended:
                raise RestError(400, 21220, "Call is not in-progress. Cannot redirect.")
            if call.answered_at is None and call.outbound is not None:
                # Not answered yet: the new instructions run when it is.
                call.outbound.url, call.outbound.twiml = url, twiml_text
                call.outbound.method = method_of(params, "Method")
            else:
                self.voice.redirect(
                    call, url=url, method=method_of(params, "Method"), twiml_text=twiml_text
                )
        if status in ("completed", "canceled") and not call.ended:
            if call.answered_at is None:
                self.voice.finish(call, "canceled", "canceled via REST")
            elif status == "completed":
                self.voice.hang_up(call, "ended via REST")
        return 200, self.call_json(call)

    def call_json(self, call: SimCall) -> dict[str, Any]:
        uri = f"{self.prefix}/Calls/{call.sid}"
        return {
            "sid": call.sid,
            "date_created": rfc2822(call.started_at),
            "date_updated": rfc2822(call.ended_at or call.answered_at or call.started_at),
            "parent_call_sid": call.parent_sid,
            "account_sid": self.account_sid,
            "to": call.to,
            "to_formatted": call.to,
            "from": call.from_,
            "from_formatted": call.from_,
            "phone_number_sid": None,
            "status": call.status,
            "start_time": rfc2822(call.answered_at or call.started_at),
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

    def list_recordings(self, params: Params, *, path: str) -> Answer:
        recordings = sorted(self.voice.recordings.values(), key=lambda r: r.created_at)
        call_sid = first(params, "CallSid")
        if call_sid:
            recordings = [r for r in recordings if r.call_sid == call_sid]
        return self.page("recordings", path, [self.recording_json(r) for r in recordings], params)

    def list_call_recordings(self, params: Params, *, path: str, sid: str) -> Answer:
        self.call_or_404(sid, path)
        recordings = [r for r in self.voice.recordings.values() if r.call_sid == sid]
        return self.page("recordings", path, [self.recording_json(r) for r in recordings], params)

    def fetch_recording(self, params: Params, *, path: str, sid: str) -> Answer:
        recording = self.voice.recordings.get(sid)
        if recording is None:
            raise not_found(path)
        return 200, self.recording_json(recording)

    def recording_json(self, recording: SimRecording) -> dict[str, Any]:
        uri = f"{self.prefix}/Recordings/{recording.sid}"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "call_sid": recording.call_sid,
            "conference_sid": recording.conference_sid,
            "date_created": rfc2822(recording.created_at),
            "date_updated": rfc2822(recording.created_at),
            "start_time": rfc2822(recording.started_at),
            "duration": str(recording.duration),
            "sid": recording.sid,
            "price": None,
            "price_unit": "USD",
            "status": recording.status,
            "channels": recording.channels,
            "source": recording.source,
            "error_code": None,
            "uri": f"{uri}.json",
            "encryption_details": None,
            "subresource_uris": {"transcriptions": f"{uri}/Transcriptions.json"},
            "media_url": recording.url,
        }

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
        if self.voice.queue_named(name) is not None:
            raise RestError(400, 22003, f"A queue named {name!r} already exists.")
        queue = self.voice.create_queue(name, integer(params, "MaxSize", 1000))
        return 201, self.queue_json(queue)

    def fetch_queue(self, params: Params, *, path: str, sid: str) -> Answer:
        return 200, self.queue_json(self.queue_or_404(sid, path))

    def update_queue(self, params: Params, *, path: str, sid: str) -> Answer:
        queue = self.queue_or_404(sid, path)
        queue.friendly_name = first(params, "FriendlyName") or queue.friendly_name
        queue.max_size = integer(params, "MaxSize", queue.max_size)
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
        url = required(params, "Url", 20001, "Missing required parameter Url")
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

    def list_messages(self, params: Params, *, path: str) -> Answer:
        messages = sorted(
            self.messaging.messages.values(), key=lambda m: m.created_at, reverse=True
        )
        for name, attribute in {"To": "to", "From": "from_"}.items():
            wanted = first(params, name)
            if wanted is not None:
                messages = [m for m in messages if getattr(m, attribute) == wanted]
        return self.page("messages", path, [self.message_json(m) for m in messages], params)

    def create_message(self, params: Params, *, path: str) -> Answer:
        to = required(params, "To", 21604, "A 'To' phone number is required.")
        from_ = first(params, "From") or first(params, "MessagingServiceSid")
        if not from_:
            raise RestError(400, 21603, "A 'From' phone number is required.")
        body = required(params, "Body", 21602, "Message body is required.")
        message = self.messaging.send(
            from_=from_, to=to, body=body, status_callback=first(params, "StatusCallback")
        )
        return 201, self.message_json(message)

    def fetch_message(self, params: Params, *, path: str, sid: str) -> Answer:
        message = self.messaging.messages.get(sid)
        if message is None:
            raise not_found(path)
        return 200, self.message_json(message)

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
            "num_media": "0",
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

    def conference_or_404(self, key: str, path: str) -> SimConference:
        # Twilio accepts the friendly name of a live conference where a SID is expected.
        conference = self.voice.conferences.get(key) or self.voice.conference_named(key)
        if conference is None:
            raise not_found(path)
        return conference

    def list_conferences(self, params: Params, *, path: str) -> Answer:
        conferences = sorted(
            self.voice.conferences.values(), key=lambda c: c.created_at, reverse=True
        )
        for name, attribute in {"FriendlyName": "friendly_name", "Status": "status"}.items():
            wanted = first(params, name)
            if wanted is not None:
                conferences = [c for c in conferences if getattr(c, attribute) == wanted]
        items = [self.conference_json(c) for c in conferences]
        return self.page("conferences", path, items, params)

    def fetch_conference(self, params: Params, *, path: str, sid: str) -> Answer:
        return 200, self.conference_json(self.conference_or_404(sid, path))

    def update_conference(self, params: Params, *, path: str, sid: str) -> Answer:
        conference = self.conference_or_404(sid, path)
        if first(params, "Status") == "completed":
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
        items = [self.participant_json(p) for p in conference.participants.values()]
        return self.page("participants", path, items, params)

    def create_participant(self, params: Params, *, path: str, sid: str) -> Answer:
        from_ = required(params, "From", 21213, "No 'From' number is specified")
        to = required(params, "To", 21201, "No 'To' number is specified")
        if sid.startswith("CF") and sid in self.voice.conferences:
            conference = self.voice.conferences[sid]
        else:
            conference = self.voice.conference_named(sid) or self.voice.open_conference(sid)
        if conference.status_callback is None:
            conference.status_callback = self.callback(
                params, "ConferenceStatusCallback", "ConferenceStatusCallbackEvent", "start end"
            )
        participant = self.voice.add_participant(
            conference,
            from_=from_,
            to=to,
            timeout=integer(params, "Timeout", 60),
            status_callback=self.callback(
                params, "StatusCallback", "StatusCallbackEvent", "completed"
            ),
            options=self.participant_options(params, creating=True),
        )
        return 201, self.participant_json(participant)

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
        for name, attribute in {
            "CallSidToCoach": "call_sid_to_coach",
            "HoldUrl": "hold_url",
            "Label": "label",
        }.items():
            if first(params, name) is not None:
                options[attribute] = first(params, name)
        if creating:
            options.pop("hold", None)
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
        self.voice.update_participant(participant, options)
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
