"""How one queue entry counts: the rules the interval facts are summed by, and that the
drill-down to the calls behind a figure lists by, so the two never disagree."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Q

from telephony.models import AgentProfile, AgentStateChange, HoldPeriod, QueueEntry

State = AgentProfile.State
Status = QueueEntry.Status

ENTRY_FIELDS = (
    "id",
    "queue_id",
    "call_id",
    "kind",
    "status",
    "waiting_since",
    "connected_at",
    "ended_at",
    "served_by_id",
    "transferred_from_id",
)


@dataclass
class Handling:
    """The records beside the entries that the handle time needs."""

    holds: dict[int, float] = field(default_factory=dict)
    wrap_ups: dict[tuple[int, datetime], float] = field(default_factory=dict)
    transferred: set[int] = field(default_factory=set)


def seconds_between(later: datetime | None, earlier: datetime) -> float:
    """Seconds from `earlier` to `later` (never negative; 0 while `later` is unknown)."""
    return max(0.0, (later - earlier).total_seconds()) if later is not None else 0.0


def entry_handling(entries: list[dict]) -> Handling:
    """Hold, wrap-up and transfers of these entries, in three queries."""
    found = Handling()
    ids = [entry["id"] for entry in entries]
    if not ids:
        return found
    for entry_id, began, ended in HoldPeriod.objects.filter(
        entry_id__in=ids, ended_at__isnull=False
    ).values_list("entry_id", "started_at", "ended_at"):
        found.holds[entry_id] = found.holds.get(entry_id, 0.0) + seconds_between(ended, began)
    # Wrap-up starts as the conversation ends (`conversation_ended`), at the same instant.
    done = [e for e in entries if e["served_by_id"] and e["ended_at"] and e["connected_at"]]
    if done:
        for agent_id, began, ended in AgentStateChange.objects.filter(
            state=State.WRAP_UP,
            ended_at__isnull=False,
            agent_id__in={e["served_by_id"] for e in done},
            started_at__in={e["ended_at"] for e in done},
        ).values_list("agent_id", "started_at", "ended_at"):
            found.wrap_ups[(agent_id, began)] = seconds_between(ended, began)
    # A transfer counts once, on the entry it left: a colleague who took it (an entry of
    # its own), or the same call queued again after this conversation (a queue transfer).
    connected = {e["id"]: e["call_id"] for e in entries if e["connected_at"] and e["call_id"]}
    later: dict[int, list[int]] = defaultdict(list)
    for transferred_from, call_id, entry_id in QueueEntry.objects.filter(
        Q(transferred_from_id__in=ids, connected_at__isnull=False)
        | Q(
            call_id__in=set(connected.values()),
            kind=QueueEntry.Kind.CALL,
            transferred_from__isnull=True,
        )
    ).values_list("transferred_from_id", "call_id", "id"):
        if transferred_from is not None:
            found.transferred.add(transferred_from)
        else:
            later[call_id].append(entry_id)
    found.transferred.update(
        entry_id
        for entry_id, call_id in connected.items()
        if any(other > entry_id for other in later[call_id])
    )
    return found


def handle_times(entry: dict, handling: Handling) -> tuple[float, float, float] | None:
    """Talk, hold and wrap-up of a conversation that is over; None while it goes on."""
    if entry["status"] != Status.DONE or not entry["connected_at"] or not entry["ended_at"]:
        return None
    hold = handling.holds.get(entry["id"], 0.0)
    talk = seconds_between(entry["ended_at"], entry["connected_at"]) - hold
    wrap = handling.wrap_ups.get((entry["served_by_id"], entry["ended_at"]), 0.0)
    return max(0.0, talk), hold, wrap


def entry_counts(entry: dict, handling: Handling) -> tuple[set[str], float | None]:
    """The queue figures an entry (not a transfer's own) counts in, and its wait: until
    answered, or until it left (None while it waits). The one place these rules live:
    the facts and the drill-down to the calls behind a figure both use it."""
    counts = {"offered"}
    since, answered, ended = entry["waiting_since"], entry["connected_at"], entry["ended_at"]
    wait = None
    if answered is not None:
        wait = seconds_between(answered, since)
        counts.add("answered")
    elif entry["status"] in (Status.ABANDONED, Status.OVERFLOWED) and ended is not None:
        wait = seconds_between(ended, since)
        if entry["status"] == Status.OVERFLOWED:
            counts.add("voicemails")
        elif wait <= settings.SHORT_ABANDON_SECONDS:
            counts.add("short_abandoned")
        else:
            counts.add("abandoned")
    if entry["kind"] == QueueEntry.Kind.CALLBACK:
        counts.add("callbacks_requested")
        if answered is not None:
            counts.add("callbacks_completed")
    if entry["id"] in handling.transferred:
        counts.add("transfers")
    if handle_times(entry, handling) is not None:
        counts.add("handled")
    return counts, wait
