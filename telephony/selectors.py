"""Telephony reads."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from crm.selectors import customer_open_cases, customer_timeline

from .models import AgentProfile, BusinessHours, QueueEntry


def business_hours_open(*, hours: BusinessHours, at: datetime) -> bool:
    """Whether `hours` are open at the aware time `at`, in the hours' own time zone."""
    local = at.astimezone(zoneinfo.ZoneInfo(hours.time_zone))
    if hours.holidays.filter(date=local.date()).exists():
        return False
    return hours.periods.filter(
        weekday=local.weekday(), opens__lte=local.time(), closes__gt=local.time()
    ).exists()


def agent_desk(*, agent: AgentProfile) -> dict:
    """What an agent's desktop shows: their state, and the caller offered or connected."""
    entries = QueueEntry.objects.select_related("queue", "call", "customer", "call__customer")
    entry = entries.filter(agent=agent).first()
    if entry is None and agent.state == AgentProfile.State.WRAP_UP:
        entry = entries.filter(served_by=agent).order_by("-ended_at").first()
    call = entry.call if entry else None
    customer = (entry.customer or (call.customer if call else None)) if entry else None
    return {
        "agent": agent,
        "entry": entry,
        "call": call,
        "customer": customer,
        "open_cases": list(customer_open_cases(customer=customer)) if customer else [],
        "timeline": customer_timeline(customer=customer, limit=10) if customer else [],
        "consultation": _consultation(entry),
        "transferred_by": (
            entry.transferred_from.served_by if entry and entry.transferred_from_id else None
        ),
    }


def _consultation(entry: QueueEntry | None) -> QueueEntry | None:
    """A transfer to a colleague under way from this entry (the colleague is its agent)."""
    if entry is None or entry.status != QueueEntry.Status.CONNECTED:
        return None
    return (
        entry.transfers.filter(status__in=[QueueEntry.Status.OFFERED, QueueEntry.Status.CONNECTED])
        .select_related("agent__user")
        .first()
    )
