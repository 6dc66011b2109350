"""Supervisors' hand edits of a draft schedule: a shift moved or two swapped within the
generator's rules (start window, availability, one shift a day, breaks kept), the
coverage recomputed; refused edits change nothing; published schedules are not edited."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from telephony.models import AgentProfile, Queue
from tests.factories import UserFactory
from workforce import selectors
from workforce.models import Availability, ForecastInterval, Schedule, Shift, ShiftTemplate

WEEK = date(2026, 3, 2)
MONDAY, TUESDAY = WEEK, WEEK + timedelta(days=1)


@pytest.fixture
def draft(db):
    """Ann and Ben on Monday at 08:00, Ann also on Tuesday, Cy free: a draft week."""
    queue = Queue.objects.create(name="Support")
    template = ShiftTemplate.objects.create(
        name="Day",
        earliest_start=time(8),
        latest_start=time(10),
        length_minutes=480,
        lunch_minutes=30,
        lunch_after_minutes=240,
        break_minutes=15,
        break_after_minutes=[120],
    )
    zone = selectors.center_zone()
    ForecastInterval.objects.bulk_create(
        ForecastInterval(
            queue=queue,
            interval_start=selectors.slot_start(WEEK + timedelta(days=d), slot, zone),
            calls=10.0,
            aht_seconds=240.0,
            made_at=selectors.slot_start(WEEK, 0, zone),
            method="test",
        )
        for d in range(2)
        for slot in range(32, 72)
    )
    schedule = Schedule.objects.create(
        week_start=WEEK, generated_at=selectors.slot_start(WEEK, 0, zone)
    )
    people = {
        name: AgentProfile.objects.create(
            user=UserFactory.create(username=name), client_identity=name
        )
        for name in ("ann", "ben", "cy")
    }

    def shift(agent: AgentProfile, day, hour: int) -> Shift:
        start = selectors.slot_start(day, hour * 4, zone)
        made = Shift.objects.create(
            schedule=schedule,
            agent=agent,
            queue=queue,
            template=template,
            start=start,
            end=start + timedelta(minutes=480),
        )
        made.activities.create(
            kind="break", start=start + timedelta(minutes=120), end=start + timedelta(minutes=135)
        )
        made.activities.create(
            kind="lunch", start=start + timedelta(minutes=240), end=start + timedelta(minutes=270)
        )
        return made

    shifts = {
        "ann_mon": shift(people["ann"], MONDAY, 8),
        "ben_mon": shift(people["ben"], MONDAY, 8),
        "ann_tue": shift(people["ann"], TUESDAY, 10),
    }
    return schedule, people, shifts


def _on_phones(schedule: Schedule, day_index: int, at: time) -> int:
    (coverage,) = selectors.schedule_coverage(schedule=schedule)
    row = next(r for r in coverage.rows if r.interval == at)
    return row.cells[day_index][0]


def _snapshot(schedule: Schedule) -> list[tuple]:
    return [
        (s.pk, s.agent_id, s.start, s.end, [(a.start, a.end) for a in s.activities.all()])
        for s in schedule.shifts.prefetch_related("activities").order_by("pk")
    ]


def test_a_move_within_the_window_changes_coverage_and_moves_the_breaks(
    client_as, supervisor, draft
):
    schedule, people, shifts = draft
    assert _on_phones(schedule, 0, time(8)) == 2 and _on_phones(schedule, 0, time(17)) == 0
    response = client_as(supervisor).post(
        f"/workforce/shifts/{shifts['ben_mon'].pk}/move/",
        {"start": "10:00", "agent": people["ben"].pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="schedule"' in body and "<html" not in body
    assert _on_phones(schedule, 0, time(8)) == 1
    assert _on_phones(schedule, 0, time(17)) == 1  # Ben now works until 18:00
    moved = Shift.objects.get(pk=shifts["ben_mon"].pk)
    assert moved.end - moved.start == timedelta(minutes=480)
    offsets = sorted((a.kind, a.start - moved.start) for a in moved.activities.all())
    assert offsets == [("break", timedelta(minutes=120)), ("lunch", timedelta(minutes=240))]
    # Ben's break moved to 12:00, with Ann's lunch: nobody then; Ann's break at 10:00.
    assert _on_phones(schedule, 0, time(10)) == 1 and _on_phones(schedule, 0, time(12)) == 0


def test_a_move_to_another_agent_and_a_swap(client_as, manager, draft):
    schedule, people, shifts = draft
    client = client_as(manager)
    response = client.post(
        f"/workforce/shifts/{shifts['ann_tue'].pk}/move/",
        {"start": "10:00", "agent": people["cy"].pk},
    )
    assert response.status_code == 302
    assert Shift.objects.get(pk=shifts["ann_tue"].pk).agent == people["cy"]
    before = _on_phones(schedule, 1, time(10))
    # Ann (Monday 08:00) and Cy (Tuesday 10:00) exchange: each day keeps its coverage.
    response = client.post(
        f"/workforce/shifts/{shifts['ann_mon'].pk}/swap/", {"other": shifts["ann_tue"].pk}
    )
    assert response.status_code == 302
    assert Shift.objects.get(pk=shifts["ann_mon"].pk).agent == people["cy"]
    assert Shift.objects.get(pk=shifts["ann_tue"].pk).agent == people["ann"]
    assert _on_phones(schedule, 1, time(10)) == before == 1
    assert _on_phones(schedule, 0, time(8)) == 2


def test_a_move_outside_availability_is_refused_and_changes_nothing(client_as, supervisor, draft):
    schedule, people, shifts = draft
    Availability.objects.create(agent=people["ben"], weekday=0, start=time(8), end=time(16))
    before = _snapshot(schedule)
    response = client_as(supervisor).post(
        f"/workforce/shifts/{shifts['ben_mon'].pk}/move/",
        {"start": "09:00", "agent": people["ben"].pk},
    )
    assert response.status_code == 400
    assert f"{people['ben']} is not available Mon 09:00 to 17:00" in response.content.decode()
    assert _snapshot(schedule) == before


def test_outside_the_template_window_is_refused(client_as, supervisor, draft):
    schedule, people, shifts = draft
    before = _snapshot(schedule)
    response = client_as(supervisor).post(
        f"/workforce/shifts/{shifts['ben_mon'].pk}/move/",
        {"start": "11:00", "agent": people["ben"].pk},
    )
    assert response.status_code == 400
    assert "Day starts on a quarter hour between 08:00 and 10:00" in response.content.decode()
    assert _snapshot(schedule) == before


def test_a_second_shift_the_same_day_is_refused_by_move_and_swap(client_as, supervisor, draft):
    schedule, people, shifts = draft
    client = client_as(supervisor)
    before = _snapshot(schedule)
    response = client.post(
        f"/workforce/shifts/{shifts['ben_mon'].pk}/move/",
        {"start": "08:00", "agent": people["ann"].pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200  # the section again, with the error on it
    assert 'id="edit-errors"' in response.content.decode()
    assert f"{people['ann']} already works a shift on Mon 02 Mar" in response.content.decode()
    # Ann's Tuesday for Ben's Monday: Ann would work Monday twice.
    response = client.post(
        f"/workforce/shifts/{shifts['ann_tue'].pk}/swap/", {"other": shifts["ben_mon"].pk}
    )
    assert response.status_code == 400
    assert f"{people['ann']} already works a shift on Mon 02 Mar" in response.content.decode()
    assert _snapshot(schedule) == before


def test_a_published_schedule_refuses_edits(client_as, manager, draft):
    schedule, people, shifts = draft
    schedule.status = Schedule.Status.PUBLISHED
    schedule.save()
    before = _snapshot(schedule)
    client = client_as(manager)
    response = client.post(
        f"/workforce/shifts/{shifts['ben_mon'].pk}/move/",
        {"start": "09:00", "agent": people["ben"].pk},
    )
    assert response.status_code == 400
    assert "This schedule is published" in response.content.decode()
    response = client.post(
        f"/workforce/shifts/{shifts['ann_mon'].pk}/swap/", {"other": shifts["ben_mon"].pk}
    )
    assert response.status_code == 400
    assert _snapshot(schedule) == before
    assert 'hx-post="/workforce/shifts/' not in client.get("/workforce/schedules/").content.decode()


def test_agents_may_not_edit_schedules(client_as, agent, draft):
    schedule, people, shifts = draft
    before = _snapshot(schedule)
    client = client_as(agent)
    response = client.post(
        f"/workforce/shifts/{shifts['ben_mon'].pk}/move/",
        {"start": "09:00", "agent": people["ben"].pk},
    )
    assert response.status_code == 403
    response = client.post(
        f"/workforce/shifts/{shifts['ann_mon'].pk}/swap/", {"other": shifts["ben_mon"].pk}
    )
    assert response.status_code == 403
    assert _snapshot(schedule) == before


def test_the_draft_page_offers_move_and_swap_forms(client_as, supervisor, draft):
    _schedule, _people, shifts = draft
    body = client_as(supervisor).get("/workforce/schedules/").content.decode()
    assert f'hx-post="/workforce/shifts/{shifts["ben_mon"].pk}/move/"' in body
    assert f'hx-post="/workforce/shifts/{shifts["ben_mon"].pk}/swap/"' in body
