"""Interval facts, recomputed whole from the raw records.

Every write here replaces the facts of some intervals with what the records say now, so
a refresh repeated, late or out of order leaves the same rows, and a rebuild of any
range equals the incremental refreshes (tests/reports/test_services.py proves it).

Where a queue call counts: in the interval it joined the queue (`waiting_since`, its
place in line, which a missed offer keeps), in the queue that finally held it (an
overflow moves the entry). Where an agent's time counts: split over the intervals it
spans; their calls count in the interval they answered.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from telephony.models import AgentProfile, AgentStateChange, QueueEntry

from .counting import (
    ENTRY_FIELDS,
    Handling,
    entry_counts,
    entry_handling,
    handle_times,
    seconds_between,
)
from .models import (
    INTERVAL_MINUTES,
    AgentInterval,
    LineInterval,
    QueueCallSums,
    QueueInterval,
    ReportSchedule,
    StaleCall,
)

INTERVAL = timedelta(minutes=INTERVAL_MINUTES)
# The settle pass looks this far back: the interval under way and the ones just closed.
SETTLE_WINDOW = timedelta(minutes=30)

State = AgentProfile.State
Status = QueueEntry.Status


def interval_floor(moment: datetime) -> datetime:
    """The start (UTC) of the 15-minute interval holding `moment`."""
    moment = moment.astimezone(UTC)
    return moment.replace(
        minute=moment.minute - moment.minute % INTERVAL_MINUTES, second=0, microsecond=0
    )


def interval_starts(start: datetime, end: datetime) -> list[datetime]:
    """The interval starts from the one holding `start` up to (not including) `end`."""
    starts, moment = [], interval_floor(start)
    while moment < end:
        starts.append(moment)
        moment += INTERVAL
    return starts


def _add_handling(fact: QueueCallSums | AgentInterval, entry: dict, handling: Handling) -> None:
    """An entry's transfer and, once its conversation is over, its handle time."""
    fact.transfers += entry["id"] in handling.transferred
    times = handle_times(entry, handling)
    if times is not None:
        fact.handled += 1
        fact.talk_seconds += times[0]
        fact.hold_seconds += times[1]
        fact.wrap_up_seconds += times[2]


_COUNTED = (
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "voicemails",
    "callbacks_requested",
    "callbacks_completed",
)


def _queue_fact(fact: QueueCallSums, entry: dict, handling: Handling) -> None:
    """Add one entry (not a transfer's own) to its queue (or line) interval, answered in
    time by its own queue's threshold."""
    counts, wait = entry_counts(entry, handling)
    for name in _COUNTED:
        setattr(fact, name, getattr(fact, name) + (name in counts))
    if wait is not None:
        fact.waits += 1
        fact.wait_seconds += wait
        fact.longest_wait_seconds = max(fact.longest_wait_seconds, wait)
        if "answered" in counts:
            fact.answer_wait_seconds += wait
            fact.answered_in_threshold += wait <= entry["threshold"]
        elif "abandoned" in counts:
            fact.abandon_wait_seconds += wait
    _add_handling(fact, entry, handling)


# --- Queue intervals -----------------------------------------------------------------


def _entries_in(start: datetime, end: datetime) -> QuerySet[QueueEntry]:
    """The entries (not a transfer's own) that joined a queue in [start, end)."""
    return QueueEntry.objects.filter(
        waiting_since__gte=start, waiting_since__lt=end, transferred_from__isnull=True
    )


def _sums_by(
    entries: QuerySet[QueueEntry], owner: str, model: type[QueueCallSums]
) -> list[QueueCallSums]:
    """The entries summed per `owner` (a values() key) and interval, unsaved."""
    # The queue's threshold comes along with each entry: one query fewer per refresh.
    rows = list(
        entries.values(
            *ENTRY_FIELDS,
            threshold=F("queue__service_level_seconds"),
            line_id=F("call__inbound_number_id"),
        )
    )
    handling = entry_handling(rows)
    facts: dict[tuple[int, datetime], QueueCallSums] = {}
    for entry in rows:
        key = (entry[f"{owner}_id"], interval_floor(entry["waiting_since"]))
        fact = facts.get(key)
        if fact is None:
            fact = facts[key] = model(
                interval_start=key[1],
                threshold_seconds=entry["threshold"],
                **{f"{owner}_id": key[0]},
            )
        fact.threshold_seconds = min(fact.threshold_seconds, entry["threshold"])
        _queue_fact(fact, entry, handling)
    return list(facts.values())


def queue_facts(
    *, start: datetime, end: datetime, queue_ids: Iterable[int] | None = None
) -> list[QueueInterval]:
    """The queue intervals of [start, end) as the records say now (unsaved)."""
    entries = _entries_in(start, end)
    if queue_ids is not None:
        entries = entries.filter(queue_id__in=list(queue_ids))
    return _sums_by(entries, "queue", QueueInterval)  # type: ignore[return-value]


def line_facts(
    *, start: datetime, end: datetime, line_ids: Iterable[int] | None = None
) -> list[LineInterval]:
    """The line intervals of [start, end) as the records say now (unsaved): the same
    rules as the queues' (a call queued twice on one line counts in each, as there)."""
    entries = _entries_in(start, end).filter(call__inbound_number__isnull=False)
    if line_ids is not None:
        entries = entries.filter(call__inbound_number_id__in=list(line_ids))
    return _sums_by(entries, "line", LineInterval)  # type: ignore[return-value]


Fact = TypeVar("Fact", QueueInterval, LineInterval, AgentInterval)


def _replace(
    model: type[Fact],
    owner: str,
    facts: list[Fact],
    start: datetime,
    end: datetime,
    owner_ids: list[int] | None,
) -> int:
    """Write `facts` over [start, end) of these owners and drop the rows no longer true."""
    columns = [
        f.name for f in model._meta.concrete_fields if f.name not in ("id", owner, "interval_start")
    ]
    stale = model.objects.filter(interval_start__gte=start, interval_start__lt=end)
    if owner_ids is not None:
        stale = stale.filter(**{f"{owner}_id__in": owner_ids})
    stale.exclude(pk__in=_upsert(model, facts, owner, columns)).delete()
    return len(facts)


# No savepoint: inside a call's refresh, each is part of that one transaction.
@transaction.atomic(savepoint=False)
def queue_intervals_refresh(
    *, start: datetime, end: datetime, queue_ids: Iterable[int] | None = None
) -> int:
    """Replace the queue intervals of [start, end) (rounded out to whole intervals) with
    what the records say now; returns how many rows it wrote."""
    start, end = interval_floor(start), _interval_ceil(end)
    queue_ids = None if queue_ids is None else list(queue_ids)
    facts = queue_facts(start=start, end=end, queue_ids=queue_ids)
    written = _replace(QueueInterval, "queue", facts, start, end, queue_ids)
    # The lines these queues' calls came in on, whole (their other queues' calls too).
    line_ids = None
    if queue_ids is not None:
        line_ids = sorted(
            {
                line
                for line in _entries_in(start, end)
                .filter(queue_id__in=queue_ids, call__inbound_number__isnull=False)
                .values_list("call__inbound_number_id", flat=True)
            }
        )
    lines = line_facts(start=start, end=end, line_ids=line_ids)
    return written + _replace(LineInterval, "line", lines, start, end, line_ids)


def _interval_ceil(moment: datetime) -> datetime:
    floor = interval_floor(moment)
    return floor if floor == moment else floor + INTERVAL


def _upsert(
    model: type[Fact],
    facts: list[Fact],
    owner: str,
    columns: list[str],
) -> list[int]:
    """Write the facts over any rows of the same intervals; their ids."""
    if not facts:
        return []
    written = model.objects.bulk_create(
        facts,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=[owner, "interval_start"],
        update_fields=columns,
    )
    ids = [fact.pk for fact in written if fact.pk is not None]
    if len(ids) < len(facts):  # back ends that do not return ids of upserted rows
        ids = list(
            model.objects.filter(
                interval_start__gte=min(f.interval_start for f in facts),
                interval_start__lte=max(f.interval_start for f in facts),
                **{f"{owner}_id__in": {getattr(f, f"{owner}_id") for f in facts}},
            ).values_list("pk", flat=True)
        )
    return ids


# --- Agent intervals -----------------------------------------------------------------

_REASON_COLUMN = {reason: f"{reason}_seconds" for reason in AgentProfile.Reason.values}
_STATE_COLUMN = {
    State.AVAILABLE: "available_seconds",
    State.OFFERED: "ringing_seconds",
    State.ON_CALL: "on_call_seconds",
    State.WRAP_UP: "wrap_up_state_seconds",
    State.NOT_READY: "not_ready_seconds",
}


def _states_under_way(start: datetime, agents: QuerySet[AgentProfile]) -> list[int]:
    """Each agent's state as `start` came (the last to begin before it), however long it
    lasted: one index lookup per agent, never a scan of their history."""
    before = AgentStateChange.objects.filter(
        agent_id=OuterRef("pk"), started_at__lt=start
    ).order_by("-started_at", "-id")
    return [
        pk
        for pk in agents.annotate(under_way=Subquery(before.values("pk")[:1])).values_list(
            "under_way", flat=True
        )
        if pk is not None
    ]


def agent_facts(
    *, start: datetime, end: datetime, agent_ids: Iterable[int] | None = None
) -> list[AgentInterval]:
    """The agent intervals of [start, end) as the records say now (unsaved)."""
    agent_ids = None if agent_ids is None else list(agent_ids)
    now = timezone.now()
    entries = QueueEntry.objects.filter(connected_at__gte=start, connected_at__lt=end)
    agents = AgentProfile.objects.all()
    if agent_ids is not None:
        agents = agents.filter(pk__in=agent_ids)
        entries = entries.filter(served_by_id__in=agent_ids)
    else:
        entries = entries.filter(served_by__isnull=False)
    changes = AgentStateChange.objects.filter(
        Q(started_at__gte=start, started_at__lt=end) | Q(pk__in=_states_under_way(start, agents))
    )
    if agent_ids is not None:
        changes = changes.filter(agent_id__in=agent_ids)
    facts: dict[tuple[int, datetime], AgentInterval] = {}

    def fact_for(agent_id: int, at: datetime) -> AgentInterval:
        key = (agent_id, at)
        if key not in facts:
            facts[key] = AgentInterval(agent_id=agent_id, interval_start=at)
        return facts[key]

    for agent_id, state, reason, began, ended in changes.values_list(
        "agent_id", "state", "reason", "started_at", "ended_at"
    ):
        column = _STATE_COLUMN.get(State(state))
        if state == State.NOT_READY and reason == AgentProfile.Reason.MISSED and began >= start:
            fact_for(agent_id, interval_floor(began)).missed_offers += 1
        if column is None:  # offline is no logged-in time
            continue
        stop = min(ended or now, end)
        for at in interval_starts(max(began, start), stop):
            piece = seconds_between(min(stop, at + INTERVAL), max(began, at))
            if piece <= 0:
                continue
            fact = fact_for(agent_id, at)
            setattr(fact, column, getattr(fact, column) + piece)
            if state == State.NOT_READY and reason in _REASON_COLUMN:
                name = _REASON_COLUMN[reason]
                setattr(fact, name, getattr(fact, name) + piece)
    rows = list(entries.values(*ENTRY_FIELDS))
    handling = entry_handling(rows)
    for entry in rows:
        fact = fact_for(entry["served_by_id"], interval_floor(entry["connected_at"]))
        _add_handling(fact, entry, handling)
    return list(facts.values())


@transaction.atomic(savepoint=False)
def agent_intervals_refresh(
    *, start: datetime, end: datetime, agent_ids: Iterable[int] | None = None
) -> int:
    """Replace the agent intervals of [start, end) (whole intervals) with what the
    records say now; returns how many rows it wrote."""
    start, end = interval_floor(start), _interval_ceil(end)
    agent_ids = None if agent_ids is None else list(agent_ids)
    facts = agent_facts(start=start, end=end, agent_ids=agent_ids)
    return _replace(AgentInterval, "agent", facts, start, end, agent_ids)


# --- What triggers them ----------------------------------------------------------------


def calls_note_stale(*, call_ids: Iterable[int]) -> None:
    """Note calls whose figures changed, in the caller's transaction (the outbox the
    refresh drains; a call noted twice is one row)."""
    StaleCall.objects.bulk_create(
        [StaleCall(call_id=call_id) for call_id in call_ids], ignore_conflicts=True
    )


def _ranges(starts: Iterable[datetime], gap: timedelta) -> list[tuple[datetime, datetime]]:
    """Sorted moments merged into ranges wherever they are closer than `gap`."""
    ranges: list[list[datetime]] = []
    for moment in sorted(starts):
        if ranges and moment - ranges[-1][1] <= gap:
            ranges[-1][1] = moment
        else:
            ranges.append([moment, moment])
    return [(first, last) for first, last in ranges]


def calls_intervals_refresh(*, call_ids: Iterable[int]) -> None:
    """Recompute the intervals these calls touched: their queues' where they joined them,
    and their agents' from when they were offered one until now (a wrap-up may just have
    ended). Calls close in time share their refreshes."""
    entries = list(
        QueueEntry.objects.filter(call_id__in=list(call_ids)).values(
            "queue_id", "waiting_since", "offered_at", "connected_at", "served_by_id"
        )
    )
    now = timezone.now()
    for first, last in _ranges((e["waiting_since"] for e in entries), timedelta(hours=1)):
        queue_intervals_refresh(
            start=first,
            end=last + timedelta(microseconds=1),
            queue_ids={e["queue_id"] for e in entries if first <= e["waiting_since"] <= last},
        )
    began: dict[int, datetime] = {}
    for e in entries:
        at = e["offered_at"] or e["connected_at"]
        if e["served_by_id"] and at is not None:
            began[e["served_by_id"]] = min(at, began.get(e["served_by_id"], at))
    for first, _last in _ranges(began.values(), timedelta(hours=1)):
        agent_intervals_refresh(
            start=first,
            end=max(now, first),
            agent_ids={agent for agent, at in began.items() if at >= first},
        )


@transaction.atomic
def stale_intervals_refresh(*, limit: int = 1000) -> int:
    """Take up to `limit` noted calls (rows another worker holds are skipped), refresh
    their intervals together, and forget them; returns how many."""
    taken = list(
        StaleCall.objects.select_for_update(skip_locked=True)
        .order_by("noted_at", "id")
        .values_list("pk", "call_id")[:limit]
    )
    if taken:
        calls_intervals_refresh(call_ids=[call_id for _pk, call_id in taken])
        StaleCall.objects.filter(pk__in=[pk for pk, _call in taken]).delete()
    return len(taken)


def intervals_settle() -> None:
    """Recompute the last half hour for everyone (agents' time runs on with no call
    ending) and any noted call a lost task left."""
    while stale_intervals_refresh():
        pass
    now = timezone.now()
    queue_intervals_refresh(start=now - SETTLE_WINDOW, end=now)
    agent_intervals_refresh(start=now - SETTLE_WINDOW, end=now)


def intervals_rebuild(
    *, start: datetime, end: datetime, step: timedelta = timedelta(days=1)
) -> int:
    """Recompute every interval of [start, end) from the raw records, a day at a time;
    returns how many rows it wrote."""
    written, moment = 0, interval_floor(start)
    while moment < end:
        stop = min(moment + step, end)
        written += queue_intervals_refresh(start=moment, end=stop)
        written += agent_intervals_refresh(start=moment, end=stop)
        moment = stop
    return written


# --- Scheduled reports -----------------------------------------------------------------


def schedule_due_period(schedule: ReportSchedule, today: date) -> tuple[date, date] | None:
    """The last whole day (or Monday-to-Sunday week) before `today`, if not yet sent."""
    if schedule.every == ReportSchedule.Every.DAY:
        first = today - timedelta(days=1)
        last = first
    else:
        first = today - timedelta(days=today.weekday() + 7)
        last = first + timedelta(days=6)
    if schedule.last_period_start is not None and schedule.last_period_start >= first:
        return None
    return first, last


def scheduled_reports_send(*, today: date | None = None) -> int:
    """Email each active schedule's report for its last whole period, once; returns how
    many went out. The row is marked before the mail leaves: a crash loses one mail
    rather than sending it twice."""
    from .catalog import REPORTS, Request
    from .exports import report_csv
    from .periods import center_zone, local_moment
    from .selectors import Scope

    today = today or timezone.localdate()
    zone, sent = center_zone(), 0
    for schedule in ReportSchedule.objects.filter(is_active=True):
        period = schedule_due_period(schedule, today)
        spec = REPORTS.get(schedule.report)
        if period is None or spec is None:
            continue
        first, last = period
        request = Request(
            start=local_moment(first, zone, end=False),
            end=local_moment(last, zone, end=True),
            interval="hour" if schedule.every == ReportSchedule.Every.DAY else "day",
            filters={},
        )
        rows = spec.run(request, Scope(queue_ids=None, agent_ids=None))
        with transaction.atomic():
            updated = ReportSchedule.objects.filter(
                pk=schedule.pk, last_period_start=schedule.last_period_start
            ).update(last_period_start=first)
        if not updated:  # another worker took it
            continue
        message = EmailMessage(
            subject=f"{schedule.name}: {spec.label} {first:%Y-%m-%d}"
            + (f" to {last:%Y-%m-%d}" if last != first else ""),
            body=f"{spec.label} report, {len(rows)} rows, attached as CSV (times in {zone.key}).",
            to=schedule.recipient_list(),
        )
        message.attach(
            f"{schedule.report}-{first:%Y%m%d}.csv", "".join(report_csv(spec, rows)), "text/csv"
        )
        message.send()
        sent += 1
    return sent
