"""The schedule generator and its rules: coverage, breaks and lunch where the template
puts them, availability never crossed, weekends rotated; and the pages around it."""

from __future__ import annotations

from datetime import date, time, timedelta

import numpy as np
import pytest

from telephony.models import AgentProfile, Queue
from tests.factories import UserFactory
from tests.workforce.conftest import flat_forecast
from workforce import scheduling, selectors, services
from workforce.models import (
    Availability,
    Schedule,
    ScheduleRequest,
    Shift,
    ShiftTemplate,
)

EARLY = scheduling.Template(1, tuple(range(28, 37)), 34, ((8, 1, "break"), (16, 2, "lunch")))
SHORT = scheduling.Template(2, tuple(range(36, 61)), 16, ((8, 1, "break"),))
MORNINGS = tuple(tuple(28 <= s < 64 for s in range(96)) for _ in range(7))


def _requirement(days: int = 7, level: int = 4) -> np.ndarray:
    grid = np.zeros((days, 96), dtype=int)
    grid[:, 32:72] = level
    grid[:, 44:56] = level + 2
    return grid


def _team(count: int, **extra) -> list[scheduling.Agent]:
    return [scheduling.Agent(id=n, queues=frozenset({1}), **extra) for n in range(count)]


def test_generator_covers_a_feasible_requirement_fully():
    requirement = {1: _requirement()}
    result = scheduling.generate(
        requirement=requirement, agents=_team(20), templates=[EARLY, SHORT]
    )
    assert result.coverage_share(requirement) == 1.0
    # The fewest paid hours: never more than the greedy schedule.
    baseline = scheduling.greedy(
        requirement=requirement, agents=_team(20), templates=[EARLY, SHORT]
    )
    assert result.paid_quarter_hours([EARLY, SHORT]) <= baseline.paid_quarter_hours([EARLY, SHORT])


def test_coverage_leaves_out_breaks_and_lunch():
    working = EARLY.working(30)
    assert working.sum() == 34 - 3
    assert working[38] == 0 and working[46] == working[47] == 0
    assert working[30] == 1 and working[63] == 1 and working[64] == 0


def test_each_agent_works_one_shift_a_day_and_five_days_at_most():
    result = scheduling.generate(
        requirement={1: _requirement(level=12)}, agents=_team(10), templates=[EARLY, SHORT]
    )
    days_by_agent: dict[int, list[int]] = {}
    for a in result.assignments:
        days_by_agent.setdefault(a.agent, []).append(a.day)
    assert days_by_agent
    for days in days_by_agent.values():
        assert len(days) == len(set(days)) <= 5


def test_availability_is_never_crossed_even_when_short_of_staff():
    people = _team(6, available=MORNINGS)
    requirement = {1: _requirement(level=8)}  # more than six morning agents can give
    result = scheduling.generate(requirement=requirement, agents=people, templates=[EARLY, SHORT])
    assert result.coverage_share(requirement) < 1.0  # partial, and said so
    templates = {1: EARLY, 2: SHORT}
    for a in result.assignments:
        start, end = a.start, a.start + templates[a.template].length
        assert all(MORNINGS[a.day][start:end])


def test_agents_only_work_queues_they_are_skilled_for():
    people = [
        scheduling.Agent(id=1, queues=frozenset({1})),
        scheduling.Agent(id=2, queues=frozenset({2})),
        scheduling.Agent(id=3, queues=frozenset({1, 2})),
    ]
    requirement = {1: _requirement(level=1), 2: _requirement(level=1)}
    result = scheduling.generate(requirement=requirement, agents=people, templates=[EARLY, SHORT])
    skills = {agent.id: agent.queues for agent in people}
    assert result.assignments
    assert all(a.queue in skills[a.agent] for a in result.assignments)


def test_weekends_go_first_to_those_who_worked_fewest_lately():
    people = [scheduling.Agent(id=n, queues=frozenset({1}), recent_weekends=n) for n in range(6)]
    grid = np.zeros((7, 96), dtype=int)
    grid[5, 32:60] = 2  # Saturday only, two agents
    result = scheduling.generate(requirement={1: grid}, agents=people, templates=[EARLY])
    saturday = sorted(a.agent for a in result.assignments if a.day == 5)
    # Breaks take a third agent; the three are those with the fewest recent weekends.
    assert 2 <= len(saturday) < 6
    assert saturday == list(range(len(saturday)))


WEEK = date(2026, 3, 2)


def _planned_queue_with_agents(count: int) -> tuple[Queue, list[AgentProfile]]:
    queue = Queue.objects.create(name="Support")
    ShiftTemplate.objects.create(
        name="Day",
        earliest_start=time(8),
        latest_start=time(10),
        length_minutes=480,
        lunch_minutes=30,
        lunch_after_minutes=240,
        break_minutes=15,
        break_after_minutes=[120, 360],
    )
    flat_forecast(queue, first=WEEK, days=5, slots=range(36, 64), calls=20.0)
    agents = []
    for n in range(count):
        user = UserFactory.create(username=f"agent-{n}")
        agents.append(AgentProfile.objects.create(user=user, client_identity=f"agent-{n}"))
    return queue, agents


@pytest.mark.django_db
def test_generated_schedule_keeps_availability_and_breaks_and_reports_coverage():
    queue, agents = _planned_queue_with_agents(12)
    # One agent only on Monday mornings.
    Availability.objects.create(agent=agents[0], weekday=0, start=time(8), end=time(16, 30))
    schedule = services.schedule_generate(week_start=WEEK, time_limit_seconds=10)
    shifts = list(schedule.shifts.prefetch_related("activities"))
    assert shifts
    zone = selectors.center_zone()
    for shift in shifts:
        kinds = sorted(a.kind for a in shift.activities.all())
        assert kinds == ["break", "break", "lunch"]
        lunch = next(a for a in shift.activities.all() if a.kind == "lunch")
        assert lunch.start - shift.start == timedelta(minutes=240)
        assert all(shift.start < a.start < a.end < shift.end for a in shift.activities.all())
        if shift.agent_id == agents[0].pk:
            local = shift.start.astimezone(zone)
            assert local.weekday() == 0
            assert local.time() >= time(8) and shift.end.astimezone(zone).time() <= time(16, 30)
    (coverage,) = selectors.schedule_coverage(schedule=schedule)
    assert coverage.queue == queue
    assert coverage.share is not None and coverage.share > 0.9


@pytest.mark.django_db
def test_without_a_forecast_generating_is_refused_with_a_reason():
    with pytest.raises(Exception, match="No forecast for that week"):
        services.schedule_generate(week_start=WEEK)
    with pytest.raises(Exception, match="Monday"):
        services.schedule_generate(week_start=WEEK + timedelta(days=1))


@pytest.mark.django_db
def test_published_shifts_show_on_the_desk_and_time_off_is_approved(
    client_as, agent, supervisor, time_machine
):
    time_machine.move_to("2026-02-27 12:00Z")
    _queue, _agents = _planned_queue_with_agents(0)
    profile = AgentProfile.objects.create(user=agent, client_identity="alex")
    schedule = services.schedule_generate(week_start=WEEK, time_limit_seconds=5)
    client = client_as(agent)
    assert "No published shifts ahead" in client.get("/workforce/desk/").content.decode()
    services.schedule_publish(schedule=schedule)
    panel = client.get("/workforce/desk/").content.decode()
    shift = Shift.objects.filter(agent=profile).first()
    assert shift is not None and shift.start.strftime("%d") in panel
    response = client.post(
        "/workforce/desk/request/", {"shift": shift.pk, "kind": "time_off", "note": "dentist"}
    )
    assert response.status_code == 200
    asked = ScheduleRequest.objects.get()
    assert asked.status == ScheduleRequest.Status.PENDING
    response = client_as(supervisor).post(
        f"/workforce/requests/{asked.pk}/decide/", {"approve": "1"}
    )
    assert response.status_code == 302
    asked.refresh_from_db()
    shift.refresh_from_db()
    assert asked.status == ScheduleRequest.Status.APPROVED and shift.is_time_off
    assert Schedule.objects.get().status == Schedule.Status.PUBLISHED


@pytest.mark.django_db
def test_a_request_for_someone_elses_shift_is_a_form_error(client_as, agent, other_agent):
    _planned_queue_with_agents(0)
    AgentProfile.objects.create(user=agent, client_identity="alex")
    other = AgentProfile.objects.create(user=other_agent, client_identity="bea")
    schedule = services.schedule_generate(week_start=WEEK, time_limit_seconds=5)
    services.schedule_publish(schedule=schedule)
    theirs = Shift.objects.filter(agent=other).first()
    response = client_as(agent).post(
        "/workforce/desk/request/", {"shift": theirs.pk, "kind": "time_off"}
    )
    assert response.status_code == 400
    assert not ScheduleRequest.objects.exists()


@pytest.mark.django_db
def test_schedule_page_shows_coverage_against_requirement(client_as, manager):
    _planned_queue_with_agents(8)
    client = client_as(manager)
    response = client.post(
        "/workforce/schedules/generate/", {"week_start": "2026-03-02"}, follow=True
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Support: coverage" in body and 'title="on the phones / required"' in body
    response = client.post(
        "/workforce/schedules/generate/", {"week_start": "2026-03-03"}, follow=True
    )
    assert "starts on a Monday" in response.content.decode()
