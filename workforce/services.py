"""Writes for planning: re-forecasting a queue, managers' overrides, generating and
publishing schedules, and the agents' requests against them."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from reports.periods import center_zone
from telephony.models import AgentProfile, Queue

from . import scheduling, selectors
from .forecast import SLOTS, WEEK, NotEnoughHistory, best_forecast
from .models import (
    Availability,
    ForecastInterval,
    ForecastOverride,
    Schedule,
    ScheduleRequest,
    Shift,
    ShiftActivity,
    ShiftTemplate,
)

FORECAST_DAYS = 2 * WEEK

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ForecastMade:
    queue: Queue
    first_day: date
    days: int
    method: str
    intervals: int


def _handle_profile(history: selectors.History) -> np.ndarray:
    """AHT per position in the week x quarter hour, from the history's handled calls; a
    quarter hour with none takes its weekday's, then the queue's, average."""
    days = history.handled.shape[0]
    profile = np.zeros((WEEK, SLOTS))
    overall = history.handle_seconds.sum() / history.handled.sum()
    for position in range(WEEK):
        rows = [d for d in range(days) if (days - d) % WEEK == (WEEK - position) % WEEK]
        seconds = history.handle_seconds[rows].sum(axis=0)
        handled = history.handled[rows].sum(axis=0)
        day_mean = seconds.sum() / handled.sum() if handled.sum() else overall
        with np.errstate(invalid="ignore", divide="ignore"):
            profile[position] = np.where(handled > 0, seconds / handled, day_mean)
    return profile


@transaction.atomic
def forecast_refresh(
    *, queue: Queue, first_day: date | None = None, days: int = FORECAST_DAYS
) -> ForecastMade:
    """Forecast the queue's calls and AHT per quarter hour from `first_day` (today) on,
    from the history before it; overrides are kept, the previous forecast replaced."""
    first_day = first_day or timezone.localdate()
    history = selectors.queue_history(queue=queue, before=first_day)
    if history is None:
        raise ValidationError(f"{queue} has no interval history yet: nothing to forecast from.")
    if not history.handled.sum():
        raise ValidationError(f"{queue} has handled no call yet: its handle time is unknown.")
    size = history.offered.shape[0]
    factors = selectors.event_factors(queue=queue, first_day=history.first_day, days=size)
    plain = selectors.ordinary_days(history.offered, factors)
    try:
        calls, method = best_forecast(plain, days)
    except NotEnoughHistory as error:
        raise ValidationError(f"{queue}: {error}") from error
    ahead = selectors.event_factors(queue=queue, first_day=first_day, days=days)
    calls = calls * ahead[:, None]
    handle = _handle_profile(history)
    zone = center_zone()
    made_at = timezone.now()
    start, end = selectors.day_range(first_day, first_day + timedelta(days=days - 1), zone)
    ForecastInterval.objects.filter(
        queue=queue, interval_start__gte=start, interval_start__lt=end
    ).delete()
    rows = [
        ForecastInterval(
            queue=queue,
            interval_start=selectors.slot_start(first_day + timedelta(days=day), slot, zone),
            calls=round(float(calls[day, slot]), 2),
            aht_seconds=round(float(handle[day % WEEK, slot]), 1),
            made_at=made_at,
            method=method,
        )
        for day in range(days)
        for slot in range(SLOTS)
    ]
    # A repeated local hour (clocks going back) maps two slots to one UTC start: keep one.
    unique = list({row.interval_start: row for row in rows}.values())
    ForecastInterval.objects.bulk_create(unique)
    return ForecastMade(queue, first_day, days, method, len(unique))


def forecasts_refresh_nightly() -> list[ForecastMade]:
    """Every queue re-forecast from today on, each in its own transaction; a queue with no
    history to forecast from yet is left as it is."""
    made = []
    for queue in Queue.objects.order_by("name"):
        try:
            made.append(forecast_refresh(queue=queue))
        except ValidationError as error:
            logger.info("Nightly re-forecast skipped: %s", error.messages[0])
    return made


@transaction.atomic
def forecast_override_set(
    *,
    queue: Queue,
    interval_start: datetime,
    calls: float,
    aht_seconds: float | None,
    note: str,
    user: User,
) -> ForecastOverride:
    """Put a manager's own figure on an interval (replacing their earlier one)."""
    if interval_start.minute % 15 or interval_start.second or interval_start.microsecond:
        raise ValidationError({"interval_start": "Intervals start on a quarter hour."})
    override, _ = ForecastOverride.objects.update_or_create(
        queue=queue,
        interval_start=interval_start,
        defaults={"calls": calls, "aht_seconds": aht_seconds, "note": note, "set_by": user},
    )
    return override


@transaction.atomic
def forecast_override_clear(*, queue: Queue, interval_start: datetime) -> None:
    """Go back to the model's figure for an interval."""
    ForecastOverride.objects.filter(queue=queue, interval_start=interval_start).delete()


def _template_spec(template: ShiftTemplate) -> scheduling.Template:
    def slot(moment: time) -> int:
        return (moment.hour * 60 + moment.minute) // 15

    off = [
        (after // 15, template.break_minutes // 15, "break")
        for after in template.break_after_minutes
    ]
    if template.lunch_minutes:
        off.append((template.lunch_after_minutes // 15, template.lunch_minutes // 15, "lunch"))
    return scheduling.Template(
        id=template.pk,
        starts=tuple(range(slot(template.earliest_start), slot(template.latest_start) + 1)),
        length=template.length_minutes // 15,
        off=tuple(sorted(off)),
    )


def _availability_windows(agent_ids: Iterable[int]) -> dict[int, dict[int, list[bool]]]:
    """Per agent with availability rows, per weekday, the quarter hours they can work. A
    row that ends before it starts (22:00-06:00) runs into the next weekday."""
    windows: dict[int, dict[int, list[bool]]] = {}
    for row in Availability.objects.filter(agent_id__in=agent_ids):
        days = windows.setdefault(row.agent_id, {})
        first = (row.start.hour * 60 + row.start.minute) // 15
        last = (row.end.hour * 60 + row.end.minute) // 15 or SLOTS
        spans = [(row.weekday, first, last)]
        if last <= first:
            spans = [(row.weekday, first, SLOTS), ((row.weekday + 1) % WEEK, 0, last)]
        for weekday, begin, end in spans:
            day = days.setdefault(weekday, [False] * SLOTS)
            day[begin:end] = [True] * (end - begin)
    return windows


def _agent_specs(queues: list[Queue], week_start: date) -> list[scheduling.Agent]:
    """Each agent who qualifies for a planned queue, with their availability per weekday."""
    skills: dict[int, set[int]] = {}
    for queue in queues:
        for agent_id in queue.qualified_agents().values_list("pk", flat=True):
            skills.setdefault(agent_id, set()).add(queue.pk)
    windows = _availability_windows(skills)
    weekends = selectors.recent_weekends(before=week_start)
    zone = center_zone()
    monday = selectors.slot_start(week_start, 0, zone)
    free_from = {
        # The quarter hour after their night shift of last week ends (rounded up).
        shift.agent_id: -(-int((shift.end - monday).total_seconds()) // 900)
        for shift in selectors.carried_over(week_start=week_start)
    }
    return [
        scheduling.Agent(
            id=agent_id,
            queues=frozenset(queue_ids),
            # An agent with availability rows works only inside them; without, any time.
            available=tuple(
                tuple(windows[agent_id].get(day, [False] * SLOTS)) if agent_id in windows else None
                for day in range(WEEK)
            ),
            recent_weekends=weekends.get(agent_id, 0),
            free_from=free_from.get(agent_id, 0),
        )
        for agent_id, queue_ids in sorted(skills.items())
    ]


@transaction.atomic
def schedule_generate(*, week_start: date, time_limit_seconds: float = 20.0) -> Schedule:
    """A draft schedule for the week from Monday `week_start`: the integer program over
    the forecast's requirement, the shift templates, the agents' skills and availability.
    A draft of that week is replaced; a published one is never."""
    if week_start.weekday() != 0:
        raise ValidationError({"week_start": "A schedule's week starts on a Monday."})
    existing = Schedule.objects.filter(week_start=week_start).first()
    if existing and existing.status == Schedule.Status.PUBLISHED:
        raise ValidationError({"week_start": "That week is published: it is no longer generated."})
    last = week_start + timedelta(days=WEEK - 1)
    queues = selectors.planned_queues(first=week_start, last=last)
    if not queues:
        raise ValidationError({"week_start": "No forecast for that week: re-forecast first."})
    templates = list(ShiftTemplate.objects.all())
    if not templates:
        raise ValidationError({"week_start": "Add shift templates first."})
    agents = _agent_specs(queues, week_start)
    if not agents:
        raise ValidationError({"week_start": "No agent qualifies for the planned queues."})
    requirement = selectors.requirement(queues=queues, first_day=week_start, days=WEEK)
    # What last week's Sunday night shifts already cover on Monday morning is not asked
    # of this week's.
    covered = selectors.on_the_phones(
        shifts=selectors.carried_over(week_start=week_start),
        queue_ids=list(requirement),
        first_day=week_start,
        days=WEEK,
    )
    requirement = {
        queue_id: np.maximum(grid - covered[queue_id], 0) for queue_id, grid in requirement.items()
    }
    specs = [_template_spec(template) for template in templates]
    result = scheduling.generate(
        requirement=requirement,
        agents=agents,
        templates=specs,
        time_limit_seconds=time_limit_seconds,
    )
    schedule, _ = Schedule.objects.update_or_create(
        week_start=week_start,
        defaults={"generated_at": timezone.now(), "solver_status": result.status},
    )
    schedule.shifts.all().delete()
    zone = center_zone()
    by_id = {spec.id: spec for spec in specs}
    by_template = {template.pk: template for template in templates}
    for a in result.assignments:
        day = week_start + timedelta(days=a.day)
        start = selectors.slot_start(day, a.start, zone)
        spec = by_id[a.template]
        shift = Shift.objects.create(
            schedule=schedule,
            agent_id=a.agent,
            queue_id=a.queue,
            template=by_template[a.template],
            start=start,
            end=start + timedelta(minutes=15 * spec.length),
        )
        ShiftActivity.objects.bulk_create(
            ShiftActivity(
                shift=shift,
                kind=kind,
                start=start + timedelta(minutes=15 * offset),
                end=start + timedelta(minutes=15 * (offset + size)),
            )
            for offset, size, kind in spec.off
        )
    return schedule


@transaction.atomic
def schedule_publish(*, schedule: Schedule) -> Schedule:
    """Show the schedule to its agents; from now on only requests change it."""
    if schedule.status == Schedule.Status.PUBLISHED:
        raise ValidationError("This schedule is already published.")
    schedule.status = Schedule.Status.PUBLISHED
    schedule.published_at = timezone.now()
    schedule.save(update_fields=["status", "published_at"])
    return schedule


def _editable(schedule: Schedule) -> None:
    """Refuse edits to a published schedule; hold the draft's row until the edit commits,
    so two supervisors' edits of one week run one after the other and neither places an
    agent twice on the strength of the other's not yet saved."""
    schedule = Schedule.objects.select_for_update().get(pk=schedule.pk)
    if schedule.status == Schedule.Status.PUBLISHED:
        raise ValidationError(
            "This schedule is published: its shifts change only through agents' requests."
        )


def _check_placement(
    *, shift: Shift, agent: AgentProfile, start: datetime, leaving: set[int]
) -> dict[str, str]:
    """What the generator would refuse in `agent` working `shift` from `start`: a start
    outside the template's window, a queue they lack the skills for, time outside their
    availability, a second shift that day (`leaving`: shifts that move away in the same
    edit). Empty when it fits."""
    zone = center_zone()
    template = shift.template
    local = start.astimezone(zone)
    end = start + shift.paid
    errors = {}
    if not template.earliest_start <= local.time() <= template.latest_start or local.minute % 15:
        errors["start"] = (
            f"{template} starts on a quarter hour between "
            f"{template.earliest_start:%H:%M} and {template.latest_start:%H:%M}."
        )
    if not shift.queue.qualified_agents().filter(pk=agent.pk).exists():
        errors["agent"] = f"{agent} lacks the skills for {shift.queue}."
    windows = _availability_windows([agent.pk]).get(agent.pk)
    if windows is not None:
        first = (local.hour * 60 + local.minute) // 15
        last = first + int(shift.paid.total_seconds()) // 900
        # Its day, then the next for a night shift's hours after midnight.
        both = windows.get(local.weekday(), [False] * SLOTS) + windows.get(
            (local.weekday() + 1) % WEEK, [False] * SLOTS
        )
        if not all(both[first:last]):
            until = end.astimezone(zone)
            # The end's weekday only when it is another day's (a night shift's).
            shown = f"{until:%a %H:%M}" if until.date() != local.date() else f"{until:%H:%M}"
            errors.setdefault("agent", f"{agent} is not available {local:%a %H:%M} to {shown}.")
    day_start, day_end = selectors.day_range(local.date(), local.date(), zone)
    same_day = (
        Shift.objects.filter(schedule=shift.schedule, agent=agent)
        .filter(start__gte=day_start, start__lt=day_end)
        .exclude(pk__in=leaving)
    )
    if same_day.exists():
        errors.setdefault("agent", f"{agent} already works a shift on {local:%a %d %b}.")
    overlap = _overlap_problem(agent=agent, start=start, end=end, leaving=leaving)
    if overlap:
        errors.setdefault("agent", overlap)
    return errors


def _overlap_problem(
    *, agent: AgentProfile, start: datetime, end: datetime, leaving: set[int]
) -> str:
    """Why `agent` cannot work from `start` to `end`: another of their shifts, of any
    schedule, is on then (a night shift of the day before, or of last week, runs into
    the morning). Empty when none is."""
    overlapping = (
        Shift.objects.filter(agent=agent, start__lt=end, end__gt=start, is_time_off=False)
        .exclude(pk__in=leaving)
        .order_by("start")
        .first()
    )
    if overlapping is None:
        return ""
    return (
        f"{agent} works until {overlapping.end.astimezone(center_zone()):%a %H:%M}: "
        "shifts must not overlap."
    )


def _place(shift: Shift, agent_id: int, start: datetime) -> None:
    """Put the shift on its new agent and start; its breaks and lunch move with it."""
    delta = start - shift.start
    shift.agent_id = agent_id
    shift.start, shift.end = start, shift.end + delta
    shift.save(update_fields=["agent", "start", "end"])
    for activity in shift.activities.all():
        activity.start, activity.end = activity.start + delta, activity.end + delta
        activity.save(update_fields=["start", "end"])


@transaction.atomic
def shift_move(*, shift: Shift, day: date, start: time, agent: AgentProfile) -> Shift:
    """A supervisor's hand edit of a draft: the shift starts at another local time, on
    another day of its week, or goes to another agent, within the generator's rules."""
    shift = (
        Shift.objects.select_for_update().select_related("schedule", "template").get(pk=shift.pk)
    )
    _editable(shift.schedule)
    week_start = shift.schedule.week_start
    if not week_start <= day < week_start + timedelta(days=7):
        raise ValidationError(
            {"day": f"Choose a day of the week of {week_start:%d %b}: {day:%a %d %b} is not."}
        )
    zone = center_zone()
    moment = datetime.combine(day, start, tzinfo=zone).astimezone(shift.start.tzinfo)
    errors = _check_placement(shift=shift, agent=agent, start=moment, leaving={shift.pk})
    if errors:
        raise ValidationError(errors)
    _place(shift, agent.pk, moment)
    return shift


@transaction.atomic
def shift_swap(*, shift: Shift, other: Shift) -> tuple[Shift, Shift]:
    """Two agents of a draft exchange their shifts; each must fit the other's."""
    # Both rows locked in one order, whichever is dragged onto which.
    locked = {
        row.pk: row
        for row in Shift.objects.select_for_update()
        .select_related("schedule", "template", "agent__user", "queue")
        .filter(pk__in=(shift.pk, other.pk))
        .order_by("pk")
    }
    if shift.pk not in locked or other.pk not in locked:
        raise ValidationError({"other": "That shift is no longer in this schedule."})
    mine, theirs = locked[shift.pk], locked[other.pk]
    _editable(mine.schedule)
    if theirs.schedule_id != mine.schedule_id or theirs.agent_id == mine.agent_id:
        raise ValidationError({"other": "Choose another agent's shift in the same schedule."})
    leaving = {mine.pk, theirs.pk}
    problems = [
        *_check_placement(
            shift=mine, agent=theirs.agent, start=mine.start, leaving=leaving
        ).values(),
        *_check_placement(
            shift=theirs, agent=mine.agent, start=theirs.start, leaving=leaving
        ).values(),
    ]
    if problems:
        raise ValidationError({"other": problems})
    first_agent = mine.agent_id
    _place(mine, theirs.agent_id, mine.start)
    _place(theirs, first_agent, theirs.start)
    return mine, theirs


@transaction.atomic
def schedule_request_create(
    *, agent: AgentProfile, shift: Shift, kind: str, swap_with: Shift | None, note: str
) -> ScheduleRequest:
    """An agent asks for time off on one of their published shifts, or to swap it."""
    if shift.agent_id != agent.pk or shift.schedule.status != Schedule.Status.PUBLISHED:
        raise ValidationError({"shift": "Choose one of your published shifts."})
    if shift.start <= timezone.now():
        raise ValidationError({"shift": "That shift has started: ask your supervisor."})
    if kind == ScheduleRequest.Kind.SWAP:
        if swap_with is None or swap_with not in selectors.swap_candidates(shift=shift):
            raise ValidationError({"swap_with": "Choose a colleague's shift on the same day."})
    else:
        swap_with = None
    if ScheduleRequest.objects.filter(shift=shift, status=ScheduleRequest.Status.PENDING).exists():
        raise ValidationError({"shift": "A request for this shift is already waiting."})
    return ScheduleRequest.objects.create(
        agent=agent, shift=shift, kind=kind, swap_with=swap_with, note=note
    )


@transaction.atomic
def schedule_request_decide(
    *, request: ScheduleRequest, approve: bool, user: User
) -> ScheduleRequest:
    """A supervisor approves (time off taken, or the two shifts change hands) or declines."""
    request = ScheduleRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != ScheduleRequest.Status.PENDING:
        raise ValidationError("This request has been decided already.")
    if approve and request.kind == ScheduleRequest.Kind.TIME_OFF:
        Shift.objects.filter(pk=request.shift_id).update(is_time_off=True)
    elif approve and request.swap_with is not None:
        mine, theirs = request.shift, request.swap_with
        for shift, agent in ((mine, theirs.agent), (theirs, mine.agent)):
            if not shift.queue.qualified_agents().filter(pk=agent.pk).exists():
                raise ValidationError("One of them lacks the skills for the other's queue.")
            overlap = _overlap_problem(
                agent=agent, start=shift.start, end=shift.end, leaving={mine.pk, theirs.pk}
            )
            if overlap:
                raise ValidationError(overlap)
        mine.agent_id, theirs.agent_id = theirs.agent_id, mine.agent_id
        mine.save(update_fields=["agent"])
        theirs.save(update_fields=["agent"])
    request.status = ScheduleRequest.Status.APPROVED if approve else ScheduleRequest.Status.DECLINED
    request.decided_by = user
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    return request
