"""Reads for planning: the interval history as arrays, the forecast with its overrides,
and each interval's staffing requirement."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from django.core.exceptions import ValidationError
from django.db.models import Max, Min, QuerySet, Sum

from reports.models import QueueInterval
from reports.periods import center_zone
from reports.selectors import queue_kpis
from telephony.models import AgentProfile, Queue

from . import erlang
from .forecast import SLOTS, WEEK, Accuracy, NotEnoughHistory, backtest
from .models import (
    CalendarEvent,
    CampaignPlan,
    ForecastInterval,
    ForecastOverride,
    QueuePlan,
    Schedule,
    ScheduleRequest,
    Shift,
    ShiftActivity,
    ShiftTemplate,
    ShrinkageItem,
)

INTERVAL_SECONDS = 15 * 60
HISTORY_DAYS = 8 * WEEK  # the most history a forecast looks back on
DEFAULT_OCCUPANCY_CAP = 0.85
MIN_ABANDONS_FOR_PATIENCE = 20  # fewer abandons say little about patience


def slot_start(day: date, slot: int, zone: ZoneInfo) -> datetime:
    """The UTC start of quarter hour `slot` of a local day."""
    local = datetime.combine(day, time(slot // 4, slot % 4 * 15), tzinfo=zone)
    return local.astimezone(UTC)


def day_range(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC bounds of local days `first`..`last` inclusive."""
    start = datetime.combine(first, time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    return start, end


@dataclass(frozen=True)
class History:
    """A queue's local days x 96 quarter hours: calls offered, handle seconds, handled."""

    first_day: date
    offered: np.ndarray
    handle_seconds: np.ndarray
    handled: np.ndarray

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=self.offered.shape[0] - 1)


def queue_history(*, queue: Queue, before: date, days: int = HISTORY_DAYS) -> History | None:
    """The queue's interval facts on the local days before `before` (from its first day
    with calls, `days` at most); None when it has none."""
    zone = center_zone()
    start, end = day_range(before - timedelta(days=days), before - timedelta(days=1), zone)
    rows = QueueInterval.objects.filter(
        queue=queue, interval_start__gte=start, interval_start__lt=end
    )
    first = rows.filter(offered__gt=0).aggregate(first=Min("interval_start"))["first"]
    if first is None:
        return None
    first_day = first.astimezone(zone).date()
    size = (before - first_day).days
    offered, handle, handled = (np.zeros((size, SLOTS)) for _ in range(3))
    for start_at, calls, talk, hold, wrap, done in rows.values_list(
        "interval_start", "offered", "talk_seconds", "hold_seconds", "wrap_up_seconds", "handled"
    ):
        local = start_at.astimezone(zone)
        day = (local.date() - first_day).days
        if day < 0:
            continue
        slot = (local.hour * 60 + local.minute) // 15
        offered[day, slot] += calls
        handle[day, slot] += talk + hold + wrap
        handled[day, slot] += done
    return History(first_day, offered, handle, handled)


def event_factors(*, queue: Queue, first_day: date, days: int) -> np.ndarray:
    """Each day's known-event factor (1 on an ordinary day); a queue's own event wins over
    a center-wide one on the same day."""
    factors = np.ones(days)
    events = CalendarEvent.objects.filter(
        day__gte=first_day, day__lt=first_day + timedelta(days=days)
    ).filter(queue__isnull=True) | CalendarEvent.objects.filter(
        queue=queue, day__gte=first_day, day__lt=first_day + timedelta(days=days)
    )
    for event in sorted(events, key=lambda event: event.queue_id is not None):
        factors[(event.day - first_day).days] = float(event.factor)
    return factors


def ordinary_days(offered: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """History as if no event had happened: divided by the day's factor; a closed day
    (factor 0) takes the same weekday's figures from a neighbouring week."""
    plain = offered.copy()
    for day, factor in enumerate(factors):
        if factor > 0:
            plain[day] = offered[day] / factor
    for closed in np.flatnonzero(factors == 0):
        for other in (closed - WEEK, closed + WEEK, closed - 2 * WEEK, closed + 2 * WEEK):
            if 0 <= other < len(factors) and factors[other] > 0:
                plain[closed] = plain[other]
                break
    return plain


def measured_patience(*, queue: Queue, since: datetime) -> float | None:
    """Callers' mean time to abandon: every caller's wait ÷ abandons (DOMAIN §12), when
    enough abandoned to say."""
    sums = QueueInterval.objects.filter(queue=queue, interval_start__gte=since).aggregate(
        waited=Sum("answer_wait_seconds"),
        abandon_waited=Sum("abandon_wait_seconds"),
        abandoned=Sum("abandoned"),
    )
    if (sums["abandoned"] or 0) < MIN_ABANDONS_FOR_PATIENCE:
        return None
    return ((sums["waited"] or 0) + (sums["abandon_waited"] or 0)) / sums["abandoned"]


def shrinkage() -> float:
    """The share of paid time off the phones: the shrinkage items added up."""
    total = ShrinkageItem.objects.aggregate(total=Sum("percent"))["total"] or 0
    return min(float(total) / 100, 0.95)


@dataclass(frozen=True)
class Rules:
    target: float
    threshold_seconds: int
    occupancy_cap: float
    patience_seconds: float | None
    shrinkage: float

    @property
    def model(self) -> str:
        return "Erlang A" if self.patience_seconds else "Erlang C"


def staffing_rules(*, queue: Queue) -> Rules:
    """The queue's target and threshold, its plan's cap and patience, the shrinkage."""
    plan = QueuePlan.objects.filter(queue=queue).first()
    patience: float | None = plan.patience_seconds if plan else None
    if patience is None:
        history_start = datetime.now(UTC) - timedelta(days=HISTORY_DAYS)
        patience = measured_patience(queue=queue, since=history_start)
    return Rules(
        target=queue.service_level_percent / 100,
        threshold_seconds=queue.service_level_seconds,
        occupancy_cap=plan.occupancy_cap_percent / 100 if plan else DEFAULT_OCCUPANCY_CAP,
        patience_seconds=patience,
        shrinkage=shrinkage(),
    )


@dataclass(frozen=True)
class StaffingRow:
    interval_start: datetime
    forecast_calls: float | None
    override: ForecastOverride | None
    calls: float
    aht_seconds: float | None
    required: int | None
    rostered: int | None
    performance: erlang.Performance | None
    problem: str = ""
    outbound: int = 0  # agents planned for outbound campaigns, included in required


def staffing_row(
    rules: Rules,
    interval_start: datetime,
    forecast: ForecastInterval | None,
    override: ForecastOverride | None,
    outbound: int = 0,
) -> StaffingRow:
    """One interval's requirement from its forecast (or the manager's override of it),
    plus the agents planned for outbound campaigns."""
    calls = override.calls if override else (forecast.calls if forecast else 0.0)
    aht = (override.aht_seconds if override else None) or (
        forecast.aht_seconds if forecast else None
    )
    row = StaffingRow(
        interval_start=interval_start,
        forecast_calls=forecast.calls if forecast else None,
        override=override,
        calls=calls,
        aht_seconds=aht,
        required=None,
        rostered=None,
        performance=None,
        outbound=outbound,
    )
    if calls and not aht:
        return replace(row, problem="No handle time known.")
    try:
        result = erlang.required_agents(
            calls=calls,
            aht_seconds=aht or 1.0,
            interval_seconds=INTERVAL_SECONDS,
            target_service_level=rules.target,
            threshold_seconds=rules.threshold_seconds,
            occupancy_cap=rules.occupancy_cap,
            patience_seconds=rules.patience_seconds,
        )
    except ValueError as error:
        return replace(row, problem=str(error))
    return replace(
        row,
        required=result.agents + outbound,
        rostered=erlang.rostered(result.agents + outbound, rules.shrinkage),
        performance=result,
    )


def staffing_day(*, queue: Queue, day: date) -> list[StaffingRow]:
    """The local day's 96 quarter hours: forecast, override, agents required and rostered."""
    zone = center_zone()
    start, end = day_range(day, day, zone)
    rules = staffing_rules(queue=queue)
    window = {"queue": queue, "interval_start__gte": start, "interval_start__lt": end}
    forecasts = {row.interval_start: row for row in ForecastInterval.objects.filter(**window)}
    overrides = {row.interval_start: row for row in ForecastOverride.objects.filter(**window)}
    outbound = outbound_agents(queue=queue, day=day)
    slots = {slot_start(day, slot, zone): slot for slot in range(SLOTS)}
    return [
        staffing_row(
            rules, moment, forecasts.get(moment), overrides.get(moment), int(outbound[slot])
        )
        for moment, slot in sorted(slots.items())
    ]


def outbound_agents(*, queue: Queue, day: date) -> np.ndarray:
    """Agents planned per quarter hour for the queue's live outbound campaigns that day."""
    planned = np.zeros(SLOTS, dtype=int)
    plans = CampaignPlan.objects.filter(campaign__queue=queue).select_related("campaign")
    for plan in plans:
        campaign = plan.campaign
        if campaign.status in (campaign.Status.STOPPED, campaign.Status.COMPLETED):
            continue
        if (campaign.starts_on and day < campaign.starts_on) or (
            campaign.ends_on and day > campaign.ends_on
        ):
            continue
        if day.weekday() not in plan.weekdays:
            continue
        first = (plan.start.hour * 60 + plan.start.minute) // 15
        last = (plan.end.hour * 60 + plan.end.minute + 14) // 15
        planned[first:last] += plan.agents
    return planned


def requirement(*, queues: Iterable[Queue], first_day: date, days: int) -> dict[int, np.ndarray]:
    """Agents required on the phones per queue, days x 96 (for the schedule generator)."""
    needed: dict[int, np.ndarray] = {}
    for queue in queues:
        grid = np.zeros((days, SLOTS), dtype=int)
        for offset in range(days):
            for slot, row in enumerate(
                staffing_day(queue=queue, day=first_day + timedelta(offset))[:SLOTS]
            ):
                grid[offset, slot] = row.required or 0
        needed[queue.pk] = grid
    return needed


def forecast_span(*, queue: Queue) -> tuple[date, date] | None:
    """The first and last local day the stored forecast covers."""
    zone = center_zone()
    span = ForecastInterval.objects.filter(queue=queue).aggregate(
        first=Min("interval_start"), last=Max("interval_start")
    )
    if span["first"] is None:
        return None
    return span["first"].astimezone(zone).date(), span["last"].astimezone(zone).date()


def forecast_accuracy(*, queue: Queue, today: date, holdout_weeks: int = 1) -> list[Accuracy]:
    """Both methods back-tested on the last held-out weeks of the queue's history."""
    history = queue_history(queue=queue, before=today)
    if history is None:
        raise NotEnoughHistory("This queue has no interval history yet.")
    factors = event_factors(queue=queue, first_day=history.first_day, days=history.offered.shape[0])
    return backtest(ordinary_days(history.offered, factors), holdout_weeks)


@dataclass(frozen=True)
class WhatIf:
    performance: erlang.Performance
    rostered: int
    load: float
    model: str


def what_if(
    *,
    calls: float,
    interval_minutes: int,
    aht_seconds: float,
    target_percent: float,
    threshold_seconds: float,
    occupancy_cap_percent: float,
    shrinkage_percent: float,
    patience_seconds: float | None,
) -> WhatIf:
    """The what-if calculator: agents needed, rostered, and what they would give."""
    interval_seconds = interval_minutes * 60
    try:
        result = erlang.required_agents(
            calls=calls,
            aht_seconds=aht_seconds,
            interval_seconds=interval_seconds,
            target_service_level=target_percent / 100,
            threshold_seconds=threshold_seconds,
            occupancy_cap=occupancy_cap_percent / 100,
            patience_seconds=patience_seconds,
        )
        rostered = erlang.rostered(result.agents, shrinkage_percent / 100)
    except ValueError as error:
        raise ValidationError(str(error)) from error
    return WhatIf(
        performance=result,
        rostered=rostered,
        load=erlang.traffic(calls, aht_seconds, interval_seconds),
        model="Erlang A" if patience_seconds else "Erlang C",
    )


def recent_weekends(*, before: date, weeks: int = 4) -> dict[int, int]:
    """Weekend days each agent worked in the published schedules of the last weeks."""
    zone = center_zone()
    counts: dict[int, int] = {}
    shifts = Shift.objects.filter(
        schedule__status=Schedule.Status.PUBLISHED,
        schedule__week_start__gte=before - timedelta(weeks=weeks),
        schedule__week_start__lt=before,
        is_time_off=False,
    )
    for agent_id, start in shifts.values_list("agent_id", "start"):
        if start.astimezone(zone).weekday() >= 5:
            counts[agent_id] = counts.get(agent_id, 0) + 1
    return counts


@dataclass(frozen=True)
class CoverageRow:
    interval: time
    cells: list[tuple[int, int]]  # (on the phones, required) per day


@dataclass(frozen=True)
class Coverage:
    queue: Queue
    days: list[date]
    rows: list[CoverageRow]
    share: float | None  # Σ min(on phones, required) ÷ Σ required
    short_intervals: int


def schedule_coverage(*, schedule: Schedule) -> list[Coverage]:
    """Per queue, each quarter hour's agents on the phones against the requirement."""
    days = [schedule.week_start + timedelta(days=offset) for offset in range(WEEK)]
    queues = list(Queue.objects.filter(pk__in=_planned_queue_ids(days[0], days[-1])))
    needed = requirement(queues=queues, first_day=days[0], days=WEEK)
    shifts = schedule.shifts.filter(is_time_off=False).prefetch_related("activities")
    # The week before's last night shifts cover this Monday's first hours too.
    on_phones = on_the_phones(
        shifts=[*shifts, *carried_over(week_start=schedule.week_start)],
        queue_ids=[queue.pk for queue in queues],
        first_day=days[0],
        days=WEEK,
    )
    result = []
    for queue in queues:
        grid, need = on_phones[queue.pk], needed[queue.pk]
        total = int(need.sum())
        rows = [
            CoverageRow(
                time(slot // 4, slot % 4 * 15),
                [(int(grid[d, slot]), int(need[d, slot])) for d in range(WEEK)],
            )
            for slot in range(SLOTS)
            if need[:, slot].any() or grid[:, slot].any()
        ]
        result.append(
            Coverage(
                queue,
                days,
                rows,
                float(np.minimum(grid, need).sum()) / total if total else None,
                int((grid < need).sum()),
            )
        )
    return result


def on_the_phones(
    *, shifts: Iterable[Shift], queue_ids: Iterable[int], first_day: date, days: int
) -> dict[int, np.ndarray]:
    """Per queue, days x 96 agents on the phones from these shifts (breaks and lunch left
    out; a night shift counts on both its days, hours outside the days dropped)."""
    zone = center_zone()
    on_phones = {queue_id: np.zeros((days, SLOTS), dtype=int) for queue_id in queue_ids}
    for shift in shifts:
        if shift.queue_id not in on_phones:
            continue
        for moment in _quarter_hours(shift.start, shift.end):
            if any(a.start <= moment < a.end for a in shift.activities.all()):
                continue
            local = moment.astimezone(zone)
            day = (local.date() - first_day).days
            if 0 <= day < days:
                on_phones[shift.queue_id][day, (local.hour * 60 + local.minute) // 15] += 1
    return on_phones


def carried_over(*, week_start: date) -> list[Shift]:
    """The week before's shifts that run past its end into this week (Sunday night
    shifts): they belong to the week they start in and are worked here."""
    start, _end = day_range(week_start, week_start, center_zone())
    return list(
        Shift.objects.filter(
            schedule__week_start=week_start - timedelta(days=WEEK),
            is_time_off=False,
            end__gt=start,
        ).prefetch_related("activities")
    )


def week_days(schedule: Schedule) -> list[date]:
    """The seven local days of a schedule's week."""
    return [schedule.week_start + timedelta(days=offset) for offset in range(WEEK)]


@dataclass(frozen=True)
class GridBar:
    """Something placed on a lane, as a share of the grid's span (percent)."""

    left: float
    width: float


@dataclass(frozen=True)
class GridShift:
    shift: Shift
    bar: GridBar
    pauses: list[GridBar]  # breaks and lunch, as shares of the shift's own bar


@dataclass(frozen=True)
class GridLane:
    agent: AgentProfile
    shifts: list[GridShift]


@dataclass(frozen=True)
class GridCoverage:
    queue: Queue
    cells: list[tuple[int, int]]  # (on the phones, required) per quarter hour of the span


@dataclass(frozen=True)
class DayGrid:
    """One day of a schedule as a timeline: a lane per agent of the week, their shifts
    placed by start and length, and a coverage row per queue under the same ruler."""

    day: date
    first_slot: int
    slots: int
    hours: list[tuple[time, float]]  # the ruler: each full hour and where it sits
    lanes: list[GridLane]
    coverage: list[GridCoverage]


def _local_slot(moment: datetime, day: date, zone: ZoneInfo) -> int:
    """Quarter hours from the local day's midnight, on the wall clock (past midnight
    counts on: an overnight shift ends after slot 96)."""
    local = moment.astimezone(zone)
    return (local.date() - day).days * SLOTS + (local.hour * 60 + local.minute) // 15


def _pauses(shifts: QuerySet[Shift]) -> dict[int, list[tuple[datetime, datetime]]]:
    """The breaks and lunch of these shifts, by shift, in one query joined on them (a
    prefetch would send every shift's id: slow for a week of hundreds of agents)."""
    pauses: dict[int, list[tuple[datetime, datetime]]] = {}
    rows = ShiftActivity.objects.filter(shift__in=shifts).values_list("shift_id", "start", "end")
    for shift_id, start, end in rows:
        pauses.setdefault(shift_id, []).append((start, end))
    return pauses


def schedule_day_grid(*, schedule: Schedule, day: date, coverage: list[Coverage]) -> DayGrid:
    """The schedule's `day` for the editing grid; `coverage` is `schedule_coverage`'s."""
    zone = center_zone()
    start, end = day_range(day, day, zone)
    today = list(
        schedule.shifts.filter(start__gte=start, start__lt=end).select_related("queue", "template")
    )
    pauses = _pauses(schedule.shifts.filter(start__gte=start, start__lt=end))
    # A lane for everyone working that week, so a shift can go to a colleague free that day.
    agents = (
        AgentProfile.objects.filter(pk__in=schedule.shifts.values("agent_id"))
        .select_related("user")
        .order_by("user__username")
    )
    # The span holds every start the day's templates allow (the week's, on a day without
    # shifts) and the shifts they make, and every quarter hour with a requirement.
    templates = (
        {shift.template for shift in today}
        if today
        else ShiftTemplate.objects.filter(pk__in=schedule.shifts.values("template_id"))
    )
    edges: list[int] = []
    for template in templates:
        edges.append(template.earliest_start.hour * 4 + template.earliest_start.minute // 15)
        latest = template.latest_start.hour * 4 + template.latest_start.minute // 15
        edges.append(latest + template.length_minutes // 15)
    edges += [_local_slot(shift.end, day, zone) for shift in today]
    day_index = week_days(schedule).index(day)
    for queue_coverage in coverage:
        for row in queue_coverage.rows:
            if any(row.cells[day_index]):
                edges.append(row.interval.hour * 4 + row.interval.minute // 15)
                edges.append(edges[-1] + 1)
    first = min(edges, default=32) // 4 * 4
    last = min(-(-max(edges, default=72) // 4) * 4, SLOTS)
    slots = max(last - first, 4)

    def bar(begin: int, finish: int, within: tuple[int, int]) -> GridBar:
        low, high = within
        begin, finish = max(begin, low), min(finish, high)
        return GridBar(
            round(100 * (begin - low) / (high - low), 3),
            round(100 * max(finish - begin, 0) / (high - low), 3),
        )

    lanes = {agent.pk: GridLane(agent, []) for agent in agents}
    for shift in today:
        begin, finish = _local_slot(shift.start, day, zone), _local_slot(shift.end, day, zone)
        lanes[shift.agent_id].shifts.append(
            GridShift(
                shift,
                bar(begin, finish, (first, first + slots)),
                [
                    bar(
                        _local_slot(p_start, day, zone),
                        _local_slot(p_end, day, zone),
                        (begin, finish),
                    )
                    for p_start, p_end in pauses.get(shift.pk, [])
                ],
            )
        )
    rows = []
    for queue_coverage in coverage:
        by_slot = {
            row.interval.hour * 4 + row.interval.minute // 15: row.cells[day_index]
            for row in queue_coverage.rows
        }
        cells = [by_slot.get(slot, (0, 0)) for slot in range(first, first + slots)]
        rows.append(GridCoverage(queue_coverage.queue, cells))
    hours = [
        (time(slot // 4), round(100 * (slot - first) / slots, 3))
        for slot in range(first, min(first + slots, SLOTS), 4)
    ]
    return DayGrid(day, first, slots, hours, list(lanes.values()), rows)


def _quarter_hours(start: datetime, end: datetime) -> list[datetime]:
    moments = []
    moment = start
    while moment < end:
        moments.append(moment)
        moment += timedelta(minutes=15)
    return moments


def _planned_queue_ids(first: date, last: date) -> set[int]:
    """Queues with a forecast on those days: the ones a schedule covers."""
    start, end = day_range(first, last, center_zone())
    return set(
        ForecastInterval.objects.filter(interval_start__gte=start, interval_start__lt=end)
        .values_list("queue_id", flat=True)
        .distinct()
    )


def planned_queues(*, first: date, last: date) -> list[Queue]:
    """Queues with a forecast between two local days."""
    return list(Queue.objects.filter(pk__in=_planned_queue_ids(first, last)).order_by("name"))


def agent_shifts(*, agent_id: int, since: date) -> list[Shift]:
    """An agent's published shifts from a day on, with their breaks."""
    start, _end = day_range(since, since, center_zone())
    return list(
        Shift.objects.filter(
            agent_id=agent_id, schedule__status=Schedule.Status.PUBLISHED, end__gt=start
        )
        .select_related("queue", "template")
        .prefetch_related("activities")
        .order_by("start")[:14]
    )


def swap_candidates(*, shift: Shift) -> list[Shift]:
    """Colleagues' published shifts on the same day that could be swapped with this one."""
    zone = center_zone()
    day = shift.start.astimezone(zone).date()
    start, end = day_range(day, day, zone)
    return list(
        Shift.objects.filter(
            schedule=shift.schedule, start__gte=start, start__lt=end, is_time_off=False
        )
        .exclude(agent_id=shift.agent_id)
        .select_related("agent__user", "queue")
    )


def pending_requests() -> list[ScheduleRequest]:
    return list(
        ScheduleRequest.objects.filter(status=ScheduleRequest.Status.PENDING).select_related(
            "agent__user", "shift__queue", "swap_with__agent__user"
        )
    )


@dataclass(frozen=True)
class IntradayRow:
    interval_start: datetime
    forecast_calls: float | None  # the manager's override where there is one
    forecast_aht: float | None
    actual_calls: int | None  # None for an interval not over yet
    actual_aht: float | None
    reforecast_calls: float | None  # for the intervals not over yet


@dataclass(frozen=True)
class Intraday:
    rows: list[IntradayRow]
    ratio: float | None  # calls offered so far ÷ forecast so far


def intraday(*, queue: Queue, day: date, now: datetime) -> Intraday:
    """The day's actual calls and AHT per quarter hour (the reports' interval facts) against
    the forecast, and the rest of the day re-forecast: each interval not over yet scaled by
    the calls offered so far ÷ the forecast so far."""
    zone = center_zone()
    start, end = day_range(day, day, zone)
    forecast: dict[datetime, tuple[float, float | None]] = {
        row.interval_start: (row.calls, row.aht_seconds)
        for row in ForecastInterval.objects.filter(
            queue=queue, interval_start__gte=start, interval_start__lt=end
        )
    }
    for override in ForecastOverride.objects.filter(
        queue=queue, interval_start__gte=start, interval_start__lt=end
    ):
        modelled_aht = forecast.get(override.interval_start, (0.0, None))[1]
        forecast[override.interval_start] = (override.calls, override.aht_seconds or modelled_aht)
    actual = {
        datetime.fromisoformat(row["period_start"]): row
        for row in queue_kpis(
            start=start,
            end=min(end, now),
            interval="15m",
            queue_ids=[queue.pk],
            figures=["offered", "aht"],
        )
    }
    moments = sorted({slot_start(day, slot, zone) for slot in range(SLOTS)})
    over = [m for m in moments if m + timedelta(seconds=INTERVAL_SECONDS) <= now]
    offered_so_far = sum(actual[m]["offered"] for m in over if m in actual)
    forecast_so_far = sum(forecast[m][0] for m in over if m in forecast)
    ratio = offered_so_far / forecast_so_far if forecast_so_far else None
    rows = []
    for moment in moments:
        planned: tuple[float | None, float | None] = forecast.get(moment, (None, None))
        calls, aht = planned
        done = moment in over
        fact = actual.get(moment, {})
        rows.append(
            IntradayRow(
                interval_start=moment,
                forecast_calls=calls,
                forecast_aht=aht,
                actual_calls=fact.get("offered", 0) if done else None,
                actual_aht=fact.get("aht") if done else None,
                reforecast_calls=(
                    None
                    if done or calls is None
                    else round(calls * (ratio if ratio is not None else 1.0), 2)
                ),
            )
        )
    return Intraday(rows, ratio)
