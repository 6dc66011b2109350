"""Adherence and conformance from a presence log written by telephony's own presence
service (the desk's), against a published shift with a break."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from telephony.acd.presence import agent_set_state
from telephony.models import AgentProfile, Queue, Team
from workforce import adherence
from workforce.models import Schedule, Shift, ShiftActivity, ShiftTemplate

State = AgentProfile.State
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


def _presence(time_machine, profile, moment, state, reason=""):
    time_machine.move_to(moment, tick=False)
    agent_set_state(agent=profile, state=state, reason=reason)


@pytest.mark.django_db
def test_late_from_break_counts_and_a_short_delay_is_forgiven(scheduled, time_machine):
    _presence(time_machine, scheduled, at(9, 2), State.AVAILABLE)  # 2 min late: tolerated
    _presence(time_machine, scheduled, at(11), State.NOT_READY, "break")
    _presence(time_machine, scheduled, at(11, 25), State.AVAILABLE)  # 10 min late back
    _presence(time_machine, scheduled, at(13), State.OFFLINE)
    time_machine.move_to(at(18), tick=False)
    (row,) = adherence.agents_adherence(agents=[scheduled], first=DAY, last=DAY)
    assert row.scheduled == timedelta(hours=4)
    assert row.in_adherence == timedelta(minutes=230)
    assert row.adherence == pytest.approx(230 / 240)
    assert row.conformance == pytest.approx(238 / 240)
    (team,) = adherence.teams_adherence(rows=[row])
    assert team.adherence == pytest.approx(230 / 240)


@pytest.mark.django_db
def test_lunch_taken_instead_of_a_break_is_out_of_adherence(scheduled, time_machine):
    _presence(time_machine, scheduled, at(9), State.AVAILABLE)
    _presence(time_machine, scheduled, at(11), State.NOT_READY, "lunch")
    _presence(time_machine, scheduled, at(11, 15), State.AVAILABLE)
    _presence(time_machine, scheduled, at(13), State.OFFLINE)
    time_machine.move_to(at(18), tick=False)
    (row,) = adherence.agents_adherence(agents=[scheduled], first=DAY, last=DAY)
    assert row.in_adherence == timedelta(minutes=225)


@pytest.mark.django_db
def test_still_on_break_past_the_tolerance_shows_as_out_now(scheduled, time_machine):
    _presence(time_machine, scheduled, at(9), State.AVAILABLE)
    _presence(time_machine, scheduled, at(11), State.NOT_READY, "break")
    time_machine.move_to(at(11, 18), tick=False)
    assert adherence.out_of_adherence_now() == []  # 3 minutes over: within tolerance
    time_machine.move_to(at(11, 21), tick=False)
    (out,) = adherence.out_of_adherence_now()
    assert out.agent == scheduled and out.scheduled == "phones"


@pytest.mark.django_db
def test_adherence_page_for_supervisors(client_as, supervisor, scheduled, time_machine):
    _presence(time_machine, scheduled, at(9), State.AVAILABLE)
    time_machine.move_to(at(10), tick=False)
    body = client_as(supervisor).get("/workforce/adherence/?day=2026-03-02").content.decode()
    assert "Alex Kim" in body and "100%" in body
