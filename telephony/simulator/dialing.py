"""Outbound legs: REST-created calls with answering-machine detection, `<Dial>` and bridges.

A dialled leg rings its `CalledParty`, which answers (human or machine), is busy, fails
or lets it ring out. `<Dial>` rings all its Number/Client nouns at once; the first to
answer is bridged and the rest are canceled. The bridge lasts until either side hangs
up or `timeLimit`; then the dialling call requests its Dial action (DialCallStatus,
DialCallSid, DialCallDuration, DialBridged) or runs the verb after `<Dial>`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from . import twiml
from .calls import callback_spec
from .engine import Timer
from .parties import CalledParty
from .recordings import Recorder
from .state import CallbackSpec, Cursor, SimCall, SimQueue, SimRecording, whole_seconds

if TYPE_CHECKING:
    from .queues import EnqueueState

BUSY_SECONDS = 2.0
AMD_SECONDS = 3.0


@dataclass
class OutboundSpec:
    """What a REST `Calls.json` POST asked for."""

    url: str | None
    method: str = "POST"
    twiml: str | None = None
    timeout: int = 60
    machine_detection: str | None = None
    async_amd: bool = False
    async_amd_callback: str | None = None
    async_amd_method: str = "POST"
    record: bool = False
    recording_callback: CallbackSpec | None = None
    recording_channels: int = 1
    recording_track: str = "both"


@dataclass(eq=False)
class DialState:
    call: SimCall
    cursor: Cursor
    action: str | None
    method: str
    timeout: int
    caller_id: str | None
    record: bool
    time_limit: int
    started_at: datetime
    recording_callback: CallbackSpec | None = None
    recording_channels: int = 1
    legs: list[SimCall] = field(default_factory=list)
    queue_url: str | None = None
    queue_method: str = "POST"
    waiting_on: SimQueue | None = None
    finished: bool = False
    timer: Timer | None = None


@dataclass(eq=False)
class Bridge:
    """Two legs talking: `a` executed the `<Dial>`; `b` is its callee or dequeued caller."""

    kind: str  # "dial" (Number/Client) or "queue"
    a: SimCall
    b: SimCall
    dial: DialState
    connected_at: datetime | None = None
    limit: Timer | None = None
    recording: SimRecording | None = None


class Dialing(Recorder):
    if TYPE_CHECKING:
        # Defined by the Queueing and Conferencing mixins that Voice combines with this one.
        def dial_queue(self, call: SimCall, dial: DialState, noun: Element) -> None: ...

        def dial_conference(self, call: SimCall, dial: DialState, noun: Element) -> None: ...

        def enqueue_done(
            self, call: SimCall, state: EnqueueState, result: str, *, ignore: bool = False
        ) -> None: ...

    def party_for(self, to: str) -> CalledParty | None:
        if to.startswith("client:"):
            return self.clients.get(to.removeprefix("client:"), self.default_client)
        return self.parties.get(to, self.default_party)

    def dial_slot(self) -> float:
        """Seconds until the account may start another REST call: Twilio queues the excess
        over its calls-per-second limit (1 by default) instead of failing it."""
        if not self.calls_per_second:
            return 0.0
        now = self.now()
        start = max(now, self.next_dial_at or now)
        self.next_dial_at = start + timedelta(seconds=1 / self.calls_per_second)
        return (start - now).total_seconds()

    def place(
        self,
        call: SimCall,
        timeout: int,
        on_answer: Callable[[str], None],
        on_fail: Callable[[str], None],
    ) -> None:
        """Ring the far end of an outbound leg; it answers, fails or rings out later."""
        if call.ended:
            return  # canceled while still queued
        party = call.party
        # An unregistered client is not online: nothing picks up until the timeout.
        kind = party.pick(self.engine.rng) if isinstance(party, CalledParty) else "no-answer"
        call.dialed_at = self.now()
        self.status_event(call, "initiated")
        if kind == "failed":
            delay, outcome = 0.0, "failed"
        else:
            call.status = "ringing"
            self.note(call, "ringing", call.to)
            self.status_event(call, "ringing")
            ring = party.ring_seconds if isinstance(party, CalledParty) else timeout
            if kind == "busy":
                delay, outcome = min(BUSY_SECONDS, timeout), "busy"
            elif kind in ("no-answer", "person") or ring >= timeout:
                delay, outcome = float(timeout), "no-answer"
            else:
                delay, outcome = ring, kind
            if kind == "person":
                call.pick_up = lambda: on_answer("human")

        def ring_end() -> None:
            if call.status not in ("queued", "ringing"):
                return  # canceled meanwhile
            if outcome in ("human", "machine"):
                on_answer(outcome)
            else:
                on_fail(outcome)

        self.party_timer(call, delay, ring_end)

    # -- REST-created calls -------------------------------------------------------

    def create_call(
        self,
        *,
        to: str,
        from_: str,
        spec: OutboundSpec,
        status_callback: CallbackSpec | None,
        fallback: tuple[str, str] | None,
    ) -> SimCall:
        call = self.new_call(
            direction="outbound-api", from_=from_, to=to, status="queued", party=self.party_for(to)
        )
        call.outbound = spec
        call.status_callback = status_callback
        call.fallback = fallback
        self.party_timer(
            call,
            self.dial_slot(),
            lambda: self.place(
                call,
                spec.timeout,
                lambda kind: self.outbound_answered(call, kind),
                lambda status: self.finish(call, status, status),
            ),
        )
        return call

    def outbound_answered(self, call: SimCall, kind: str) -> None:
        spec: OutboundSpec = call.outbound
        self.answer(call)
        if spec.record:
            self.recording_start(
                call=call,
                source="OutboundAPI",
                callback=spec.recording_callback,
                channels=spec.recording_channels,
                track=spec.recording_track,
                voices=(call.sid, call.to),
            )
        if not spec.machine_detection:
            self.start_document(call)
            return
        answered_by, seconds = self.detect(call, kind, spec.machine_detection)

        def detected() -> None:
            call.answered_by = answered_by
            self.note(call, "amd", answered_by, seconds=seconds)
            if spec.async_amd:
                if spec.async_amd_callback:
                    params = {
                        "AccountSid": self.account_sid,
                        "CallSid": call.sid,
                        "AnsweredBy": answered_by,
                        "MachineDetectionDuration": str(int(seconds * 1000)),
                    }
                    self.post_ignored_to(
                        call, spec.async_amd_callback, spec.async_amd_method, params, "amd"
                    )
            else:
                self.start_document(call)

        if spec.async_amd:
            # The document runs at once; the verdict arrives on its own callback later.
            self.start_document(call)
            self.party_timer(call, seconds, detected)
        else:
            # Synchronous detection listens before fetching the Url: silence on the line.
            self.flow(call, seconds, detected)

    def detect(self, call: SimCall, kind: str, mode: str) -> tuple[str, float]:
        """AnsweredBy and how long detection took, by MachineDetection mode."""
        if kind == "human":
            return "human", AMD_SECONDS
        if mode == "DetectMessageEnd":
            party = call.party
            greeting = party.greeting_seconds if isinstance(party, CalledParty) else AMD_SECONDS
            return "machine_end_beep", greeting
        return "machine_start", AMD_SECONDS

    def start_document(self, call: SimCall) -> None:
        spec: OutboundSpec = call.outbound
        if spec.twiml is not None:
            self.run_inline(call, spec.twiml)
        elif spec.url:
            self.goto(call, spec.url, spec.method, {}, context="main", purpose="voice")

    # -- <Dial> -------------------------------------------------------------------

    def verb_dial(self, call: SimCall, cursor: Cursor, verb: Element) -> bool:
        dial = DialState(
            call=call,
            cursor=cursor,
            action=twiml.resolve(cursor.url, verb.get("action")),
            method=twiml.method_attr(verb),
            timeout=twiml.int_attr(verb, "timeout", 30),
            caller_id=verb.get("callerId"),
            record=verb.get("record", "do-not-record") != "do-not-record",
            recording_channels=2 if verb.get("record", "").endswith("-dual") else 1,
            time_limit=twiml.int_attr(verb, "timeLimit", 14400),
            started_at=self.now(),
            recording_callback=callback_spec(
                verb,
                "recordingStatusCallback",
                "recordingStatusCallbackEvent",
                "completed",
                "recordingStatusCallbackMethod",
            ),
        )
        call.dial = dial
        nouns = list(verb)
        if not nouns:
            bare = Element("Number")
            bare.text = twiml.text_of(verb)
            nouns = [bare]
        self.note(
            call,
            "dial",
            ", ".join(f"{n.tag}:{twiml.text_of(n)}" for n in nouns),
            timeout=dial.timeout,
            action=dial.action,
        )
        if nouns[0].tag == "Queue":
            self.dial_queue(call, dial, nouns[0])
        elif nouns[0].tag == "Conference":
            self.dial_conference(call, dial, nouns[0])
        else:
            for noun in nouns:
                self.dial_leg(call, dial, noun)
        return True

    def dial_leg(self, call: SimCall, dial: DialState, noun: Element) -> None:
        party: CalledParty | None
        if noun.tag == "Client":
            identity = noun.find("Identity")
            name = twiml.text_of(identity if identity is not None else noun)
            to = f"client:{name}"
            party = self.party_for(to)
        elif noun.tag == "Number":
            to = twiml.text_of(noun)
            party = self.party_for(to)
        else:  # Sip, Sim, Application: not simulated, the leg fails
            to = f"{noun.tag.lower()}:{twiml.text_of(noun)}"
            party = CalledParty(answer="failed")
        leg = self.new_call(
            direction="outbound-dial",
            from_=dial.caller_id or call.from_,
            to=to,
            status="queued",
            party=party,
            parent=call,
        )
        leg.dial_leg_of = dial
        leg.status_callback = callback_spec(
            noun, "statusCallback", "statusCallbackEvent", "completed", "statusCallbackMethod"
        )
        dial.legs.append(leg)
        self.place(
            leg,
            dial.timeout,
            lambda kind: self.leg_answered(dial, leg),
            lambda status: self.finish(leg, status, status),
        )

    def leg_answered(self, dial: DialState, leg: SimCall) -> None:
        call = dial.call
        if call.dial is not dial or call.ended:
            self.hang_up(leg, "caller gone")
            return
        self.answer(leg)
        bridge = Bridge("dial", call, leg, dial)
        call.bridge = leg.bridge = bridge
        self.bridge_connected(bridge)
        for other in dial.legs:
            if other is not leg:
                self.finish(other, "canceled", "answered elsewhere")
        self.note(call, "bridge", leg.to, sid=leg.sid)
        self.note(leg, "bridge", call.from_, sid=call.sid)
        bridge.limit = self.engine.at(
            dial.time_limit, lambda: self.end_bridge(bridge, leaving=None)
        )

    def bridge_connected(self, bridge: Bridge) -> None:
        """The two legs talk from now: `<Dial record>` starts recording them."""
        bridge.connected_at = self.now()
        dial = bridge.dial
        if dial.record:
            bridge.recording = self.recording_start(
                call=bridge.a,
                source="DialVerb",
                callback=dial.recording_callback,
                channels=dial.recording_channels,
                voices=(bridge.a.sid, bridge.b.sid),
            )

    def leg_gone(self, dial: DialState, leg: SimCall) -> None:
        """A ringing leg ended; when none is left, the Dial is over unanswered."""
        call = dial.call
        if call.dial is not dial or call.bridge is not None:
            return
        if any(not other.ended for other in dial.legs):
            return
        statuses = {other.status for other in dial.legs}
        status = next((s for s in ("no-answer", "busy", "failed") if s in statuses), "canceled")
        self.dial_done(
            call,
            dial,
            {
                "DialCallStatus": status,
                "DialCallSid": leg.sid,
                "DialCallDuration": "0",
                "DialBridged": "false",
            },
        )

    def dial_abandon(self, call: SimCall, dial: DialState, *, hangup: bool) -> None:
        """The dialling call leaves (hangs up or is redirected) before any bridge."""
        call.dial = None
        if dial.timer is not None:
            dial.timer.cancel()
        for leg in dial.legs:
            self.finish(leg, "canceled", "caller left")
        if dial.waiting_on is not None and dial in dial.waiting_on.waiting:
            dial.waiting_on.waiting.remove(dial)
        if hangup and not dial.finished:
            dial.finished = True
            params = {"DialCallStatus": "canceled", "DialCallDuration": "0", "DialBridged": "false"}
            self.proceed(call, dial.action, dial.method, params, None, purpose="dial")

    def dial_done(self, call: SimCall, dial: DialState, params: dict[str, str]) -> None:
        """The Dial is over: its action (or the next verb) decides what the call does."""
        if call.dial is dial:
            call.dial = None
        if dial.timer is not None:
            dial.timer.cancel()
        if dial.finished:
            return
        dial.finished = True
        self.note(call, "dial", params["DialCallStatus"], **{k: v for k, v in params.items()})
        self.proceed(call, dial.action, dial.method, params, dial.cursor, purpose="dial")

    def end_bridge(self, bridge: Bridge, *, leaving: SimCall | None, hangup: bool = True) -> None:
        """One side left (or the time limit hit): both sides move on."""
        a, b, dial = bridge.a, bridge.b, bridge.dial
        if a.bridge is not bridge:
            return
        a.bridge = b.bridge = None
        if bridge.limit is not None:
            bridge.limit.cancel()
        connected = bridge.connected_at is not None
        seconds = whole_seconds(bridge.connected_at, self.now()) if bridge.connected_at else 0
        for side, other in ((a, b), (b, a)):
            self.note(side, "bridge-end", other.sid, seconds=seconds)
        params = {
            "DialCallStatus": "completed",
            "DialCallSid": b.sid,
            "DialCallDuration": str(seconds),
            "DialBridged": "true" if connected else "false",
        }
        recording = bridge.recording
        if recording is not None:
            self.recording_stop(recording)
            if recording.status == "completed":
                params.update(
                    RecordingUrl=recording.url,
                    RecordingSid=recording.sid,
                    RecordingDuration=str(recording.duration),
                )
        if leaving is a and not hangup:
            a.dial = None  # redirected: the new TwiML wins, no Dial action
        else:
            self.dial_done(a, dial, params)
        if bridge.kind == "dial" and leaving is not b:
            self.hang_up(b, "bridge ended")  # the callee's line drops with the caller's side
        if bridge.kind == "queue":
            if leaving is b and not hangup:
                self.enqueue_done(b, b.enqueue, "redirected-from-bridged", ignore=True)
            else:
                self.enqueue_done(b, b.enqueue, "bridged")
