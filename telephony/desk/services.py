"""What agents do from the desk besides presence and in-call controls: answer or reject
an offer, create the unknown caller in hand as a customer; and the notes supervisors send
to an agent's desk."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from callcenter import live
from crm import services as crm_services
from crm.models import Customer

from .. import gateway
from ..acd.presence import desk_group
from ..acd.selectors import offered_entry
from ..calls.services import call_identify
from ..models import AgentProfile, DeskMessage, QueueEntry
from . import softphone


def offer_accept(*, agent: AgentProfile) -> QueueEntry:
    """Accept on the desk (simulator mode): the softphone picks up; the answer webhook
    then bridges the caller, as when a real softphone answers."""
    entry = offered_entry(agent)
    try:
        softphone.simulated_answer(entry.agent_call_sid)
    except ConnectionError as error:
        raise ValidationError({"__all__": [f"The softphone could not answer: {error}"]}) from None
    return entry


def offer_reject(*, agent: AgentProfile) -> QueueEntry:
    """Reject: stop the ringing. Its status callback makes it a missed offer (not ready,
    the caller keeps their place), exactly as when the ringing runs out."""
    entry = offered_entry(agent)
    gateway.call_hang_up(sid=entry.agent_call_sid)
    return entry


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


@transaction.atomic
def desk_message_send(*, agent: AgentProfile, sender: User, body: str) -> DeskMessage:
    """A supervisor's note to the agent, shown on their desk at once."""
    body = body.strip()
    if not body:
        raise ValidationError({"body": ["Write the message."]})
    message = DeskMessage.objects.create(agent=agent, sender=sender, body=body)
    live.notify(desk_group(agent.pk), "desk-changed")
    return message
