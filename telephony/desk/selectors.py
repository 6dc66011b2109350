"""What an agent's desk shows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from crm.selectors import customer_open_cases, customer_timeline

from ..acd.selectors import transfer_under_way
from ..calls import recording
from ..models import AgentProfile, Call, DeskMessage, QueueEntry
from ..monitoring.selectors import monitoring_shown_to_agent

# Supervisors' notes stay on the desk this long, the newest few of them.
MESSAGES_SHOWN_FOR = timedelta(hours=8)
MESSAGES_SHOWN = 3


def desk_agent(*, user: AbstractBaseUser | AnonymousUser) -> AgentProfile:
    """The signed-in user's agent profile; only agents have a desk."""
    agent = (
        AgentProfile.objects.filter(user_id=user.pk).select_related("user").first()
        if user.pk is not None  # an anonymous user has no profile
        else None
    )
    if agent is None:
        raise PermissionDenied("Only agents with an agent profile have a desktop.")
    return agent


def agent_desk(*, agent: AgentProfile) -> dict[str, Any]:
    """What an agent's desktop shows: their state, and the caller offered or connected."""
    # The agent and their entry come from one query, so one snapshot: read apart, an offer
    # made in between showed a ringing caller to an agent not yet holding it, without Accept.
    related = ("queue", "call", "customer", "call__customer")
    agent = AgentProfile.objects.select_related(
        "user", *(f"current_entry__{name}" for name in related)
    ).get(pk=agent.pk)
    entry = agent.current_entry
    if entry is None and agent.state == AgentProfile.State.WRAP_UP:
        entry = (
            QueueEntry.objects.select_related(*related)
            .filter(served_by=agent)
            .order_by("-ended_at")
            .first()
        )
    call = entry.call if entry else None
    customer = (entry.customer or (call.customer if call else None)) if entry else None
    return {
        "agent": agent,
        "entry": entry,
        "call": call,
        "customer": customer,
        "open_cases": list(customer_open_cases(customer=customer)) if customer else [],
        "timeline": customer_timeline(customer=customer, limit=10) if customer else [],
        "consultation": (
            transfer_under_way(entry)
            if entry and entry.status == QueueEntry.Status.CONNECTED
            else None
        ),
        "transferred_by": (
            entry.transferred_from.served_by
            if entry and entry.transferred_from is not None
            else None
        ),
        "softphone_ringing": entry is not None and _softphone_ringing(entry),
        "recording_paused": (
            entry is not None
            and entry.status == QueueEntry.Status.CONNECTED
            and recording.is_paused(entry)
        ),
        # Decided recorded as the agent answers, but recorded only once the caller has
        # heard the announcement: until then there is nothing to pause.
        "recording_live": (
            entry is not None
            and entry.status == QueueEntry.Status.CONNECTED
            and recording.is_live(entry)
        ),
        "monitoring": (
            monitoring_shown_to_agent(entry=entry)
            if entry and entry.status == QueueEntry.Status.CONNECTED
            else []
        ),
        "desk_messages": desk_messages(agent=agent),
    }


def desk_messages(*, agent: AgentProfile) -> list[DeskMessage]:
    """The supervisors' latest notes to the agent, newest first."""
    since = timezone.now() - MESSAGES_SHOWN_FOR
    return list(
        DeskMessage.objects.filter(agent=agent, sent_at__gte=since)
        .select_related("sender")
        .order_by("-sent_at", "-id")[:MESSAGES_SHOWN]
    )


def _softphone_ringing(entry: QueueEntry) -> bool:
    """Whether the leg offering `entry` rings at the agent's softphone: it can be answered
    only from then on, and is placed only after the offer is made."""
    return (
        entry.status == QueueEntry.Status.OFFERED
        and bool(entry.agent_call_sid)
        and Call.objects.filter(sid=entry.agent_call_sid, twilio_status="ringing").exists()
    )
