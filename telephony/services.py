"""Telephony business operations: calls, their IVR journey, status, voicemail and SMS.

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

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm import services as crm_services
from crm.models import Case, Customer, DncSource, Interaction
from crm.phones import format_phone, try_normalize_phone
from crm.selectors import customers_by_phone

from . import acd, gateway, offers, signals
from .models import (
    AgentProfile,
    Call,
    CallEvent,
    Disposition,
    InboundNumber,
    IvrNode,
    Queue,
    QueueEntry,
    Recording,
    SmsMessage,
)
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
    return CallEvent.objects.create(
        call=call,
        call_sid=params.get("CallSid", "")[:34],
        kind=kind,
        params=redact(params),
        sequence_number=int(sequence) if sequence.isdigit() else None,
        ignored=ignored,
    )


def _parse_timestamp(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None


# The call_* services run inside a webhook's transaction, and no caller catches their errors
# to carry on in it: a savepoint around each would only cost two round trips.
@transaction.atomic(savepoint=False)
def call_start(*, params: Mapping[str, str]) -> Call:
    """The Call for a webhook's CallSid, created on first sight with the caller identified.

    Twilio may send the incoming webhook again (retries, fallback); the first one wins. The
    row stays locked until the webhook's transaction ends, which lets call_enter_node update
    this instance without reading it again.
    """
    sid = params["CallSid"]
    call = Call.objects.select_for_update().filter(sid=sid).first()
    if call is not None:
        return call
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
    call = Call.objects.create(
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
    return call


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
    call.save(update_fields=["ivr_path", "ivr_started_at", "state"])
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


def account_lookup(*, digits: str) -> Customer | None:
    """The customer whose account number is these keyed digits (AC-digits or digits)."""
    if not digits.isdigit():
        return None
    return Customer.objects.filter(account_number__in=[f"AC-{digits}", digits]).first()


@transaction.atomic(savepoint=False)
def call_identify(*, call: Call, customer: Customer, by: str) -> Call:
    """Tie the call to the customer the caller proved to be."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    call.customer, call.identified_by = customer, by
    call.save(update_fields=["customer", "identified_by"])
    return call


@transaction.atomic
def caller_quick_create(*, agent: AgentProfile, name: str, phone: str, email: str = "") -> Customer:
    """The agent creates the unknown caller in hand as a customer, tied to the call."""
    entry = (
        QueueEntry.objects.select_for_update(of=("self",))
        .filter(agent=agent)
        .select_related("call")
        .first()
    )
    if entry is None or entry.call is None:
        raise ValidationError({"__all__": ["You have no caller to create."]})
    if entry.customer_id or entry.call.customer_id:
        raise ValidationError({"__all__": ["This caller is already a known customer."]})
    customer = crm_services.customer_create(
        name=name, email=email, phone_numbers=[{"number": phone}]
    )
    call_identify(call=entry.call, customer=customer, by="agent")
    entry.customer = customer
    entry.save(update_fields=["customer"])
    return customer


@transaction.atomic(savepoint=False)
def call_enqueue(*, call: Call, queue: Queue) -> Call:
    """The caller now waits in `queue`."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    call.queue = queue
    if not call.state_is_behind(Call.State.QUEUED):
        call.state = Call.State.QUEUED
    call.queued_at = call.queued_at or timezone.now()
    call.save(update_fields=["queue", "state", "queued_at"])
    offers.enqueue_entry(call=call, queue=queue)
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
def call_status_update(*, params: Mapping[str, str]) -> Call | None:
    """Apply a status callback once, in order: duplicates and late arrivals change nothing."""
    sid = params.get("CallSid", "")
    call = Call.objects.select_for_update().filter(sid=sid).first()
    status = params.get("CallStatus", "")
    sequence = params.get("SequenceNumber", "")
    sequence_number = int(sequence) if sequence.isdigit() else None
    stale = call is None or status not in _STATUS_RANK
    if not stale and sequence_number is not None and call.last_sequence_number is not None:
        stale = sequence_number <= call.last_sequence_number
    if not stale and call.twilio_status in _STATUS_RANK:
        current = _STATUS_RANK[call.twilio_status]
        stale = _STATUS_RANK[status] < current or (current == 3 and call.ended_at is not None)
    event_log(kind="status", params=params, call=call, ignored=stale)
    if stale:
        return call
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
    if status in TERMINAL_STATUSES and call.customer_id:
        _call_to_timeline(call)
    return call


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
    inbound = call.direction == Call.Direction.INBOUND
    line = call.inbound_number.name if call.inbound_number else format_phone(call.to_number)
    summary = (
        f"Inbound call to {line}" if inbound else f"Outbound call to {format_phone(call.to_number)}"
    )
    details = [f"{_duration_text(call.duration_seconds)}, {call.twilio_status}"]
    if call.ivr_choices:
        details.append("chose " + " → ".join(call.ivr_choices))
    if call.queue_id:
        details.append(f"queue {call.queue.name}")
    crm_services.interaction_record(
        customer=call.customer,
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
    if recording.case_id is not None:
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
            f"Recording {recording.sid}: {recording.media_url}"
        ),
        category=node.case_category if node else Case.Category.OTHER,
        priority=Case.Priority.NORMAL,
    )
    recording.save(update_fields=["case"])
    return recording.case


@transaction.atomic
def recording_status_update(*, params: Mapping[str, str]) -> Recording | None:
    """Complete a recording's record when Twilio says the file is ready."""
    sid = params.get("RecordingSid", "")
    recording = Recording.objects.select_for_update().filter(sid=sid).first()
    call = Call.objects.filter(sid=params.get("CallSid", "")).first()
    event_log(kind="recording-status", params=params, call=call)
    duration = params.get("RecordingDuration", "")
    if recording is None:
        if call is None or not sid:
            return None
        recording = Recording(sid=sid, call=call, url=params.get("RecordingUrl", ""))
    recording.status = params.get("RecordingStatus", recording.status)[:16]
    recording.source = params.get("RecordingSource", recording.source)[:30]
    if duration.isdigit():
        recording.duration_seconds = int(duration)
    recording.save()
    return recording


@transaction.atomic
def sms_receive(*, params: Mapping[str, str]) -> tuple[SmsMessage, str]:
    """Keep an inbound SMS on the sender's timeline; returns it and the reply to send, if any."""
    sid = params.get("MessageSid", "") or params.get("SmsSid", "")
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
    return message, reply


@transaction.atomic
def wrap_up_submit(
    *,
    agent: AgentProfile,
    entry: QueueEntry,
    disposition: Disposition,
    notes: str = "",
    case_subject: str = "",
    case: Case | None = None,
    case_status: str = "",
    case_resolution: str = "",
    callback_at: datetime | None = None,
    sms_text: str = "",
    next_state: str = "available",
    reason: str = "",
) -> None:
    """Close the agent's after-call work: disposition, notes, case, callback, SMS, next state.

    Everything is validated before anything is written; the SMS goes out after commit.
    """
    agent = AgentProfile.objects.select_for_update().get(pk=agent.pk)
    if agent.state != AgentProfile.State.WRAP_UP or entry.served_by_id != agent.pk:
        raise ValidationError({"__all__": ["There is no call to wrap up."]})
    allowed = entry.queue.dispositions.all()
    if allowed.exists() and not allowed.filter(pk=disposition.pk).exists():
        raise ValidationError({"disposition": ["Choose one of this queue's dispositions."]})
    customer = entry.customer or (entry.call.customer if entry.call_id else None)
    wants_customer = notes or case_subject or case or callback_at or sms_text
    if wants_customer and customer is None:
        raise ValidationError({"__all__": ["Create or find the customer first."]})
    if callback_at is not None and callback_at <= timezone.now():
        raise ValidationError({"callback_at": ["Choose a time in the future."]})
    number = entry.call.from_number if entry.call_id else ""
    sms_to = try_normalize_phone(number) or (
        customer.phone_numbers.filter(is_primary=True).values_list("number", flat=True).first()
        if customer
        else None
    )
    if sms_text and not sms_to:
        raise ValidationError({"sms_text": ["The customer has no number to text."]})
    dnc_number = _other_party(entry) if disposition.adds_to_dnc else None
    if disposition.adds_to_dnc and not dnc_number:
        raise ValidationError({"disposition": ["There is no number to put on Do-Not-Call."]})

    if entry.call_id:
        Call.objects.filter(pk=entry.call_id).update(disposition=disposition.code)
    if dnc_number:
        crm_services.dnc_add(
            phone=dnc_number,
            source=DncSource.DISPOSITION,
            reason=f"Disposition “{disposition.label}”",
            by=agent.user,
        )
    if notes:
        crm_services.note_add(customer=customer, author=agent.user, body=notes)
    if case_subject:
        crm_services.case_create(
            customer=customer, actor=agent.user, owner=agent.user, subject=case_subject
        )
    if case is not None and case_status and case_status != case.status:
        crm_services.case_transition(
            case=case, actor=agent.user, status=case_status, resolution=case_resolution
        )
    replies = signals.wrap_up_submitted.send(
        QueueEntry, agent=agent, entry=entry, disposition=disposition, callback_at=callback_at
    )
    if callback_at is not None and not any(reply for _receiver, reply in replies):
        QueueEntry.objects.create(
            queue=entry.queue,
            call=entry.call,
            customer=customer,
            kind=QueueEntry.Kind.CALLBACK,
            callback_number=sms_to or "",
            priority=entry.priority,
            waiting_since=callback_at,
            not_before=callback_at,
        )
    if sms_text:
        from_number = entry.call.to_number if entry.call_id else ""
        transaction.on_commit(
            lambda: _sms_confirmation(customer, agent.user, sms_to, from_number, sms_text)
        )
    acd.agent_set_state(agent=agent, state=next_state, reason=reason)
    if next_state == AgentProfile.State.AVAILABLE:
        offers.schedule_routing()


def _other_party(entry: QueueEntry) -> str | None:
    """The customer's number on this entry's call: who called in, or whom we called."""
    if entry.callback_number:
        return entry.callback_number
    if entry.call_id is None:
        return None
    call = entry.call
    number = call.from_number if call.direction == Call.Direction.INBOUND else call.to_number
    return try_normalize_phone(number)


def _sms_confirmation(
    customer: Customer, author: AbstractBaseUser, to: str, from_: str, body: str
) -> None:
    """Send the agent's SMS and keep it on the customer's timeline."""
    try:
        sid = gateway.sms_send(to=to, from_=from_, body=body)
    except Exception:
        logger.exception("Could not send the wrap-up SMS to customer %s", customer.pk)
        return
    with transaction.atomic():
        message = SmsMessage.objects.create(
            sid=sid,
            direction=SmsMessage.Direction.OUTBOUND,
            from_number=from_,
            to_number=to,
            body=body,
            customer=customer,
        )
        crm_services.interaction_record(
            customer=customer,
            kind=Interaction.Kind.SMS,
            direction=Interaction.Direction.OUTBOUND,
            summary=body[:120],
            body=body,
            actor=author,
            source=message,
        )
