"""Twilio webhooks of the dialer's calls; each URL names the CallAttempt it is about.

Signature checks, the call's record, the event log, the transaction and the safe answers
on failure are telephony's (`twilio_webhook`); these views only call one service.
"""

from __future__ import annotations

from telephony import twiml
from telephony.calls import services as calls
from telephony.webhooks import (
    CallLookup,
    Webhook,
    keep_holding,
    no_content,
    twilio_webhook,
    voice_apology,
)

from . import services


@twilio_webhook("campaign-answer", on_error=voice_apology)
def attempt_answer(hook: Webhook, attempt_id: int) -> twiml.Document:
    """The lead answered."""
    return services.attempt_answered(attempt_id=attempt_id, call=hook.started_call)


@twilio_webhook("status", on_error=no_content)
def attempt_status(hook: Webhook, attempt_id: int) -> None:
    """Progress of the lead's call: ringing, answered, busy, no answer, completed..."""
    hook.ignored = not calls.call_status_update(call=hook.call, params=hook.params)
    services.attempt_status(attempt_id=attempt_id, params=hook.params)


@twilio_webhook("amd", on_error=no_content, call=CallLookup.FIND)
def attempt_amd(hook: Webhook, attempt_id: int) -> None:
    """The answering-machine detection verdict (asynchronous AMD)."""
    services.attempt_amd(attempt_id=attempt_id, answered_by=hook.params.get("AnsweredBy", ""))


@twilio_webhook("campaign-hold", on_error=keep_holding, call=CallLookup.FIND)
def attempt_hold(hook: Webhook, attempt_id: int) -> twiml.Document:
    """The answered lead waiting (at most 2 seconds) for an agent."""
    return services.attempt_hold(attempt_id=attempt_id, call=hook.call, params=hook.params)


@twilio_webhook("queue-result", on_error=voice_apology, call=CallLookup.FIND)
def attempt_left(hook: Webhook, attempt_id: int) -> twiml.Document:
    """The answered lead left the queue (to an agent, or abandoned)."""
    return services.attempt_left_queue(attempt_id=attempt_id, call=hook.call, params=hook.params)


@twilio_webhook("opt-out", on_error=voice_apology, call=CallLookup.FIND)
def attempt_opt_out(hook: Webhook, attempt_id: int) -> twiml.Document:
    """A key pressed during the safe-harbor message."""
    return services.attempt_opt_out(attempt_id=attempt_id, digits=hook.params.get("Digits", ""))


@twilio_webhook("machine", on_error=voice_apology, call=CallLookup.FIND)
def attempt_machine(hook: Webhook, attempt_id: int) -> twiml.Document:
    """An answering machine picked up: leave the message or hang up."""
    return services.machine_response(attempt_id=attempt_id)


@twilio_webhook("input", on_error=voice_apology)
def attempt_agentless(hook: Webhook, attempt_id: int) -> twiml.Document:
    """The key pressed after an agentless message."""
    return services.agentless_input(
        attempt_id=attempt_id, call=hook.started_call, digits=hook.params.get("Digits", "")
    )
