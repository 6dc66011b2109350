"""Supervisors' hand edits of a draft schedule: a shift moved (another start, day or
agent) or two swapped within the generator's rules (start window, availability, one shift
a day, breaks kept), the coverage recomputed; refused edits answer 400 with their
messages and change nothing; published schedules are not edited. The edit page of a
300-agent week stays small."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.contrib.auth.models import User

from telephony.models import AgentProfile, Queue
from tests.workforce.conftest import MONDAY, TUESDAY, WEEK, flat_forecast
from workforce import selectors
from workforce.models import (
    Availability,
    Schedule,
    Shift,
    ShiftActivity,
    ShiftTemplate,
)


def _on_phones(schedule: Schedule, day_index: int, at: time) -> int:
    (coverage,) = selectors.schedule_coverage(schedule=schedule)
    row = next(r for r in coverage.rows if r.interval == at)
    return row.cells[day_index][0]


def _snapshot(schedule: Schedule) -> list[tuple]:
    return [
        (s.pk, s.agent_id, s.start, s.end, [(a.start, a.end) for a in s.activities.all()])
        for s in schedule.shifts.prefetch_related("activities").order_by("pk")
    ]


def _move(client, schedule, shift, start, *, day=MONDAY, agent="", htmx=False):
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    data = {"shift": shift.pk, "day": day.isoformat(), "start": start, "agent": agent}
    return client.post(f"/workforce/schedules/{schedule.pk}/move/", data, **extra)


def _swap(client, schedule, shift, other, *, htmx=False):
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    data = {"shift": shift.pk, "other": other.pk}
    return client.post(f"/workforce/schedules/{schedule.pk}/swap/", data, **extra)


def test_a_move_within_the_window_changes_coverage_and_moves_the_breaks(
    client_as, supervisor, draft
):
    schedule, _people, shifts = draft
    assert _on_phones(schedule, 0, time(8)) == 2 and _on_phones(schedule, 0, time(17)) == 0
    response = _move(client_as(supervisor), schedule, shifts["ben_mon"], "10:00", htmx=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="schedule"' in body and "<html" not in body and 'id="edit-done"' in body
    assert _on_phones(schedule, 0, time(8)) == 1
    assert _on_phones(schedule, 0, time(17)) == 1  # Ben now works until 18:00
    moved = Shift.objects.get(pk=shifts["ben_mon"].pk)
    assert moved.end - moved.start == timedelta(minutes=480)
    offsets = sorted((a.kind, a.start - moved.start) for a in moved.activities.all())
    assert offsets == [("break", timedelta(minutes=120)), ("lunch", timedelta(minutes=240))]
    # Ben's break moved to 12:00, with Ann's lunch: nobody then; Ann's break at 10:00.
    assert _on_phones(schedule, 0, time(10)) == 1 and _on_phones(schedule, 0, time(12)) == 0
    # The section's own coverage row for Monday says so: 1 on the phones at 08:00 and 17:00.
    assert 'id="coverage-row-' in body
    assert f'data-shift="{moved.pk}" data-start="10:00"' in body


def test_a_move_to_another_day_keeps_the_rules_of_that_day(client_as, supervisor, draft):
    schedule, people, shifts = draft
    client = client_as(supervisor)
    response = _move(client, schedule, shifts["ben_mon"], "09:00", day=TUESDAY)
    assert response.status_code == 302 and "day=2026-03-03" in response["Location"]
    moved = Shift.objects.get(pk=shifts["ben_mon"].pk)
    assert moved.start == selectors.slot_start(TUESDAY, 36, selectors.center_zone())
    assert _on_phones(schedule, 0, time(8)) == 1 and _on_phones(schedule, 1, time(9)) == 1
    # Ann already works Tuesday: her Monday shift may not join it.
    response = _move(client, schedule, shifts["ann_mon"], "09:00", day=TUESDAY)
    assert response.status_code == 400
    assert f"{people['ann']} already works a shift on Tue 03 Mar" in response.content.decode()


def test_a_move_to_another_agent_and_a_swap(client_as, manager, draft):
    schedule, people, shifts = draft
    client = client_as(manager)
    response = _move(
        client, schedule, shifts["ann_tue"], "10:00", day=TUESDAY, agent=people["cy"].pk
    )
    assert response.status_code == 302
    assert Shift.objects.get(pk=shifts["ann_tue"].pk).agent == people["cy"]
    before = _on_phones(schedule, 1, time(10))
    # Ann (Monday 08:00) and Cy (Tuesday 10:00) exchange: each day keeps its coverage.
    response = _swap(client, schedule, shifts["ann_mon"], shifts["ann_tue"])
    assert response.status_code == 302
    assert Shift.objects.get(pk=shifts["ann_mon"].pk).agent == people["cy"]
    assert Shift.objects.get(pk=shifts["ann_tue"].pk).agent == people["ann"]
    assert _on_phones(schedule, 1, time(10)) == before == 1
    assert _on_phones(schedule, 0, time(8)) == 2


def test_a_move_outside_availability_is_refused_and_changes_nothing(client_as, supervisor, draft):
    schedule, people, shifts = draft
    Availability.objects.create(agent=people["ben"], weekday=0, start=time(8), end=time(16))
    before = _snapshot(schedule)
    response = _move(client_as(supervisor), schedule, shifts["ben_mon"], "09:00")
    assert response.status_code == 400
    assert f"{people['ben']} is not available Mon 09:00 to 17:00" in response.content.decode()
    assert _snapshot(schedule) == before


def test_outside_the_template_window_is_refused(client_as, supervisor, draft):
    schedule, _people, shifts = draft
    before = _snapshot(schedule)
    client = client_as(supervisor)
    for start in ("11:00", "07:45", "09:10"):
        response = _move(client, schedule, shifts["ben_mon"], start)
        assert response.status_code == 400
        assert "Day starts on a quarter hour between 08:00 and 10:00" in response.content.decode()
    assert _snapshot(schedule) == before


def test_a_refused_htmx_edit_answers_400_with_the_section_and_the_shift_marked(
    client_as, supervisor, draft
):
    schedule, _people, shifts = draft
    before = _snapshot(schedule)
    response = _move(client_as(supervisor), schedule, shifts["ben_mon"], "11:00", htmx=True)
    assert response.status_code == 400
    body = response.content.decode()
    assert "<html" not in body and 'id="edit-errors" role="alert"' in body
    assert "Day starts on a quarter hour between 08:00 and 10:00" in body
    ben = shifts["ben_mon"].pk
    assert f'class="shift refused" id="shift-{ben}" data-shift="{ben}" data-start="08:00"' in body
    assert _snapshot(schedule) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"shift": "999999", "day": "2026-03-02", "start": "09:00"},
            "No shift #999999 in this schedule.",
        ),
        (
            {"shift": "9" * 30, "day": "2026-03-02", "start": "09:00"},
            f"No shift #{'9' * 30} in this schedule.",
        ),
        (
            {"shift": "nine", "day": "2026-03-02", "start": "09:00"},
            "No shift #nine in this schedule.",
        ),
        ({"shift": "", "day": "2026-03-02", "start": "09:00"}, "This field is required."),
        ({"day": "2026-03-09", "start": "09:00"}, "Choose a day of the week of 02 Mar."),
        ({"day": "2026-03-02", "start": "25:00"}, "Enter a valid time."),
    ],
)
def test_bad_move_input_gets_clear_errors(client_as, supervisor, draft, data, message):
    schedule, _people, shifts = draft
    data = {"shift": shifts["ben_mon"].pk, "agent": "", **data}
    before = _snapshot(schedule)
    for htmx in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client_as(supervisor).post(
            f"/workforce/schedules/{schedule.pk}/move/", data, **htmx
        )
        assert response.status_code == 400
        assert message in response.content.decode()
    assert _snapshot(schedule) == before


def test_a_shift_of_another_schedule_is_unknown_here(client_as, supervisor, draft):
    schedule, _people, shifts = draft
    other_week = Schedule.objects.create(
        week_start=WEEK + timedelta(days=7), generated_at=schedule.generated_at
    )
    before = _snapshot(schedule)
    client = client_as(supervisor)
    response = client.post(
        f"/workforce/schedules/{other_week.pk}/move/",
        {"shift": shifts["ben_mon"].pk, "day": "2026-03-09", "start": "09:00"},
    )
    assert response.status_code == 400
    assert f"No shift #{shifts['ben_mon'].pk} in this schedule." in response.content.decode()
    response = _swap(client, other_week, shifts["ben_mon"], shifts["ann_mon"], htmx=True)
    assert response.status_code == 400
    assert f"No shift #{shifts['ben_mon'].pk} in this schedule." in response.content.decode()
    assert client.post("/workforce/schedules/999999/move/", {}).status_code == 404
    assert _snapshot(schedule) == before


def test_a_second_shift_the_same_day_is_refused_by_move_and_swap(client_as, supervisor, draft):
    schedule, people, shifts = draft
    client = client_as(supervisor)
    before = _snapshot(schedule)
    response = _move(
        client, schedule, shifts["ben_mon"], "08:00", agent=people["ann"].pk, htmx=True
    )
    assert response.status_code == 400  # the section again, with the error on it
    assert 'id="edit-errors"' in response.content.decode()
    assert f"{people['ann']} already works a shift on Mon 02 Mar" in response.content.decode()
    # Ann's Tuesday for Ben's Monday: Ann would work Monday twice.
    response = _swap(client, schedule, shifts["ann_tue"], shifts["ben_mon"])
    assert response.status_code == 400
    assert f"{people['ann']} already works a shift on Mon 02 Mar" in response.content.decode()
    # A shift swapped with the same agent's other shift.
    response = _swap(client, schedule, shifts["ann_tue"], shifts["ann_mon"], htmx=True)
    assert response.status_code == 400
    assert "Choose another agent&#x27;s shift in the same schedule." in response.content.decode()
    assert _snapshot(schedule) == before


def test_a_published_schedule_refuses_edits(client_as, manager, draft):
    schedule, _people, shifts = draft
    schedule.status = Schedule.Status.PUBLISHED
    schedule.save()
    before = _snapshot(schedule)
    client = client_as(manager)
    for htmx in (False, True):
        response = _move(client, schedule, shifts["ben_mon"], "09:00", htmx=htmx)
        assert response.status_code == 400
        assert "This schedule is published" in response.content.decode()
        response = _swap(client, schedule, shifts["ann_mon"], shifts["ben_mon"], htmx=htmx)
        assert response.status_code == 400
        assert "This schedule is published" in response.content.decode()
    assert _snapshot(schedule) == before
    page = client.get("/workforce/schedules/").content.decode()
    assert f'id="shift-{shifts["ben_mon"].pk}"' in page  # shown, not editable
    assert 'draggable="true"' not in page and 'id="move-form"' not in page
    assert "data-move-url" not in page


def test_agents_may_not_edit_schedules(client_as, agent, draft):
    schedule, _people, shifts = draft
    before = _snapshot(schedule)
    client = client_as(agent)
    assert _move(client, schedule, shifts["ben_mon"], "09:00").status_code == 403
    assert _swap(client, schedule, shifts["ann_mon"], shifts["ben_mon"]).status_code == 403
    assert _snapshot(schedule) == before


def test_the_draft_page_shows_a_days_grid_with_the_edit_forms(client_as, supervisor, draft):
    schedule, people, shifts = draft
    client = client_as(supervisor)
    body = client.get("/workforce/schedules/").content.decode()
    assert f'hx-post="/workforce/schedules/{schedule.pk}/move/"' in body
    assert f'hx-post="/workforce/schedules/{schedule.pk}/swap/"' in body
    assert f'data-move-url="/workforce/schedules/{schedule.pk}/move/"' in body
    # Monday: Ann's and Ben's shifts on their lanes; Ann's Tuesday is not on it.
    assert f'id="shift-{shifts["ben_mon"].pk}"' in body
    assert f'id="shift-{shifts["ann_tue"].pk}"' not in body
    assert f'<div class="lane" data-agent="{people["ben"].pk}">' in body
    tuesday = client.get(
        f"/workforce/schedules/?schedule={schedule.pk}&day=2026-03-03", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in tuesday and f'id="shift-{shifts["ann_tue"].pk}"' in tuesday
    # Ann's Tuesday 10:00-18:00 on the day's span (08:00-18:00 for the template's window).
    assert 'style="left:20.0%;width:80.0%"' in tuesday
    # A day outside the week shows the week's first.
    stray = client.get(f"/workforce/schedules/?schedule={schedule.pk}&day=2027-01-01")
    assert f'id="shift-{shifts["ben_mon"].pk}"' in stray.content.decode()


@pytest.fixture
def big_week(db):
    """A draft week of 300 agents, each on five 8-hour shifts with a break and a lunch."""
    queue = Queue.objects.create(name="Support")
    template = ShiftTemplate.objects.create(
        name="Day", earliest_start=time(7), latest_start=time(11), length_minutes=480
    )
    flat_forecast(queue, first=WEEK, days=7, slots=range(28, 76), calls=400.0)
    zone = selectors.center_zone()
    users = User.objects.bulk_create(
        User(username=f"agent{n:03}", first_name=f"Agent{n:03}", last_name="Martinez-Okafor")
        for n in range(300)
    )
    agents = AgentProfile.objects.bulk_create(
        AgentProfile(user=user, client_identity=user.username) for user in users
    )
    schedule = Schedule.objects.create(
        week_start=WEEK, generated_at=selectors.slot_start(WEEK, 0, zone)
    )
    shifts = Shift.objects.bulk_create(
        Shift(
            schedule=schedule,
            agent=agent,
            queue=queue,
            template=template,
            start=(
                start := selectors.slot_start(WEEK + timedelta(days=(n + d) % 7), 28 + n % 17, zone)
            ),
            end=start + timedelta(minutes=480),
        )
        for n, agent in enumerate(agents)
        for d in range(5)
    )
    ShiftActivity.objects.bulk_create(
        ShiftActivity(
            shift=shift, kind=kind, start=shift.start + after, end=shift.start + after + length
        )
        for shift in shifts
        for kind, after, length in (
            ("break", timedelta(hours=2), timedelta(minutes=15)),
            ("lunch", timedelta(hours=4), timedelta(minutes=30)),
        )
    )
    return schedule


# Measured on this fixture (Monday: 214 shifts on 300 lanes), in both database modes:
# 143 kB and 58 queries, 42 of them the requirement's reads for the coverage (6 per queue
# and day, none per agent or shift); the per-shift forms this page replaced made it
# 44.3 MB (769,930 options) on the same week. The limits leave room for markup, not for
# anything that grows with agents x slots, nor for queries per agent.
PAGE_BYTES_LIMIT = 200_000
PAGE_QUERIES_LIMIT = 60


def test_the_edit_page_of_a_300_agent_week_stays_small(
    client_as, supervisor, big_week, django_assert_max_num_queries
):
    client = client_as(supervisor)
    with django_assert_max_num_queries(PAGE_QUERIES_LIMIT) as queries:
        response = client.get(f"/workforce/schedules/?schedule={big_week.pk}")
    body = response.content.decode()
    assert response.status_code == 200
    assert (
        body.count('draggable="true"')
        == big_week.shifts.filter(
            start__lt=selectors.slot_start(TUESDAY, 0, selectors.center_zone())
        ).count()
    )
    assert body.count('class="lane" data-agent=') == 300
    assert len(response.content) < PAGE_BYTES_LIMIT, (
        f"{len(response.content)} bytes, {len(queries)} queries"
    )
