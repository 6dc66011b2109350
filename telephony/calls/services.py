"""Call and message records: calls, their IVR journey, status, voicemail and SMS.

Webhook views parse Twilio's parameters and call one of these; every function is
idempotent on Twilio's SIDs, because Twilio retries and reorders its requests.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from crm import services as crm_services
from crm.models import Case, Customer, Interaction
from crm.phones import format_phone, try_normalize_phone
from crm.selectors import customers_by_phone

from .. import hooks, signals
from ..models import Call, CallEvent, InboundNumber, IvrNode, Queue, Recording, SmsMessage
from . import rows
from .selectors import inbound_line

logger = logging.getLogger(__name__)

# Twilio's call statuses in the order a call can pass through them; terminal ones share a rank.
_STATUS_RANK = {
    "queued": 0,
    "initiated": 0,
    "ringing": 1,
    "in-progress": 2,
    "completed": 3,
    "busy": 3,
    "failed": 3,
    "no-answer": 3,
    "canceled": 3,
}
TERMINAL_STATUSES = frozenset(s for s, rank in _STATUS_RANK.items() if rank == 3)

# Parameters that carry phone numbers or what callers keyed (account numbers, PINs).
_REDACTED = frozenset(
    {"From", "To", "Caller", "Called", "ForwardedFrom", "Digits", "SpeechResult", "Body"}
)
_DIGIT = re.compile(r"\d")


def redact(params: Mapping[str, str]) -> dict[str, str]:
    """Webhook parameters safe to store and log: numbers masked but their last two digits."""
    safe = {}
    for key, value in params.items():
        if key in _REDACTED and value:
            keep = 2 if key in {"From", "To", "Caller", "Called", "ForwardedFrom"} else 0
            masked = _DIGIT.sub("•", value[:-keep] if keep else value)
            safe[key] = masked + (value[-keep:] if keep else "")
        else:
            safe[key] = value
    return safe


def event_log(
    *,
    kind: str,
    params: Mapping[str, str],
    call: Call | None = None,
    ignored: bool = False,
) -> CallEvent:
    """Keep the webhook in the call's event log (redacted)."""
    sequence = params.get("SequenceNumber", "")
    event = CallEvent(
        call=call,
        call_sid=params.get("CallSid", "")[:34],
        kind=kind,
        params=redact(params),
        sequence_number=int(sequence) if sequence.isdigit() else None,
        ignored=ignored,
    )
    return rows.event_insert(event)


def _parse_timestamp(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None


# The call_* services run inside a webhook's transaction, and no caller catches their errors
# to carry on in it: a savepoint around each would only cost two round trips.
@transaction.atomic(savepoint=False)
def call_start(*, params: Mapping[str, str], insert_first: bool = False) -> Call:
    """The Call for a webhook's CallSid, created on first sight with the caller identified.

    Twilio may send the incoming webhook again (retries, fallback); the first one wins. The
    row stays locked until the webhook's transaction ends, which lets call_enter_node update
    this instance without reading it again. `insert_first` is for the webhook whose call is
    almost always new (the incoming call): it writes before reading, and reads only when the
    SID is already there, instead of a read that finds nothing before every insert.
    """
    sid = params["CallSid"]
    if not insert_first and (found := rows.call_by_sid(sid, lock=True)) is not None:
        return found
    call = _new_call(sid, params)
    if rows.call_insert(call):
        return call
    # A retry, or a status callback that came first: that row wins (a concurrent insert of
    # the same SID waits for the first to commit, then finds its row here).
    existing = rows.call_by_sid(sid, lock=True)
    if existing is None:
        raise LookupError(f"Call {sid} conflicted on insert but cannot be read.")
    return existing


def _new_call(sid: str, params: Mapping[str, str]) -> Call:
    """The Call a webhook's parameters describe, not yet written, its caller identified."""
    to_number = params.get("To", "")
    from_number = params.get("From", "")
    direction = params.get("Direction", Call.Direction.INBOUND)
    if direction not in Call.Direction.values:
        direction = Call.Direction.INBOUND
    normalized_to = try_normalize_phone(to_number)
    inbound_number = inbound_line(number=normalized_to) if normalized_to else None
    # The customer is the other party: who calls us, or whom we call. (An agent's ring leg
    # shows the customer's number as its caller ID; it is not a call with the customer.)
    inbound = direction == Call.Direction.INBOUND
    matches = customers_by_phone(phone=from_number if inbound else to_number)
    return Call(
        sid=sid,
        parent_sid=params.get("ParentCallSid", "")[:34],
        direction=direction,
        from_number=from_number[:64],
        to_number=to_number[:64],
        inbound_number=inbound_number,
        customer=matches[0] if matches else None,
        identified_by=("caller_id" if inbound else "number_called") if matches else "",
        twilio_status=params.get("CallStatus", "")[:16],
    )


@transaction.atomic(savepoint=False)
def call_enter_node(*, call: Call, node: IvrNode) -> Call:
    """Note that the caller reached `node` (the path the agent's screen-pop shows).

    `call` is the one call_start locked in this transaction: it is current, and keeps the
    customer and line already loaded with it.
    """
    now = timezone.now()
    call.ivr_path = [*call.ivr_path, {"node": node.key, "kind": node.kind, "at": now.isoformat()}]
    if call.ivr_started_at is None:
        call.ivr_started_at = now
    if not call.state_is_behind(Call.State.IVR):
        call.state = Call.State.IVR
    rows.call_ivr_step(call)
    return call


@transaction.atomic(savepoint=False)
def call_record_input(
    *, call: Call, node: IvrNode, digits: str = "", speech: str = "", label: str = ""
) -> Call:
    """Keep what the caller keyed or said at `node`, and the choice it meant."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    entry: dict[str, Any] = {"node": node.key, "at": timezone.now().isoformat()}
    if digits:
        entry["digits"] = digits
    if speech:
        entry["speech"] = speech
    if label:
        entry["label"] = label
    call.ivr_inputs = [*call.ivr_inputs, entry]
    call.save(update_fields=["ivr_inputs"])
    return call


@transaction.atomic(savepoint=False)
def call_identify(*, call: Call, customer: Customer, by: str) -> Call:
    """Tie the call to the customer the caller proved to be."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    call.customer, call.identified_by = customer, by
    call.save(update_fields=["customer", "identified_by"])
    return call


@transaction.atomic(savepoint=False)
def call_queued(*, call: Call, queue: Queue) -> Call:
    """The caller now waits in `queue` (the ACD keeps their place in line)."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    call.queue = queue
    if not call.state_is_behind(Call.State.QUEUED):
        call.state = Call.State.QUEUED
    call.queued_at = call.queued_at or timezone.now()
    call.save(update_fields=["queue", "state", "queued_at"])
    return call


@transaction.atomic(savepoint=False)
def call_connected(*, call: Call) -> Call:
    """The caller is now talking to an agent."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.answered_at is None:
        call.answered_at = timezone.now()
    if not call.state_is_behind(Call.State.CONNECTED):
        call.state = Call.State.CONNECTED
    call.save(update_fields=["answered_at", "state"])
    return call


@transaction.atomic(savepoint=False)
def call_queue_left(*, call: Call, result: str) -> Call:
    """The caller left the queue (bridged, hung up, redirected...): keep why."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    call.queue_result = result[:32]
    call.save(update_fields=["queue_result"])
    return call


@transaction.atomic(savepoint=False)
def call_status_update(*, call: Call | None, params: Mapping[str, str]) -> bool:
    """Apply a status callback to the (locked) call once, in order; False when it changed
    nothing: a duplicate, a late arrival, an unknown call or status."""
    status = params.get("CallStatus", "")
    sequence = params.get("SequenceNumber", "")
    sequence_number = int(sequence) if sequence.isdigit() else None
    if call is None or status not in _STATUS_RANK:
        return False
    last = call.last_sequence_number
    if sequence_number is not None and last is not None and sequence_number <= last:
        return False
    if call.twilio_status in _STATUS_RANK:
        current = _STATUS_RANK[call.twilio_status]
        if _STATUS_RANK[status] < current or (current == 3 and call.ended_at is not None):
            return False
    call.twilio_status = status
    if sequence_number is not None:
        call.last_sequence_number = sequence_number
    fields = ["twilio_status", "last_sequence_number"]
    if status == "in-progress" and call.answered_at is None and call.direction != "inbound":
        call.answered_at = _parse_timestamp(params.get("Timestamp", "")) or timezone.now()
        fields.append("answered_at")
    if status in TERMINAL_STATUSES:
        call.state = Call.State.ENDED
        call.ended_at = _parse_timestamp(params.get("Timestamp", "")) or timezone.now()
        duration = params.get("CallDuration", "")
        call.duration_seconds = int(duration) if duration.isdigit() else None
        fields += ["state", "ended_at", "duration_seconds"]
    call.save(update_fields=fields)
    if status in TERMINAL_STATUSES:
        if call.customer_id:
            _call_to_timeline(call)
        signals.call_ended.send(Call, call=call)
    return True


def _duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "unknown length"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m {rest:02d}s" if minutes else f"{rest}s"


def _call_to_timeline(call: Call) -> None:
    """One timeline entry per call, written when it ends, with what happened in it."""
    if Interaction.objects.filter(
        source_type__app_label="telephony", source_type__model="call", source_id=call.pk
    ).exists():
        return
    # Ended calls are written only for an identified customer (the caller checks the id).
    customer = call.customer
    if customer is None:
        return
    inbound = call.direction == Call.Direction.INBOUND
    line = call.inbound_number.name if call.inbound_number else format_phone(call.to_number)
    summary = (
        f"Inbound call to {line}" if inbound else f"Outbound call to {format_phone(call.to_number)}"
    )
    details = [f"{_duration_text(call.duration_seconds)}, {call.twilio_status}"]
    if call.ivr_choices:
        details.append("chose " + " → ".join(call.ivr_choices))
    if call.queue is not None:
        details.append(f"queue {call.queue.name}")
    crm_services.interaction_record(
        customer=customer,
        kind=Interaction.Kind.CALL,
        direction=Interaction.Direction.INBOUND if inbound else Interaction.Direction.OUTBOUND,
        summary=f"{summary} ({details[0]})",
        body="; ".join(details[1:]),
        source=call,
        occurred_at=call.created_at,
    )


def _lead_for(number: str, *, label: str) -> Customer:
    """A lead customer for an unknown caller or sender."""
    phone = try_normalize_phone(number)
    name = f"{label} {format_phone(phone)}" if phone else f"Unknown {label.lower()}"
    return crm_services.customer_create(
        name=name,
        is_lead=True,
        phone_numbers=[{"number": phone}] if phone else [],
    )


@transaction.atomic
def voicemail_save(
    *,
    call: Call,
    node: IvrNode | None,
    recording_sid: str,
    recording_url: str,
    duration_seconds: int,
) -> Case:
    """Turn a recorded message into a case on the caller's customer (a lead if unknown)."""
    recording, _ = Recording.objects.select_for_update().get_or_create(
        sid=recording_sid,
        defaults={
            "call": call,
            "url": recording_url,
            "duration_seconds": duration_seconds,
            "source": "RecordVerb",
        },
    )
    if recording.case is not None:
        return recording.case  # Twilio retried the action
    customer = call.customer
    if customer is None:
        customer = _lead_for(call.from_number, label="Caller")
        call = call_identify(call=call, customer=customer, by="")
    line = call.inbound_number.name if call.inbound_number else call.to_number
    recording.case = crm_services.case_create(
        customer=customer,
        actor=None,
        subject=f"Voicemail from {customer.name}",
        description=(
            f"Voicemail of {_duration_text(duration_seconds)} left on {line}.\n"
            f"Recording {recording.sid}, to be heard on the call's page."
        ),
        category=node.case_category if node else Case.Category.OTHER,
        priority=Case.Priority.NORMAL,
    )
    recording.save(update_fields=["case"])
    return recording.case


@transaction.atomic
def sms_receive(*, params: Mapping[str, str]) -> tuple[SmsMessage, str]:
    """Keep an inbound SMS on the sender's timeline; returns it and the reply to send, if any."""
    sid = params["MessageSid"]  # the webhook refuses messages without one
    existing = SmsMessage.objects.filter(sid=sid).first()
    if existing is not None:
        return existing, ""
    from_number, to_number = params.get("From", ""), params.get("To", "")
    body = params.get("Body", "")[:1600]
    normalized_to = try_normalize_phone(to_number)
    line = InboundNumber.objects.filter(number=normalized_to).first() if normalized_to else None
    matches = customers_by_phone(phone=from_number)
    customer = matches[0] if matches else None
    reply = ""
    if customer is None and line is not None:
        reply = line.unknown_sender_reply
        if line.unknown_sender == InboundNumber.UnknownSender.CREATE_LEAD:
            customer = _lead_for(from_number, label="Texter")
    message = SmsMessage.objects.create(
        sid=sid,
        direction=SmsMessage.Direction.INBOUND,
        from_number=from_number[:64],
        to_number=to_number[:64],
        body=body,
        customer=customer,
        inbound_number=line,
    )
    if customer is not None:
        crm_services.interaction_record(
            customer=customer,
            kind=Interaction.Kind.SMS,
            direction=Interaction.Direction.INBOUND,
            summary=(body.splitlines() or ["(empty message)"])[0][:120],
            body=body,
            source=message,
        )
    # A reply an app above expects (a survey's) is answered by that app.
    answer = hooks.sms_answer(message)
    return message, reply if answer is None else answer
