"""ACD reads: the call in an agent's hands, a caller's place and expected wait, transfers
under way."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from ..models import AgentProfile, Call, Queue, QueueEntry

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


class QueueToday(TypedDict):
    answered: int
    abandoned: int
    short_abandoned: int
    average_wait_seconds: int | None


def queue_today(*, queue: Queue, now: datetime | None = None) -> QueueToday:
    """Today's figures of a queue (since midnight in the call center's TIME_ZONE), as the
    KPI definitions say: answered, abandoned after the short-abandon threshold (shorter
    ones counted apart), and the average wait of answered callers (ASA)."""
    now = now or timezone.now()
    midnight = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    short = timedelta(seconds=settings.SHORT_ABANDON_SECONDS)
    waited = F("connected_at") - F("waiting_since")
    abandoned = Q(kind=QueueEntry.Kind.CALL, status=QueueEntry.Status.ABANDONED)
    stayed = Q(ended_at__gt=F("waiting_since") + short)
    figures = QueueEntry.objects.filter(
        queue=queue, waiting_since__gte=midnight, transferred_from__isnull=True
    ).aggregate(
        answered=Count("id", filter=Q(connected_at__isnull=False)),
        abandoned=Count("id", filter=abandoned & stayed),
        short_abandoned=Count("id", filter=abandoned & ~stayed),
        wait=Avg(waited, filter=Q(connected_at__isnull=False)),
    )
    wait = figures.pop("wait")
    return QueueToday(
        answered=figures["answered"],
        abandoned=figures["abandoned"],
        short_abandoned=figures["short_abandoned"],
        average_wait_seconds=round(wait.total_seconds()) if wait is not None else None,
    )


# What became of a call's (latest) place in a queue.
QUEUE_OUTCOMES = ["answered", "abandoned", "callback", "voicemail", "waiting"]


def calls_with_queue_outcome(calls: QuerySet[Call]) -> QuerySet[Call]:
    """`calls` with `queue_outcome`: what became of each call's latest place in a queue
    (None for a call that never queued). A callback request is not an abandon."""
    latest = QueueEntry.objects.filter(call=OuterRef("pk"), transferred_from__isnull=True)
    latest = latest.order_by("-id")
    status = "queue_entry_status"
    return calls.annotate(
        queue_entry_kind=Subquery(latest.values("kind")[:1]),
        queue_entry_status=Subquery(latest.values("status")[:1]),
    ).annotate(
        queue_outcome=Case(
            When(queue_entry_kind=QueueEntry.Kind.CALLBACK, then=Value("callback")),
            When(**{status: QueueEntry.Status.ABANDONED}, then=Value("abandoned")),
            When(**{status: QueueEntry.Status.OVERFLOWED}, then=Value("voicemail")),
            When(
                **{f"{status}__in": [QueueEntry.Status.CONNECTED, QueueEntry.Status.DONE]},
                then=Value("answered"),
            ),
            When(
                **{f"{status}__in": [QueueEntry.Status.WAITING, QueueEntry.Status.OFFERED]},
                then=Value("waiting"),
            ),
            default=None,
            output_field=CharField(),
        )
    )


def queues_supervised_by(user_id: int | None) -> QuerySet[Queue]:
    """The queues of the teams the user supervises (`Team.queues`); none for no user."""
    if user_id is None:
        return Queue.objects.none()
    return Queue.objects.filter(teams__supervisors=user_id).distinct()


def agents_supervised_by(user_id: int | None) -> QuerySet[AgentProfile]:
    """The agents of the teams the user supervises; none for no user."""
    if user_id is None:
        return AgentProfile.objects.none()
    return AgentProfile.objects.filter(teams__supervisors=user_id).distinct()
