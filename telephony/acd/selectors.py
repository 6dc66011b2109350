"""ACD reads: the call in an agent's hands, a caller's place and expected wait, transfers
under way."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Avg, F, Q

from ..models import AgentProfile, QueueEntry

# The handle time assumed for a queue that has no finished calls yet.
DEFAULT_HANDLE_SECONDS = 180


def _entry_in_hand(agent: AgentProfile, status: str, *, leg: str, missing: str) -> QueueEntry:
    """The agent's entry in `status` whose `leg` is known, or `missing` as the error."""
    entry = QueueEntry.objects.filter(agent=agent, status=status).first()
    if entry is None or not getattr(entry, leg):
        raise ValidationError({"__all__": [missing]})
    return entry


def offered_entry(agent: AgentProfile) -> QueueEntry:
    """The call ringing for the agent, or a ValidationError saying there is none."""
    return _entry_in_hand(
        agent,
        QueueEntry.Status.OFFERED,
        leg="agent_call_sid",
        missing="No call is ringing for you.",
    )


def connected_entry(agent: AgentProfile) -> QueueEntry:
    """The call the agent is on, or a ValidationError saying there is none."""
    return _entry_in_hand(
        agent, QueueEntry.Status.CONNECTED, leg="caller_call_sid", missing="You are not on a call."
    )


def transfer_under_way(entry: QueueEntry) -> QueueEntry | None:
    """The colleague's entry of a transfer under way from `entry` (its agent is the
    colleague), if any."""
    return (
        entry.transfers.filter(status__in=[QueueEntry.Status.OFFERED, QueueEntry.Status.CONNECTED])
        .select_related("agent__user")
        .first()
    )


def position_and_wait(entry: QueueEntry) -> tuple[int, int]:
    """The caller's place in our order and an estimate of the wait, in seconds.

    Estimate: callers ahead (and this one) times the recent average handle time, shared
    among the queue's staffed agents.
    """
    ahead = QueueEntry.objects.filter(
        Q(priority__gt=entry.priority)
        | Q(priority=entry.priority, waiting_since__lt=entry.waiting_since),
        queue=entry.queue,
        status=QueueEntry.Status.WAITING,
    ).count()
    recent = (
        QueueEntry.objects.filter(
            queue=entry.queue, ended_at__isnull=False, connected_at__isnull=False
        )
        .order_by("-ended_at")[:50]
        .aggregate(handle=Avg(F("ended_at") - F("connected_at")))["handle"]
    )
    handle = recent.total_seconds() if recent else DEFAULT_HANDLE_SECONDS
    handle += entry.queue.wrap_up_seconds
    staffed = AgentProfile.objects.exclude(
        state__in=[AgentProfile.State.OFFLINE, AgentProfile.State.NOT_READY]
    ).count()
    return ahead + 1, int((ahead + 1) * handle / max(1, staffed))
