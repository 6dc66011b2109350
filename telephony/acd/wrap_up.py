"""Wrap-up: the agent's after-call work (disposition, notes, case, callback, SMS) and the
deadline after which the sweep makes them available again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm import services as crm_services
from crm.models import Case, Customer, DncSource, Interaction
from crm.phones import try_normalize_phone

from .. import gateway, signals
from ..models import AgentProfile, Call, Disposition, QueueEntry, SmsMessage
from .presence import State, agent_set_state, floor_changed, record_move
from .wakeups import schedule_routing

logger = logging.getLogger(__name__)


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
    customer = entry.customer or (entry.call.customer if entry.call is not None else None)
    wants_customer = notes or case_subject or case or callback_at or sms_text
    if wants_customer and customer is None:
        raise ValidationError({"__all__": ["Create or find the customer first."]})
    if callback_at is not None and callback_at <= timezone.now():
        raise ValidationError({"callback_at": ["Choose a time in the future."]})
    number = entry.call.from_number if entry.call is not None else ""
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
    # Notes and a new case need the customer, checked above.
    if notes and customer is not None:
        crm_services.note_add(customer=customer, author=agent.user, body=notes)
    if case_subject and customer is not None:
        crm_services.case_create(
            customer=customer,
            actor=agent.user,
            owner=agent.user,
            subject=case_subject,
            category=entry.queue.case_category,
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
        floor_changed()
    # A text needs the customer and a number, checked above.
    if sms_text and customer is not None and sms_to:
        from_number = entry.call.to_number if entry.call is not None else ""
        transaction.on_commit(
            lambda: _sms_confirmation(customer, agent.user, sms_to, from_number, sms_text)
        )
    agent_set_state(agent=agent, state=next_state, reason=reason)


def _other_party(entry: QueueEntry) -> str | None:
    """The customer's number on this entry's call: who called in, or whom we called."""
    if entry.callback_number:
        return entry.callback_number
    call = entry.call
    if call is None:
        return None
    number = call.from_number if call.direction == Call.Direction.INBOUND else call.to_number
    return try_normalize_phone(number)


def _sms_confirmation(customer: Customer, author: User, to: str, from_: str, body: str) -> None:
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


@transaction.atomic
def wrap_ups_expired() -> int:
    """Agents whose wrap-up time is over are available again; returns how many.

    A deadline on the agent, swept by a periodic task, rather than a delayed message per
    call: it survives worker restarts, and an agent who already moved on is not matched.
    """
    now = timezone.now()
    agents = AgentProfile.objects.select_for_update(skip_locked=True).filter(
        state=State.WRAP_UP, wrap_up_until__lte=now
    )
    moved = 0
    for agent in agents:
        record_move(agent, State.AVAILABLE, at=now)
        agent.save(update_fields=["state", "reason", "state_since", "idle_since"])
        moved += 1
    return moved


def wrap_ups_done() -> int:
    """Agents whose wrap-up time ran out are available: route callers to them."""
    moved = wrap_ups_expired()
    if moved:
        schedule_routing()
    return moved
