"""Telephony reads."""

from __future__ import annotations

import logging
import pickle
import time
import uuid
import zoneinfo
from datetime import datetime

from django.core.cache import cache
from django.db import transaction

from crm.selectors import customer_open_cases, customer_timeline

from .models import AgentProfile, BusinessHours, Call, InboundNumber, QueueEntry

logger = logging.getLogger(__name__)

# Every incoming call reads its line with the line's flow, entry node and hours, and they
# rarely change, so each process keeps them: number -> (version, expiry, pickled line).
# A change to any of those models clears this process's copies at once and, after commit,
# replaces the version stamp in the shared cache, so other processes reload on their next
# call. The version is read before the database, so a load racing a change is stored under
# the old version and dropped. The expiry bounds what escapes the signals (QuerySet.update,
# raw SQL, another tool), a stamp that could not be written, and the embedded mode, whose
# local-memory cache no other process sees.
_LINES: dict[str, tuple[str | None, float, bytes]] = {}
LINE_CACHE_SECONDS = 30.0
LINES_VERSION_KEY = "telephony:inbound-lines-version"


def inbound_line(*, number: str) -> InboundNumber | None:
    """The line at the E.164 `number`, with its flow, entry node and hours loaded.

    Each call gets its own copy, so whatever a request loads onto it stays in that request.
    """
    try:
        version = cache.get(LINES_VERSION_KEY)
    except Exception:
        # The shared cache is down: answer from the database rather than fail the call.
        logger.warning("Cache unavailable; reading inbound line %s uncached.", number)
        return _load_line(number)
    cached = _LINES.get(number)
    if cached is not None and cached[0] == version and cached[1] > time.monotonic():
        return pickle.loads(cached[2])
    line = _load_line(number)
    if line is not None:
        _LINES[number] = (version, time.monotonic() + LINE_CACHE_SECONDS, pickle.dumps(line))
    return line


def _load_line(number: str) -> InboundNumber | None:
    return (
        InboundNumber.objects.select_related("flow__entry_node", "business_hours")
        .filter(number=number)
        .first()
    )


def forget_inbound_lines() -> None:
    """Drop this process's cached lines: its next calls read them again."""
    _LINES.clear()


def inbound_lines_changed(**_signal: object) -> None:
    """A line, flow, node or hours changed: forget cached lines here, and everywhere on commit."""
    forget_inbound_lines()
    transaction.on_commit(_new_lines_version)


def _new_lines_version() -> None:
    try:
        cache.set(LINES_VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        logger.warning("Could not stamp a new inbound line version; others expire theirs.")


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
            entry.transferred_from.served_by if entry and entry.transferred_from_id else None
        ),
        "softphone_ringing": entry is not None and _softphone_ringing(entry),
    }


def _softphone_ringing(entry: QueueEntry) -> bool:
    """Whether the leg offering `entry` rings at the agent's softphone: it can be answered
    only from then on, and is placed only after the offer is made."""
    return (
        entry.status == QueueEntry.Status.OFFERED
        and bool(entry.agent_call_sid)
        and Call.objects.filter(sid=entry.agent_call_sid, twilio_status="ringing").exists()
    )


def transfer_under_way(entry: QueueEntry) -> QueueEntry | None:
    """The colleague's entry of a transfer under way from `entry` (its agent is the
    colleague), if any."""
    return (
        entry.transfers.filter(status__in=[QueueEntry.Status.OFFERED, QueueEntry.Status.CONNECTED])
        .select_related("agent__user")
        .first()
    )
