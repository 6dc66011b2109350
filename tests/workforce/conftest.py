"""The floor tests' simulator on the application's clock, for presence built by real calls;
Alex on a published morning shift with a break."""

from datetime import UTC, date, datetime, time

import pytest

from telephony.acd.presence import agent_set_state
from telephony.models import AgentProfile, Queue, Team
from tests.floor.conftest import ava, clocked_simulator, support_line  # noqa: F401
from workforce.models import Schedule, Shift, ShiftActivity, ShiftTemplate

DAY = date(2026, 3, 2)


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
