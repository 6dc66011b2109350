"""The voice engine: verb dispatch and the moves that cut across subjects.

`Voice` joins the subject mixins (IVR verbs in calls.py, dialing.py, queues.py,
conferences.py) and owns what needs all of them: which code runs each verb, what
happens when a document ends or fails in each context, how a call's current activity
is unwound when it hangs up or is redirected, inbound calls and interactive input.
"""

from __future__ import annotations

from collections.abc import Callable
from xml.etree.ElementTree import Element

from .conferences import Conferencing
from .parties import CallerScript, Speech
from .queues import Queueing
from .state import CallbackSpec, Cursor, NumberConfig, SimCall


class Voice(Queueing, Conferencing):
    """Every call leg the simulator knows, and how TwiML moves them."""

    def verbs(self) -> dict[str, Callable[[SimCall, Cursor, Element], bool]]:
        return {
            "Say": self.verb_prompt,
            "Play": self.verb_prompt,
            "Pause": self.verb_prompt,
            "Gather": self.verb_gather,
            "Record": self.verb_record,
            "Redirect": self.verb_redirect,
            "Hangup": self.verb_hangup,
            "Reject": self.verb_reject,
            "Enqueue": self.verb_enqueue,
            "Leave": self.verb_leave,
            "Dial": self.verb_dial,
        }

    def execute(self, call: SimCall, cursor: Cursor, verb: Element) -> bool:
        """Run one verb; True when it takes time (the step loop stops there)."""
        handler = self.verbs().get(verb.tag)
        if handler is None:  # a Twilio verb the simulator does not model (Connect, Pay...)
            self.note(call, "unsupported", verb.tag)
            return False
        return handler(call, cursor, verb)

    def document_end(self, call: SimCall, cursor: Cursor) -> None:
        if cursor.context == "wait":
            self.wait_again(call)
        elif cursor.context == "announce":
            self.connect(call.bridge)
        else:
            self.finish(call, "completed", "end of TwiML")

    def fetch_failed(self, call: SimCall, context: str) -> None:
        """A document failed past any fallback: Twilio ends the call (or the queue wait)."""
        if context == "wait" and call.enqueue is not None:
            self.enqueue_done(call, call.enqueue, "error")
        elif context == "announce":
            self.connect(call.bridge)
        else:
            if call.answered_at is None:
                self.answer(call)  # the error message is played: the call was picked up
            self.finish(call, "completed", "application error")

    def unwind(self, call: SimCall, *, hangup: bool) -> None:
        """Undo what the call was doing: it hung up (`hangup`) or REST redirected it.

        Only state changes and scheduled webhooks: this runs inside REST requests too.
        """
        call.gather = None
        if call.record is not None:
            record = call.record
            digits = "hangup" if hangup else None
            self.record_stop(call, record, self.record_elapsed(record), digits, interrupted=True)
        if call.bridge is not None:
            self.end_bridge(call.bridge, leaving=call, hangup=hangup)
        if call.participant is not None:
            reason = "hung up" if hangup else "redirected"
            self.leave_conference(call.participant, reason, resume=hangup)
        if call.enqueue is not None:
            result = "hangup" if hangup else "redirected"
            self.enqueue_done(call, call.enqueue, result, ignore=True)
        if call.dial is not None:
            self.dial_abandon(call, call.dial, hangup=hangup)
        if call.dial_leg_of is not None:
            self.leg_gone(call.dial_leg_of, call)

    # -- entry points -------------------------------------------------------------

    def number_config(self, number: str) -> NumberConfig:
        return self.numbers.get(number, self.default_number)

    def dial_in(self, *, from_: str, to: str, script: CallerScript) -> SimCall:
        number = self.number_config(to)
        call = self.new_call(
            direction="inbound", from_=from_, to=to, status="ringing", party=script
        )
        call.dialed_at = call.started_at
        if number.status_callback:
            # A number's status callback only ever gets the final event.
            call.status_callback = CallbackSpec(
                number.status_callback, frozenset({"completed"}), number.status_callback_method
            )
        if number.voice_fallback_url:
            call.fallback = (number.voice_fallback_url, number.voice_fallback_method)
        self.note(call, "ringing", to)
        if script.hang_up_after is not None:
            self.party_timer(
                call, script.hang_up_after, lambda: self.hang_up(call, "caller hung up")
            )
        self.engine.at(0, lambda: self.start_inbound(call, number))
        return call

    def start_inbound(self, call: SimCall, number: NumberConfig) -> None:
        if call.ended:
            return
        if not number.voice_url:
            self.application_error(call, 11200, f"No voice URL configured for {call.to}", None)
            self.fetch_failed(call, "main")
            return
        self.goto(call, number.voice_url, number.voice_method, {}, context="main", purpose="voice")

    def redirect(
        self,
        call: SimCall,
        *,
        url: str | None = None,
        method: str = "POST",
        twiml_text: str | None = None,
    ) -> None:
        """REST update with Url/Twiml (or a member dequeue): leave everything, run that."""
        self.note(call, "redirect", url or "(inline TwiML)", source="rest")
        self.unwind(call, hangup=False)
        self.bump(call)
        if twiml_text is not None:
            self.flow(call, 0, lambda: self.run_inline(call, twiml_text))
        elif url:
            self.flow(
                call,
                0,
                lambda: self.goto(call, url, method, {}, context="main", purpose="redirect"),
            )

    def press(self, call: SimCall, digits: str) -> None:
        """Keys pressed on a live call (dev phone); outside a Gather or Record they are lost."""
        if call.ended:
            return
        if call.gather is not None:
            self.gather_digits(call, call.gather, digits)
        elif call.record is not None:
            self.record_key(call, call.record, digits)
        else:
            self.note(call, "digits", digits, ignored=True)

    def speak(self, call: SimCall, speech: Speech) -> None:
        if call.ended:
            return
        if call.gather is not None:
            self.gather_speech(call, call.gather, speech)
        else:
            self.note(call, "speech", speech.text, ignored=True)
