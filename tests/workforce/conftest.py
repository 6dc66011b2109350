"""The floor tests' simulator on the application's clock, for presence built by real calls;
Alex on a published morning shift with a break; a draft week for hand edits."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

import pytest

from telephony.acd.presence import agent_set_state
from telephony.models import AgentProfile, Queue, Team
from tests.factories import UserFactory
from tests.floor.conftest import ava, clocked_simulator, support_line  # noqa: F401
from workforce import selectors
from workforce.models import ForecastInterval, Schedule, Shift, ShiftActivity, ShiftTemplate

DAY = date(2026, 3, 2)
WEEK = DAY  # the draft's week
MONDAY, TUESDAY = WEEK, WEEK + timedelta(days=1)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute), tzinfo=UTC)


@pytest.fixture
def scheduled(agent):
    profile = AgentProfile.objects.create(user=agent, client_identity="alex")
    team = Team.objects.create(name="Day team")
    team.agents.add(profile)
    template = ShiftTemplate.objects.create(
        name="Morning", earliest_start=time(9), latest_start=time(9), length_minutes=240
    )
    schedule = Schedule.objects.create(
        week_start=DAY, status=Schedule.Status.PUBLISHED, generated_at=at(0)
    )
    shift = Shift.objects.create(
        schedule=schedule,
        agent=profile,
        queue=Queue.objects.create(name="Support"),
        template=template,
        start=at(9),
        end=at(13),
    )
    ShiftActivity.objects.create(shift=shift, kind="break", start=at(11), end=at(11, 15))
    return profile


def presence_at(time_machine, profile, moment, state, reason=""):
    """The agent's own move on the desk, at `moment`."""
    time_machine.move_to(moment, tick=False)
    agent_set_state(agent=profile, state=state, reason=reason)


def flat_forecast(queue: Queue, *, first: date, days: int, slots: Iterable[int], calls: float):
    """`calls` offered per quarter hour (AHT 240 s) on each of `days` days from `first`,
    in the given quarter hours of the day: the requirement a schedule test plans for."""
    zone = selectors.center_zone()
    slots = list(slots)
    ForecastInterval.objects.bulk_create(
        ForecastInterval(
            queue=queue,
            interval_start=selectors.slot_start(first + timedelta(days=d), slot, zone),
            calls=calls,
            aht_seconds=240.0,
            made_at=selectors.slot_start(first, 0, zone),
            method="test",
        )
        for d in range(days)
        for slot in slots
    )


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
    flat_forecast(queue, first=WEEK, days=2, slots=range(32, 72), calls=10.0)
    zone = selectors.center_zone()
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
