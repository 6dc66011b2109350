"""Shifts across midnight: a 22:00-06:00 night shift from its template to the generator,
coverage on both its days, the week's boundary, no overlap with the next day's shift,
hand edits, adherence against presence through the night and the desk's display."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from reports.periods import center_zone
from telephony.models import AgentProfile, Queue
from tests.factories import UserFactory
from tests.workforce.conftest import flat_forecast, presence_at
from workforce import adherence, scheduling, selectors, services
from workforce.models import (
    Availability,
    Schedule,
    Shift,
    ShiftActivity,
    ShiftTemplate,
)

State = AgentProfile.State

# 22:00 start (slot 88), 8 hours; a break at 00:00, lunch at 02:00, a break at 04:00: all
# after midnight.
NIGHT = scheduling.Template(3, (88,), 32, ((8, 1, "break"), (16, 2, "lunch"), (24, 1, "break")))
# 05:00-09:00 starts, 8 hours: an early shift that a night shift of the day before runs into.
EARLY = scheduling.Template(4, tuple(range(20, 37)), 32, ((16, 2, "lunch"),))


def _nights(level: int, days: int = 7) -> np.ndarray:
    """Agents needed 22:00-06:00 every night (each night's morning on the next day)."""
    grid = np.zeros((days, 96), dtype=int)
    grid[:, 88:] = level
    grid[:, :24] = level
    return grid


def _team(count: int, **extra) -> list[scheduling.Agent]:
    return [scheduling.Agent(id=n, queues=frozenset({1}), **extra) for n in range(count)]


def _span(day: int, template: scheduling.Template, start: int) -> tuple[int, int]:
    """A shift's quarter hours on the week's timeline."""
    return day * 96 + start, day * 96 + start + template.length


def test_a_night_shift_is_on_the_phones_on_both_days_except_its_breaks():
    working = NIGHT.working(88)
    assert working.shape == (192,)
    assert working[88:96].all()  # 22:00-24:00 of its day
    assert working[96] == 0  # the 00:00 break
    assert working[104] == working[105] == 0  # lunch 02:00-02:30
    assert working[112] == 0  # the 04:00 break
    assert working[97:104].all() and working[106:112].all() and working[113:120].all()
    assert not working[120:].any() and not working[:88].any()  # 06:00 the next day
    assert working.sum() == 32 - 4


def test_the_generator_covers_nights_on_both_days():
    requirement = {1: _nights(3)}
    templates = [NIGHT]
    for make in (scheduling.generate, scheduling.greedy):
        result = make(requirement=requirement, agents=_team(12), templates=templates)
        coverage = result.coverage[1]
        # Tuesday 01:00 is covered by Monday's night shifts, counted on Tuesday.
        assert coverage[1, 4] >= 3
        # Monday 00:00-06:00 comes from the week before's Sunday night: not in this week.
        assert coverage[0, :24].sum() == 0
        # Every night this week from 22:00, and each following morning, fully covered
        # outside the breaks' quarter hours.
        nights = requirement[1].copy()
        nights[0, :24] = 0
        staffed = np.minimum(coverage, nights).sum()
        assert staffed >= nights.sum() * 0.85
        assert all(a.start == 88 for a in result.assignments)


def test_an_agents_night_shift_never_overlaps_their_next_days_shift():
    # Nights and early mornings both needed, with few agents: the program must not count
    # on the same people twice.
    grid = _nights(2)
    grid[:, 24:48] = 3  # 06:00-12:00
    requirement = {1: grid}
    templates = [NIGHT, EARLY]
    by_id = {t.id: t for t in templates}
    for make in (scheduling.generate, scheduling.greedy):
        result = make(requirement=requirement, agents=_team(7), templates=templates)
        assert result.assignments
        per_agent: dict[int, list[tuple[int, int]]] = {}
        for a in result.assignments:
            per_agent.setdefault(a.agent, []).append(_span(a.day, by_id[a.template], a.start))
        for spans in per_agent.values():
            spans.sort()
            assert all(end <= start for (_s, end), (start, _e) in itertools.pairwise(spans))
            assert len(spans) <= 5


def test_availability_across_midnight_is_never_crossed():
    # Nights only: 22:00-24:00 and the next day's 00:00-06:00, but Thursday night off
    # (no Thursday evening, no Friday morning).
    night_owl = []
    for day in range(7):
        slots = [s >= 88 or s < 24 for s in range(96)]
        if day == 3:
            slots = [s < 24 for s in range(96)]
        if day == 4:
            slots = [s >= 88 for s in range(96)]
        night_owl.append(tuple(slots))
    # Evenings only: available 22:00-24:00 and never after midnight.
    evenings = tuple(tuple(s >= 88 for s in range(96)) for _ in range(7))
    people = [
        *(
            scheduling.Agent(id=n, queues=frozenset({1}), available=tuple(night_owl))
            for n in range(4)
        ),
        *(scheduling.Agent(id=10 + n, queues=frozenset({1}), available=evenings) for n in range(4)),
    ]
    requirement = {1: _nights(4)}  # more than the four night owls can give
    for make in (scheduling.generate, scheduling.greedy):
        result = make(requirement=requirement, agents=people, templates=[NIGHT])
        assert result.assignments
        available = {agent.id: agent.available for agent in people}
        for a in result.assignments:
            first, last = _span(a.day, NIGHT, a.start)
            days = available[a.agent]
            timeline = [ok for day in (a.day, (a.day + 1) % 7) for ok in days[day]]
            assert all(timeline[first - a.day * 96 : last - a.day * 96])
            assert a.agent < 10  # the evening-only agents cannot work a night
            assert a.day != 3  # Thursday night is nobody's
        assert result.coverage_share(requirement) < 1.0


def test_after_last_weeks_sunday_night_an_agent_starts_no_earlier_than_it_ends():
    grid = np.zeros((7, 96), dtype=int)
    grid[0, 20:52] = 1  # Monday 05:00-13:00: one agent
    people = [
        scheduling.Agent(id=1, queues=frozenset({1}), free_from=24),  # worked until 06:00
        scheduling.Agent(id=2, queues=frozenset({1})),
    ]
    result = scheduling.generate(requirement={1: grid}, agents=people, templates=[EARLY])
    for a in result.assignments:
        if a.agent == 1 and a.day == 0:
            assert a.start >= 24


# The database side: one queue needing two agents every night of the week.

WEEK = date(2026, 3, 2)
NEXT_WEEK = WEEK + timedelta(days=7)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def _night_template() -> ShiftTemplate:
    template = ShiftTemplate(
        name="Night",
        earliest_start=time(22),
        latest_start=time(22),
        length_minutes=480,
        lunch_minutes=30,
        lunch_after_minutes=240,
        break_minutes=15,
        break_after_minutes=[120, 360],
    )
    template.full_clean()
    template.save()
    return template


def _night_forecast(queue: Queue, first: date, days: int) -> None:
    flat_forecast(queue, first=first, days=days, slots=[*range(0, 24), *range(88, 96)], calls=8.0)


def _agents(count: int) -> list[AgentProfile]:
    return [
        AgentProfile.objects.create(
            user=UserFactory.create(username=f"night-{n}"), client_identity=f"night-{n}"
        )
        for n in range(count)
    ]


@pytest.mark.django_db
def test_a_night_template_is_valid_and_its_breaks_must_end_inside_it():
    _night_template()  # full_clean passed: 22:00 + 8 h, breaks after midnight
    late = ShiftTemplate(
        name="Late break",
        earliest_start=time(22),
        latest_start=time(22),
        length_minutes=480,
        break_after_minutes=[470],
    )
    with pytest.raises(ValidationError, match="inside the shift"):
        late.full_clean()
    odd = ShiftTemplate(
        name="Odd", earliest_start=time(22), latest_start=time(22), length_minutes=470
    )
    with pytest.raises(ValidationError, match="quarter hours"):
        odd.full_clean()


@pytest.mark.django_db
def test_overnight_availability_and_the_generated_night_shifts():
    queue = Queue.objects.create(name="Night desk")
    _night_template()
    _night_forecast(queue, WEEK, 7)
    people = _agents(6)
    # Every agent may work only 22:00-06:00, given as one row per night that runs into the
    # next morning (Sunday's runs into next Monday's).
    for agent in people:
        Availability.objects.bulk_create(
            Availability(agent=agent, weekday=day, start=time(22), end=time(6)) for day in range(7)
        )
    row = Availability(agent=people[0], weekday=0, start=time(22), end=time(22))
    with pytest.raises(ValidationError, match="another time"):
        row.full_clean()
    schedule = services.schedule_generate(week_start=WEEK, time_limit_seconds=10)
    shifts = list(schedule.shifts.prefetch_related("activities"))
    assert shifts
    for shift in shifts:
        assert shift.start.time() == time(22)
        assert shift.end == shift.start + timedelta(hours=8)
        assert shift.end.date() == shift.start.date() + timedelta(days=1)
        # Breaks and lunch where the template says, all inside, two after midnight.
        offsets = sorted((a.start - shift.start, a.kind) for a in shift.activities.all())
        assert offsets == [
            (timedelta(minutes=120), "break"),
            (timedelta(minutes=240), "lunch"),
            (timedelta(minutes=360), "break"),
        ]
        assert all(shift.start < a.start < a.end < shift.end for a in shift.activities.all())
    per_agent: dict[int, list[Shift]] = {}
    for shift in shifts:
        per_agent.setdefault(shift.agent_id, []).append(shift)
    for own in per_agent.values():
        own.sort(key=lambda s: s.start)
        assert all(a.end <= b.start for a, b in itertools.pairwise(own))
    (coverage,) = selectors.schedule_coverage(schedule=schedule)
    cells = {row.interval: row.cells for row in coverage.rows}
    on_tuesday_at_one = cells[time(1)][1][0]
    assert on_tuesday_at_one == sum(1 for s in shifts if s.start.date() == WEEK)
    assert on_tuesday_at_one > 0
    # Monday 00:00-06:00 would be last week's Sunday night: none here, so short.
    assert cells[time(1)][0] == (0, cells[time(1)][0][1])


@pytest.mark.django_db
def test_a_sunday_night_shift_counts_in_the_next_week_and_its_agent_starts_after_it():
    queue = Queue.objects.create(name="Night desk")
    template = _night_template()
    _night_forecast(queue, WEEK, 14)
    ann, *_others = _agents(6)
    first = Schedule.objects.create(
        week_start=WEEK, status=Schedule.Status.PUBLISHED, generated_at=at(WEEK, 0)
    )
    sunday = WEEK + timedelta(days=6)
    Shift.objects.create(
        schedule=first,
        agent=ann,
        queue=queue,
        template=template,
        start=at(sunday, 22),
        end=at(NEXT_WEEK, 6),
    )
    needed = selectors.requirement(queues=[queue], first_day=NEXT_WEEK, days=7)[queue.pk]
    schedule = services.schedule_generate(week_start=NEXT_WEEK, time_limit_seconds=10)
    (coverage,) = selectors.schedule_coverage(schedule=schedule)
    cells = {row.interval: row.cells for row in coverage.rows}
    monday_one = cells[time(1)][0]
    assert monday_one == (1, needed[0, 4])  # Ann's Sunday night, worked this Monday
    # Ann is not given a shift that starts before 06:00 Monday, and the rest of the week
    # is planned with what her night covers taken off Monday's requirement.
    assert not schedule.shifts.filter(agent=ann, start__lt=at(NEXT_WEEK, 6)).exists()
    assert Shift.objects.filter(schedule=schedule).exists()


@pytest.fixture
def night_draft(db):
    """Ann on Monday night 22:00-06:00 in a draft; Ben on Tuesday 07:00 on an early
    template whose window reaches back to 05:00."""
    queue = Queue.objects.create(name="Night desk")
    night = _night_template()
    early = ShiftTemplate.objects.create(
        name="Early", earliest_start=time(5), latest_start=time(9), length_minutes=480
    )
    _night_forecast(queue, WEEK, 2)
    schedule = Schedule.objects.create(week_start=WEEK, generated_at=at(WEEK, 0))
    ann, ben = _agents(2)
    tuesday = WEEK + timedelta(days=1)
    ann_night = Shift.objects.create(
        schedule=schedule,
        agent=ann,
        queue=queue,
        template=night,
        start=at(WEEK, 22),
        end=at(tuesday, 6),
    )
    ben_early = Shift.objects.create(
        schedule=schedule,
        agent=ben,
        queue=queue,
        template=early,
        start=at(tuesday, 7),
        end=at(tuesday, 15),
    )
    return schedule, ann, ben, ann_night, ben_early


def _start_day(shift: Shift) -> date:
    """The local day a shift starts on: a move that keeps it there."""
    return shift.start.astimezone(center_zone()).date()


def test_giving_the_next_mornings_shift_to_the_night_agent_is_refused(night_draft):
    _schedule, ann, _ben, _night, ben_early = night_draft
    with pytest.raises(ValidationError, match="must not overlap"):
        services.shift_move(shift=ben_early, day=_start_day(ben_early), start=time(5), agent=ann)
    ben_early.refresh_from_db()
    assert ben_early.agent.client_identity == "night-1"
    # 06:00 is free: her night ends then.
    services.shift_move(shift=ben_early, day=_start_day(ben_early), start=time(6), agent=ann)
    ben_early.refresh_from_db()
    assert ben_early.agent_id == ann.pk


def test_a_night_shift_moved_onto_an_agent_available_before_midnight_only_is_refused(
    night_draft,
):
    _schedule, _ann, ben, ann_night, ben_early = night_draft
    ben_early.delete()
    Availability.objects.create(agent=ben, weekday=0, start=time(18), end=time(0))
    with pytest.raises(ValidationError, match="not available Mon 22:00 to Tue 06:00"):
        services.shift_move(shift=ann_night, day=_start_day(ann_night), start=time(22), agent=ben)
    # Available through the night (a row into Tuesday): accepted.
    Availability.objects.filter(agent=ben).update(end=time(6, 30))
    services.shift_move(shift=ann_night, day=_start_day(ann_night), start=time(22), agent=ben)
    ann_night.refresh_from_db()
    assert ann_night.agent_id == ben.pk


@pytest.mark.django_db
def test_adherence_follows_presence_through_the_night(time_machine):
    queue = Queue.objects.create(name="Night desk")
    template = _night_template()
    (ann,) = _agents(1)
    schedule = Schedule.objects.create(
        week_start=WEEK, status=Schedule.Status.PUBLISHED, generated_at=at(WEEK, 0)
    )
    tuesday = WEEK + timedelta(days=1)
    shift = Shift.objects.create(
        schedule=schedule,
        agent=ann,
        queue=queue,
        template=template,
        start=at(WEEK, 22),
        end=at(tuesday, 6),
    )
    ShiftActivity.objects.create(
        shift=shift, kind="break", start=at(tuesday, 2), end=at(tuesday, 2, 15)
    )
    presence_at(time_machine, ann, at(WEEK, 22), State.AVAILABLE)
    presence_at(time_machine, ann, at(tuesday, 2), State.NOT_READY, "break")
    time_machine.move_to(at(tuesday, 2, 30), tick=False)
    # Still on the break 15 minutes after it ended, past midnight: out of adherence now.
    (out,) = adherence.out_of_adherence_now()
    assert out.agent == ann and out.scheduled == "phones"
    presence_at(time_machine, ann, at(tuesday, 2, 30), State.AVAILABLE)
    presence_at(time_machine, ann, at(tuesday, 6), State.OFFLINE)
    time_machine.move_to(at(tuesday, 12), tick=False)
    # Reported on Monday, the day the shift starts, with its hours after midnight.
    (row,) = adherence.agents_adherence(agents=[ann], first=WEEK, last=WEEK)
    assert row.scheduled == timedelta(hours=8)
    assert row.in_adherence == timedelta(hours=8) - timedelta(minutes=15)
    assert row.conformance == pytest.approx(1.0)
    # Tuesday has no shift starting on it: nothing to report, the night is not counted twice.
    assert adherence.agents_adherence(agents=[ann], first=tuesday, last=tuesday) == []


@pytest.mark.django_db
def test_the_desk_shows_a_night_shift_ending_the_next_day(client_as, agent, time_machine):
    time_machine.move_to(at(WEEK, 12), tick=False)
    queue = Queue.objects.create(name="Night desk")
    template = _night_template()
    profile = AgentProfile.objects.create(user=agent, client_identity="alex")
    schedule = Schedule.objects.create(
        week_start=WEEK, status=Schedule.Status.PUBLISHED, generated_at=at(WEEK, 0)
    )
    tuesday = WEEK + timedelta(days=1)
    shift = Shift.objects.create(
        schedule=schedule,
        agent=profile,
        queue=queue,
        template=template,
        start=at(WEEK, 22),
        end=at(tuesday, 6),
    )
    ShiftActivity.objects.create(
        shift=shift, kind="break", start=at(tuesday, 0), end=at(tuesday, 0, 15)
    )
    panel = client_as(agent).get("/workforce/desk/").content.decode()
    assert "22:00\u201306:00" in panel and "next day Tue" in panel
    assert "Break 00:00" in panel


@pytest.mark.django_db
def test_a_swap_that_would_overlap_the_night_before_is_not_approved(supervisor, time_machine):
    time_machine.move_to(at(WEEK, 12), tick=False)
    queue = Queue.objects.create(name="Night desk")
    night = _night_template()
    early = ShiftTemplate.objects.create(
        name="Early", earliest_start=time(5), latest_start=time(10), length_minutes=480
    )
    ann, ben = _agents(2)
    schedule = Schedule.objects.create(
        week_start=WEEK, status=Schedule.Status.PUBLISHED, generated_at=at(WEEK, 0)
    )
    tuesday = WEEK + timedelta(days=1)

    def shift(agent, template, start):
        return Shift.objects.create(
            schedule=schedule,
            agent=agent,
            queue=queue,
            template=template,
            start=start,
            end=start + timedelta(hours=8),
        )

    shift(ann, night, at(WEEK, 22))
    ann_tuesday = shift(ann, early, at(tuesday, 10))
    ben_tuesday = shift(ben, early, at(tuesday, 5))
    asked = services.schedule_request_create(
        agent=ann, shift=ann_tuesday, kind="swap", swap_with=ben_tuesday, note=""
    )
    with pytest.raises(ValidationError, match="must not overlap"):
        services.schedule_request_decide(request=asked, approve=True, user=supervisor)
    ann_tuesday.refresh_from_db()
    ben_tuesday.refresh_from_db()
    assert (ann_tuesday.agent_id, ben_tuesday.agent_id) == (ann.pk, ben.pk)


def test_availability_of_the_whole_day_is_midnight_to_midnight():
    Availability(weekday=2, start=time(0), end=time(0)).clean()  # refused nothing
    with pytest.raises(ValidationError, match="ends at another time"):
        Availability(weekday=2, start=time(9), end=time(9)).clean()


def test_a_shift_beside_a_night_shift_is_placed_by_handing_a_colleagues_on():
    # Ann works 23:00-08:00 into Tuesday; Tuesday needs a 06:00 and a 09:00 shift. Dealt
    # latest-ending first, 09:00 went to Ben (more days left), and 06:00, which only Ben
    # could work, was left out: Ben hands 09:00 on to Ann and takes 06:00.
    late_night = scheduling.Template(5, (92,), 36)
    ann, ben = _team(2)
    group = scheduling._Group(ann.queues, ann.available, ann.max_days, ann.free_from)
    counts = {
        (group, 0): [(late_night, 92, 1)],
        (group, 1): [(EARLY, 24, 1), (EARLY, 36, 1)],
    }
    dealt = scheduling._deal({group: [ann, ben]}, counts, days=2)
    assert sorted((a.agent, a.day, a.start) for a in dealt) == [
        (ann.id, 0, 92),
        (ann.id, 1, 36),
        (ben.id, 1, 24),
    ]
