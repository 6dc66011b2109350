"""Twilio webhooks of the ACD: callers waiting in a queue, the agent's leg, the bridge,
callbacks and transfers. Each URL names the queue or the queue entry it is about."""

from __future__ import annotations

from .. import twiml
from ..calls import services as calls
from ..calls.selectors import language_for
from ..models import Queue, QueueEntry
from ..webhooks import (
    CallLookup,
    Webhook,
    keep_holding,
    no_content,
    say_nothing,
    twilio_webhook,
    voice_apology,
)
from . import offers, waiting
from .controls import consult_announce, consult_leg_status, consult_recorded


@twilio_webhook("queue-wait", on_error=keep_holding, call=CallLookup.FIND)
def queue_wait(hook: Webhook, queue_id: int) -> twiml.Document:
    """Played to callers waiting in a queue, again and again."""
    queue = Queue.objects.filter(pk=queue_id).first()
    if queue is None:
        return twiml.leave(twiml.document())
    return waiting.queue_wait(hook.call, queue, hook.params)


@twilio_webhook("queue-result", on_error=voice_apology, call=CallLookup.FIND)
def queue_result(hook: Webhook, queue_id: int) -> twiml.Document:
    """The caller left the queue: answered, hung up, or the queue failed."""
    return waiting.queue_result(hook.call, hook.params)


@twilio_webhook("agent-answer", on_error=voice_apology)
def acd_agent_answer(hook: Webhook, entry_id: int) -> twiml.Document:
    """The agent's leg was answered."""
    return offers.agent_answered(entry_id=entry_id)


@twilio_webhook("status", on_error=no_content)
def acd_agent_status(hook: Webhook, entry_id: int) -> None:
    """Progress of the agent's leg: unanswered means a missed offer."""
    hook.ignored = not calls.call_status_update(call=hook.call, params=hook.params)
    offers.agent_leg_status(entry_id=entry_id, params=hook.params)


@twilio_webhook("consult-status", on_error=no_content)
def acd_consult_status(hook: Webhook, entry_id: int) -> None:
    """Progress of an outside number consulted before a warm transfer."""
    consult_leg_status(entry_id=entry_id, params=hook.params)


@twilio_webhook("consult-announce", on_error=say_nothing, call=CallLookup.NONE)
def acd_consult_announce(hook: Webhook, entry_id: int) -> twiml.Document:
    """Played to an outside number consulted on a recorded call, as it answers."""
    return consult_announce(entry_id=entry_id, number=_number(hook))


@twilio_webhook("consult-record", on_error=say_nothing, call=CallLookup.NONE)
def acd_consult_record(hook: Webhook, entry_id: int) -> twiml.Document:
    """The consulted number was told: the consultation is recorded from now."""
    return consult_recorded(entry_id=entry_id, number=_number(hook))


def _number(hook: Webhook) -> str:
    return "+" + "".join(c for c in hook.query.get("to", "") if c.isdigit())


@twilio_webhook("caller-join", on_error=voice_apology)
def acd_caller_join(hook: Webhook, entry_id: int) -> twiml.Document:
    """The caller (or the called-back customer) is brought to the agent."""
    return offers.caller_join(call=hook.started_call, entry_id=entry_id)


@twilio_webhook("caller-record", on_error=voice_apology)
def acd_caller_record(hook: Webhook, entry_id: int) -> twiml.Document:
    """The caller was told the call is recorded: recording starts, they join the agent."""
    return offers.caller_recorded(leg_sid=hook.params.get("CallSid", ""), entry_id=entry_id)


@twilio_webhook("caller-done", on_error=voice_apology)
def acd_caller_done(hook: Webhook, entry_id: int) -> twiml.Document:
    """The caller's side of the conversation ended: the agent left (the caller may be
    kept on the line, for a survey) or the caller hung up."""
    if not QueueEntry.objects.filter(pk=entry_id).exists():
        return twiml.hang_up(twiml.document())
    offers.conversation_ended(entry_id=entry_id)
    return offers.caller_after_conversation(call=hook.started_call, params=hook.params)


@twilio_webhook("callback-request", on_error=keep_holding)
def acd_callback_request(hook: Webhook, entry_id: int) -> twiml.Document:
    """A key pressed while waiting (1: call me back, keeping my place)."""
    return waiting.callback_requested(
        entry_id=entry_id,
        digits=hook.params.get("Digits", ""),
        language=language_for(hook.started_call),
    )


@twilio_webhook("transfer", on_error=voice_apology)
def acd_transfer_number(hook: Webhook, entry_id: int) -> twiml.Document:
    """The agent sent the caller on to an outside number."""
    number = _number(hook)
    response = twiml.document()
    twiml.say(response, twiml.TRANSFER_HOLD, language=language_for(hook.started_call))
    return twiml.dial_number(response, number)


@twilio_webhook("transfer", on_error=voice_apology)
def acd_transfer_queue(hook: Webhook, entry_id: int) -> twiml.Document:
    """The agent sent the caller to another queue: they wait there like any caller."""
    queue_id = hook.query.get("queue", "")
    queue = Queue.objects.filter(pk=queue_id).first() if queue_id.isdigit() else None
    if queue is None:
        return waiting.safe_route(hook.call)
    response = twiml.document()
    twiml.say(response, twiml.TRANSFER_HOLD, language=language_for(hook.started_call))
    return waiting.enqueue_document(hook.started_call, queue, response)
