"""`Simulator`: the offline Twilio, one object to configure, drive and inspect.

In tests it runs on a `VirtualClock` (call `run()`/`advance()`), delivers webhooks
through `DjangoClientTransport` and serves the SDK through `sdk_http_client()`; live,
it runs on a `RealClock` in a background thread (`start()`), with `HttpTransport` and
the HTTP server in server.py. Every public method takes the engine lock, so the live
server's threads and the engine thread never see half-made changes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from .clock import Clock, VirtualClock
from .engine import Engine
from .media import MEDIA, recording_wav
from .messaging import Messaging
from .parties import CalledParty, CallerScript, Speech
from .rest import Params, RestApi
from .sdk import SimulatorHttpClient
from .state import (
    CallbackChaos,
    NumberConfig,
    SimCall,
    SimConference,
    SimMessage,
    SimQueue,
    SimRecording,
)
from .transport import Transport
from .voice import Voice

T = TypeVar("T")
FOUR_HOURS = 4 * 3600.0


class Simulator:
    """Twilio for one account: numbers, calls, queues, conferences, recordings, messages."""

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        transport: Transport,
        clock: Clock | None = None,
        seed: int = 0,
        sid_seed: str | None = None,
        base_url: str = "http://127.0.0.1:8010",
        default_number: NumberConfig | None = None,
        default_party: CalledParty | None = None,
        default_client: CalledParty | None = None,
        callback_chaos: CallbackChaos | None = None,
        calls_per_second: float | None = 1.0,
        webhook_timeout: float = 15.0,
        max_run_seconds: float = FOUR_HOURS,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.base_url = base_url.rstrip("/")
        self.engine = Engine(
            clock=clock or VirtualClock(),
            transport=transport,
            auth_token=auth_token,
            seed=seed,
            sid_seed=sid_seed,
            webhook_timeout=webhook_timeout,
            max_run_seconds=max_run_seconds,
        )
        self.voice = Voice(
            self.engine,
            account_sid=account_sid,
            base_url=self.base_url,
            default_number=default_number or NumberConfig(),
            default_party=default_party or CalledParty(),
            default_client=default_client,
            chaos=callback_chaos,
            calls_per_second=calls_per_second,
        )
        self.messaging = Messaging(
            self.engine, account_sid=account_sid, numbers=self.voice.number_config
        )
        self.rest = RestApi(
            account_sid=account_sid,
            auth_token=auth_token,
            voice=self.voice,
            messaging=self.messaging,
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def set_base_url(self, url: str) -> None:
        """Where this simulator is reached (its media URLs), once a server's port is known."""
        self.base_url = self.voice.base_url = url.rstrip("/")

    # -- inspection (plain reads: dicts are only replaced under the lock) -----------

    @property
    def clock(self) -> Clock:
        return self.engine.clock

    @property
    def calls(self) -> dict[str, SimCall]:
        return self.voice.calls

    @property
    def queues(self) -> dict[str, SimQueue]:
        return self.voice.queues

    @property
    def conferences(self) -> dict[str, SimConference]:
        return self.voice.conferences

    @property
    def recordings(self) -> dict[str, SimRecording]:
        return self.voice.recordings

    @property
    def messages(self) -> dict[str, SimMessage]:
        return self.messaging.messages

    def queue_named(self, name: str) -> SimQueue | None:
        return self.voice.queue_named(name)

    def conference_named(self, name: str) -> SimConference | None:
        return self.voice.conference_named(name)

    def heard_by(self, call_sid: str) -> set[str]:
        """The call SIDs a conference participant hears now (none outside a conference)."""
        with self.engine.lock:
            participant = self._live(call_sid).participant
            if participant is None:
                return set()
            return {p.call.sid for p in participant.conference.heard_by(participant)}

    def locked(self, read: Callable[[], T]) -> T:
        """Run `read` under the engine lock (consistent snapshots from other threads)."""
        with self.engine.lock:
            return read()

    # -- configuration ------------------------------------------------------------

    def configure_number(self, number: str, config: NumberConfig) -> None:
        with self.engine.lock:
            self.voice.numbers[number] = config

    def configure_application(self, application_sid: str, config: NumberConfig) -> None:
        """A TwiML app (its voice URL and method), for calls created with ApplicationSid."""
        with self.engine.lock:
            self.voice.applications[application_sid] = config

    def register_client(self, identity: str, party: CalledParty) -> None:
        """An agent endpoint reachable as `<Dial><Client>identity</Client></Dial>`."""
        with self.engine.lock:
            self.voice.clients[identity] = party

    def set_party(self, number: str, party: CalledParty) -> None:
        """How `number` answers when dialled (REST calls, `<Dial><Number>`, participants)."""
        with self.engine.lock:
            self.voice.parties[number] = party

    # -- driving ------------------------------------------------------------------

    def dial_in(self, *, from_: str, to: str, script: CallerScript | None = None) -> SimCall:
        """A caller dials one of our numbers (`from_` may be "anonymous")."""
        with self.engine.lock:
            return self.voice.dial_in(from_=from_, to=to, script=script or CallerScript())

    def receive_sms(self, *, from_: str, to: str, body: str) -> SimMessage:
        with self.engine.lock:
            return self.messaging.receive(from_=from_, to=to, body=body)

    def press(self, call_sid: str, digits: str) -> None:
        with self.engine.lock:
            self.voice.press(self._live(call_sid), digits)

    def speak(self, call_sid: str, text: str, confidence: float = 0.9) -> None:
        with self.engine.lock:
            self.voice.speak(self._live(call_sid), Speech(text, confidence))

    def hang_up(self, call_sid: str) -> None:
        with self.engine.lock:
            self.voice.hang_up(self._live(call_sid), "caller hung up")

    def answer(self, call_sid: str) -> None:
        """The person at a ringing softphone picks up."""
        with self.engine.lock:
            pick_up = self._ringing_at_a_person(call_sid).pick_up
            if pick_up is not None:  # checked by _ringing_at_a_person
                pick_up()

    def reject(self, call_sid: str) -> None:
        """The person at a ringing softphone declines: the caller hears busy."""
        with self.engine.lock:
            self.voice.finish(self._ringing_at_a_person(call_sid), "busy", "rejected")

    def _ringing_at_a_person(self, call_sid: str) -> SimCall:
        call = self._live(call_sid)
        if call.status != "ringing" or call.pick_up is None:
            raise ValueError(f"{call_sid} is not ringing at a person.")
        return call

    def replay_status_callback(self, call_sid: str, index: int) -> None:
        """Deliver an already-fired status callback again, as Twilio's retries may."""
        with self.engine.lock:
            call = self.voice.calls[call_sid]
            record = call.status_callbacks[index]
            self.engine.at(0, lambda: self.voice.deliver_status(call, record))

    def _live(self, call_sid: str) -> SimCall:
        call = self.voice.calls.get(call_sid)
        if call is None:
            raise KeyError(f"No call {call_sid}")
        return call

    # -- time ---------------------------------------------------------------------

    def run(self, seconds: float | None = None) -> None:
        """Virtual time: process events for `seconds`, or until nothing is left to do.

        Raises `SimulatorStuck` when still busy after `max_run_seconds` (e.g. a caller
        waiting forever on a looping waitUrl: pass `seconds` for those).
        """
        with self.engine.lock:
            self.engine.run(seconds)

    def advance(self, seconds: float) -> None:
        self.run(seconds)

    def start(self) -> None:
        """Live mode: process events in wall time on a background thread."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self.engine.serve, args=(self._stop,), name="twilio-simulator", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self.engine.wake()
        self._thread.join(timeout=5)
        self._thread = None

    # -- REST ---------------------------------------------------------------------

    def handle_rest(
        self, method: str, path: str, params: Params, auth: tuple[str, str] | None
    ) -> tuple[int, dict[str, Any]]:
        """One request in Twilio's REST dialect: (status, JSON body)."""
        with self.engine.lock:
            return self.rest.handle(method, path, params, auth)

    def request_id(self) -> str:
        """The Twilio-Request-Id every REST answer carries (RQ and 32 hex digits)."""
        with self.engine.lock:
            return self.engine.request_id()

    def recording_media(self, sid: str) -> bytes | None:
        """The WAV at a recording's media URL; None once deleted (or never made)."""
        with self.engine.lock:
            recording = self.voice.recordings.get(sid)
            if recording is None or recording.deleted:
                return None
            return recording_wav(recording, self.engine.now())

    def media_response(self, path: str, auth: tuple[str, str] | None) -> tuple[int, bytes, str]:
        """What GET on a media path answers: the WAV behind Basic auth, or Twilio's errors."""
        media = MEDIA.fullmatch(path)
        if not self.rest.authenticated(auth):
            status, code, message = 401, 20003, "Authenticate"
        else:
            audio = self.recording_media(media["sid"]) if media else None
            if audio is not None:
                return 200, audio, "audio/wav"
            status, code, message = 404, 20404, "not found"
        error = {"code": code, "message": message, "status": status}
        return status, json.dumps(error).encode(), "application/json"

    def sdk_http_client(self) -> SimulatorHttpClient:
        return SimulatorHttpClient(self)
