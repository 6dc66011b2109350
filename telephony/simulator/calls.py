"""Call legs: life cycle, TwiML fetching and stepping, status callbacks, the IVR verbs.

`CallCore` is the base of `voice.Voice`; the subject mixins (dialing, queues,
conferences) build on it. The rules that keep the engine sound:

- A "flow" timer belongs to the document being executed: `bump` voids it when the call
  moves on (REST redirect, dequeue, new document) or ends.
- Party timers (a caller's patience, a callee's talk time) outlive documents; they are
  void once the call ends.
- `finish`, `unwind` and `proceed` only change state and schedule: they may run inside
  a REST request, which must never wait on a webhook. Webhooks are delivered from
  events, in order.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element

from . import twiml
from .engine import Engine, Timer, error_code
from .parties import CalledParty, CallerInput, CallerScript, Speech
from .state import (
    API_VERSION,
    CallbackChaos,
    CallbackSpec,
    Cursor,
    NumberConfig,
    SimCall,
    SimConference,
    SimQueue,
    SimRecording,
    StatusCallbackRecord,
    TranscriptEntry,
    rfc2822,
)

SIP_CODES = {"completed": "200", "busy": "486", "no-answer": "487", "canceled": "487"}


@dataclass(eq=False)
class GatherState:
    cursor: Cursor
    modes: frozenset[str]
    timeout: int
    finish_on_key: str
    num_digits: int | None
    action: str | None
    method: str
    action_on_empty: bool
    prompts: list[Element]
    scripted: CallerInput = None
    prompt_index: int = 0
    digits: str = ""
    barged: bool = False
    timer: int = 0


def callback_spec(
    element: Element, url_attr: str, events_attr: str, default_events: str, method_attr: str
) -> CallbackSpec | None:
    """A status-callback triple read from TwiML attributes (space-separated events)."""
    url = element.get(url_attr)
    if not url:
        return None
    events = frozenset((element.get(events_attr) or default_events).replace(",", " ").split())
    return CallbackSpec(url, events, twiml.method_attr(element, method_attr))


class CallCore:
    """State and plumbing shared by every subject of the voice engine."""

    def __init__(
        self,
        engine: Engine,
        *,
        account_sid: str,
        base_url: str,
        default_number: NumberConfig,
        default_party: CalledParty,
        default_client: CalledParty | None,
        chaos: CallbackChaos | None,
        calls_per_second: float | None,
    ) -> None:
        self.engine = engine
        self.calls_per_second = calls_per_second
        self.next_dial_at: datetime | None = None
        self.account_sid = account_sid
        self.base_url = base_url.rstrip("/")
        self.default_number = default_number
        self.default_party = default_party
        self.chaos = chaos
        self.calls: dict[str, SimCall] = {}
        self.queues: dict[str, SimQueue] = {}
        self.conferences: dict[str, SimConference] = {}
        self.recordings: dict[str, SimRecording] = {}
        self.numbers: dict[str, NumberConfig] = {}
        self.clients: dict[str, CalledParty] = {}
        # How a client nobody registered answers: None is Twilio's (offline, no answer).
        self.default_client: CalledParty | None = default_client
        self.parties: dict[str, CalledParty] = {}
        # TwiML apps by ApplicationSid (AP...): a REST call may name one instead of a Url.
        self.applications: dict[str, NumberConfig] = {}

    # -- records ------------------------------------------------------------------

    def now(self) -> datetime:
        return self.engine.now()

    def new_call(
        self,
        *,
        direction: str,
        from_: str,
        to: str,
        status: str,
        party: CallerScript | CalledParty | None,
        parent: SimCall | None = None,
    ) -> SimCall:
        call = SimCall(
            sid=self.engine.sid("CA"),
            account_sid=self.account_sid,
            direction=direction,
            from_=from_,
            to=to,
            status=status,
            started_at=self.now(),
            parent_sid=parent.sid if parent else None,
            party=party,
        )
        self.calls[call.sid] = call
        return call

    def note(self, call: SimCall, kind: str, text: str = "", **attrs: Any) -> None:
        clean = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in attrs.items()}
        call.transcript.append(
            TranscriptEntry(self.now(), kind, text, {k: v for k, v in clean.items() if v != "None"})
        )

    def call_params(self, call: SimCall) -> dict[str, str]:
        """The parameters Twilio sends with every request about a call."""
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": call.sid,
            "CallStatus": call.status,
            "Direction": call.direction,
            "From": call.from_,
            "To": call.to,
            "Caller": call.from_,
            "Called": call.to,
        }
        if call.parent_sid:
            params["ParentCallSid"] = call.parent_sid
        if call.answered_by:
            params["AnsweredBy"] = call.answered_by
        return params

    def script_of(self, call: SimCall) -> CallerScript | None:
        party = call.party
        if isinstance(party, CalledParty):
            return party.script
        return party

    def answer(self, call: SimCall) -> None:
        if call.answered_at is not None:
            return
        call.status = "in-progress"
        call.answered_at = self.now()
        self.note(call, "answer")
        self.status_event(call, "answered")
        call.pick_up = None
        if isinstance(call.party, CalledParty) and call.party.answer != "person":
            self.party_timer(
                call, call.party.talk_seconds, lambda: self.hang_up(call, "party hung up")
            )

    # -- executing documents ------------------------------------------------------

    def flow(self, call: SimCall, delay: float, action: Callable[[], None]) -> None:
        """Run `action` later unless the call ends or leaves its current document first."""
        epoch = call.epoch

        def fire() -> None:
            call.flow_timers.discard(timer)
            if not call.ended and call.epoch == epoch:
                action()

        timer = self.engine.at(delay, fire)
        call.flow_timers.add(timer)

    def bump(self, call: SimCall) -> None:
        """The call leaves its current document: its pending flow timers are void."""
        call.epoch += 1
        for timer in call.flow_timers:
            timer.cancel()
        call.flow_timers.clear()

    def party_timer(self, call: SimCall, delay: float, action: Callable[[], None]) -> Timer:
        """A timer of the people on the line (patience, talk time): void once the call ends."""
        timer = self.engine.at(delay, action)
        call.party_timers.append(timer)
        return timer

    def run_cursor(self, call: SimCall, cursor: Cursor) -> None:
        call.cursor = cursor
        self.bump(call)
        self.flow(call, 0, lambda: self.step(call))

    def step(self, call: SimCall) -> None:
        """Execute verbs until one takes time (or the document ends)."""
        cursor = call.cursor
        while cursor is not None and not call.ended and call.cursor is cursor:
            if cursor.index >= len(cursor.verbs):
                self.document_end(call, cursor)
                return
            verb = cursor.verbs[cursor.index]
            cursor.index += 1
            if call.direction == "inbound" and call.answered_at is None and verb.tag != "Reject":
                self.answer(call)
            if self.execute(call, cursor, verb):
                return

    def fetch(
        self,
        call: SimCall,
        url: str,
        method: str,
        params: dict[str, str],
        *,
        context: str,
        purpose: str,
    ) -> Cursor | None:
        """Fetch TwiML; on failure try the fallback URL, then fail the way Twilio does.

        Returns None when the document failed (already handled) or the call moved on
        while the app was answering.
        """
        epoch = call.epoch
        cursor, code, message = self._request(call, url, method, params, context, purpose)
        if call.ended or call.epoch != epoch:
            return None
        if cursor is None and context == "main" and call.fallback:
            # The caller hears nothing wrong if the fallback answers: not an application error.
            self.note(call, "fallback", message, code=code, url=url)
            extra = {**params, "ErrorCode": str(code), "ErrorUrl": url}
            url, fallback_method = call.fallback
            cursor, code, message = self._request(
                call, url, fallback_method, extra, context, "fallback"
            )
            if call.ended or call.epoch != epoch:
                return None
        if cursor is None:
            if context == "main" and call.answered_at is None:
                self.answer(call)  # Twilio picks up to play its error message
            self.application_error(call, code, message, url)
            self.fetch_failed(call, context)
        return cursor

    def _request(
        self,
        call: SimCall,
        url: str,
        method: str,
        params: dict[str, str],
        context: str,
        purpose: str,
    ) -> tuple[Cursor | None, int, str]:
        exchange = self.engine.deliver(purpose, url, {**self.call_params(call), **params}, method)
        call.trace.append(exchange)
        if exchange.error:
            return None, error_code(exchange), exchange.error
        try:
            document = twiml.parse(exchange.body, url=url, context=context)
        except twiml.TwimlError as exc:
            return None, exc.code, f"{exc.code}: {exc}"
        return Cursor(url, document.verbs, context), 0, ""

    def goto(
        self,
        call: SimCall,
        url: str,
        method: str,
        params: dict[str, str],
        *,
        context: str,
        purpose: str,
    ) -> None:
        cursor = self.fetch(call, url, method, params, context=context, purpose=purpose)
        if cursor is not None:
            self.run_cursor(call, cursor)

    def run_inline(self, call: SimCall, body: str) -> None:
        """Execute TwiML given inline (`Twiml` on a REST call): no URL, no fallback."""
        try:
            document = twiml.parse(body, url=None)
        except twiml.TwimlError as exc:
            self.application_error(call, exc.code, str(exc), None)
            self.fetch_failed(call, "main")
            return
        self.run_cursor(call, Cursor(None, document.verbs))

    def proceed(
        self,
        call: SimCall,
        url: str | None,
        method: str,
        params: dict[str, str],
        resume: Cursor | None,
        *,
        context: str = "main",
        purpose: str = "action",
        ignore: bool = False,
    ) -> None:
        """After a verb: request its action URL and run the answer, or resume the document.

        With `ignore` (or once the call has ended) the action is still requested, as
        Twilio does, but its answer is not executed.
        """
        if ignore or call.ended:
            if url:
                self.engine.at(0, lambda: self.post_ignored(call, url, method, params, purpose))
            return
        self.bump(call)

        def go() -> None:
            if url:
                self.goto(call, url, method, params, context=context, purpose=purpose)
            elif resume is not None:
                self.run_cursor(call, resume)

        self.flow(call, 0, go)

    def post_ignored(
        self, call: SimCall, url: str, method: str, params: dict[str, str], purpose: str
    ) -> None:
        exchange = self.engine.deliver(purpose, url, {**self.call_params(call), **params}, method)
        call.trace.append(exchange)
        if exchange.error:
            call.callback_errors.append({"at": exchange.at, "url": url, "error": exchange.error})

    def application_error(self, call: SimCall, code: int, message: str, url: str | None) -> None:
        """What the caller hears as "We are sorry, an application error has occurred"."""
        call.application_errors.append(
            {"at": self.now(), "code": code, "message": message, "url": url}
        )
        self.note(call, "error", "An application error has occurred.", code=code, url=url)

    # -- ending -------------------------------------------------------------------

    def hang_up(self, call: SimCall, cause: str) -> None:
        """Someone on the leg (or the app, or REST) ends it, wherever it is."""
        if not call.ended:
            self.finish(call, "completed" if call.answered_at else "canceled", cause)

    def finish(self, call: SimCall, status: str, cause: str) -> None:
        if call.ended:
            return
        call.status = status
        call.ended_at = self.now()
        self.bump(call)
        for timer in call.party_timers:
            timer.cancel()
        self.note(call, "hangup", cause, status=status)
        self.unwind(call, hangup=True)
        self.status_event(call, "completed")
        self.stop_call_recordings(call)

    # -- status callbacks ---------------------------------------------------------

    def status_event(self, call: SimCall, event: str) -> None:
        """Fire a call-progress event if the call's callback asked for it."""
        spec = call.status_callback
        if spec is None or event not in spec.events:
            return
        params = self.call_params(call)
        params["CallStatus"] = {
            "initiated": "initiated",
            "ringing": "ringing",
            "answered": "in-progress",
        }.get(event, call.status)
        params.update(
            CallbackSource="call-progress-events",
            Timestamp=rfc2822(self.now()) or "",
            SequenceNumber=str(call.sequence),
        )
        call.sequence += 1
        if event == "completed":
            duration = call.duration or 0
            params["CallDuration"] = str(duration)
            params["Duration"] = str(math.ceil(duration / 60))
            params["SipResponseCode"] = SIP_CODES.get(call.status, "500")
        record = StatusCallbackRecord(event, spec.url, spec.method, params)
        call.status_callbacks.append(record)
        for delay in self._delivery_delays():
            self.engine.at(delay, lambda: self.deliver_status(call, record))

    def _delivery_delays(self) -> list[float]:
        chaos = self.chaos
        if chaos is None:
            return [0.0]
        rng = self.engine.chaos_rng
        first = rng.uniform(1.0, chaos.max_delay_seconds) if rng.random() < chaos.delay_rate else 0
        delays = [first]
        if rng.random() < chaos.duplicate_rate:
            delays.append(first + rng.uniform(0.5, chaos.max_delay_seconds))
        return delays

    def deliver_status(self, call: SimCall, record: StatusCallbackRecord) -> None:
        self.post_ignored_to(call, record.url, record.method, record.params, "status-callback")

    def post_ignored_to(
        self, call: SimCall, url: str, method: str, params: dict[str, str], purpose: str
    ) -> None:
        """A notification (not TwiML): params sent as given, answer only checked for 2xx."""
        exchange = self.engine.deliver(purpose, url, params, method)
        call.trace.append(exchange)
        if exchange.error:
            call.callback_errors.append({"at": exchange.at, "url": url, "error": exchange.error})

    # -- simple verbs -------------------------------------------------------------

    def prompt(self, call: SimCall, element: Element) -> float | None:
        """Note a Say, Play or Pause in the transcript; return how long it lasts."""
        seconds = twiml.prompt_seconds(element)
        loop = element.get("loop")
        if element.tag == "Say":
            self.note(
                call,
                "say",
                twiml.text_of(element),
                voice=element.get("voice"),
                language=element.get("language"),
                loop=loop,
            )
        elif element.tag == "Play":
            self.note(call, "play", twiml.text_of(element), digits=element.get("digits"), loop=loop)
        else:
            self.note(call, "pause", length=element.get("length", "1"))
        return seconds

    def verb_prompt(self, call: SimCall, cursor: Cursor, verb: Element) -> bool:
        seconds = self.prompt(call, verb)
        if seconds is not None:  # loop="0": plays until something else happens
            self.flow(call, seconds, lambda: self.step(call))
        return True

    def verb_redirect(self, call: SimCall, cursor: Cursor, verb: Element) -> bool:
        url = twiml.resolve(cursor.url, twiml.text_of(verb))
        self.note(call, "redirect", url or "")
        if not url:
            self.application_error(call, twiml.SCHEMA_VIOLATION, "<Redirect> without URL", None)
            self.fetch_failed(call, cursor.context)
            return True
        self.goto(
            call, url, twiml.method_attr(verb), {}, context=cursor.context, purpose="redirect"
        )
        return True

    def verb_hangup(self, call: SimCall, cursor: Cursor, verb: Element) -> bool:
        self.hang_up(call, "<Hangup>")
        return True

    def verb_reject(self, call: SimCall, cursor: Cursor, verb: Element) -> bool:
        reason = verb.get("reason", "rejected")
        self.note(call, "reject", reason)
        if call.direction == "inbound" and call.answered_at is None:
            # Never answered, not billed: busy for reason="busy", otherwise no-answer.
            self.finish(call, "busy" if reason == "busy" else "no-answer", "rejected")
        else:
            self.hang_up(call, "<Reject>")
        return True

    # -- Gather -------------------------------------------------------------------

    def verb_gather(self, call: SimCall, cursor: Cursor, verb: Element) -> bool:
        num_digits = twiml.int_attr(verb, "numDigits", 0)
        gather = GatherState(
            cursor=cursor,
            modes=frozenset(verb.get("input", "dtmf").split()),
            timeout=twiml.int_attr(verb, "timeout", 5),
            finish_on_key=verb.get("finishOnKey", "#"),
            num_digits=num_digits or None,
            action=twiml.resolve(cursor.url, verb.get("action")) or cursor.url,
            method=twiml.method_attr(verb),
            action_on_empty=twiml.bool_attr(verb, "actionOnEmptyResult", False),
            prompts=list(verb),
        )
        call.gather = gather
        self.note(
            call,
            "gather",
            input=" ".join(sorted(gather.modes)),
            timeout=gather.timeout,
            numDigits=gather.num_digits,
            finishOnKey=gather.finish_on_key,
        )
        script = self.script_of(call)
        if script is not None and not script.interactive:
            if call.inputs_used < len(script.inputs):
                gather.scripted = script.inputs[call.inputs_used]
            call.inputs_used += 1
        self.gather_prompt(call, gather)
        return True

    def gather_prompt(self, call: SimCall, gather: GatherState) -> None:
        if call.gather is not gather or gather.barged:
            return
        if gather.prompt_index < len(gather.prompts):
            element = gather.prompts[gather.prompt_index]
            gather.prompt_index += 1
            seconds = self.prompt(call, element)
            if seconds is not None:
                self.flow(call, seconds, lambda: self.gather_prompt(call, gather))
            return
        self.gather_arm(call, gather)
        script = self.script_of(call)
        if gather.scripted is not None and script is not None:
            self.flow(call, script.reaction_seconds, lambda: self.gather_scripted(call, gather))

    def gather_arm(self, call: SimCall, gather: GatherState) -> None:
        """(Re)start the timeout: after the prompts, and after each digit."""
        gather.timer += 1
        token = gather.timer

        def expire() -> None:
            if call.gather is gather and gather.timer == token:
                self.gather_timeout(call, gather)

        self.flow(call, gather.timeout, expire)

    def gather_scripted(self, call: SimCall, gather: GatherState) -> None:
        if call.gather is not gather:
            return
        value = gather.scripted
        if isinstance(value, Speech):
            if "speech" not in gather.modes:
                self.note(call, "speech", value.text, ignored=True)
                return
            gather.barged = True
            gather.timer += 1  # talking: the silence timeout no longer runs
            speaking = len(value.text.split()) * twiml.SAY_SECONDS_PER_WORD
            self.flow(call, speaking, lambda: self.gather_speech(call, gather, value))
        elif value:
            self.gather_digits(call, gather, value)

    def gather_digits(self, call: SimCall, gather: GatherState, digits: str) -> None:
        if "dtmf" not in gather.modes:
            self.note(call, "digits", digits, ignored=True)
            return
        self.note(call, "digits", digits)
        gather.barged = True
        for key in digits:
            if gather.finish_on_key and key == gather.finish_on_key:
                self.gather_submit(call, gather, finished_on_key=key)
                return
            gather.digits += key
            if gather.num_digits and len(gather.digits) >= gather.num_digits:
                self.gather_submit(call, gather)
                return
        self.gather_arm(call, gather)

    def gather_speech(self, call: SimCall, gather: GatherState, speech: Speech) -> None:
        if call.gather is not gather:
            return
        if "speech" not in gather.modes:
            self.note(call, "speech", speech.text, ignored=True)
            return
        self.note(call, "speech", speech.text, confidence=speech.confidence)
        self.gather_submit(call, gather, speech=speech)

    def gather_timeout(self, call: SimCall, gather: GatherState) -> None:
        if gather.digits:
            self.gather_submit(call, gather)
            return
        self.note(call, "gather", "no input")
        self.gather_submit(call, gather)

    def gather_submit(
        self,
        call: SimCall,
        gather: GatherState,
        *,
        finished_on_key: str | None = None,
        speech: Speech | None = None,
    ) -> None:
        call.gather = None
        if speech is not None:
            params = {"SpeechResult": speech.text, "Confidence": str(speech.confidence)}
        else:
            params = {"Digits": gather.digits}
            if finished_on_key:
                params["FinishedOnKey"] = finished_on_key
        empty = speech is None and not gather.digits
        url = None if empty and not gather.action_on_empty else gather.action
        self.proceed(
            call,
            url,
            gather.method,
            params,
            gather.cursor,
            context=gather.cursor.context,
            purpose="gather",
        )

    # -- hooks the Voice class wires to the subjects ------------------------------

    def execute(self, call: SimCall, cursor: Cursor, verb: Element) -> bool:
        raise NotImplementedError

    def document_end(self, call: SimCall, cursor: Cursor) -> None:
        raise NotImplementedError

    def fetch_failed(self, call: SimCall, context: str) -> None:
        raise NotImplementedError

    def unwind(self, call: SimCall, *, hangup: bool) -> None:
        raise NotImplementedError

    def stop_call_recordings(self, call: SimCall) -> None:
        raise NotImplementedError
