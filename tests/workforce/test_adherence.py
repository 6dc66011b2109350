"""Adherence and conformance from a presence log written by telephony's own presence
service (the desk's), against a published shift with a break."""

from __future__ import annotations

from datetime import timedelta

import pytest

from telephony.models import AgentProfile
from tests.workforce.conftest import DAY, at, presence_at
from workforce import adherence

State = AgentProfile.State


@pytest.mark.django_db
def test_late_from_break_counts_and_a_short_delay_is_forgiven(scheduled, time_machine):
    presence_at(time_machine, scheduled, at(9, 2), State.AVAILABLE)  # 2 min late: tolerated
    presence_at(time_machine, scheduled, at(11), State.NOT_READY, "break")
    presence_at(time_machine, scheduled, at(11, 25), State.AVAILABLE)  # 10 min late back
    presence_at(time_machine, scheduled, at(13), State.OFFLINE)
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
    presence_at(time_machine, scheduled, at(9), State.AVAILABLE)
    presence_at(time_machine, scheduled, at(11), State.NOT_READY, "lunch")
    presence_at(time_machine, scheduled, at(11, 15), State.AVAILABLE)
    presence_at(time_machine, scheduled, at(13), State.OFFLINE)
    time_machine.move_to(at(18), tick=False)
    (row,) = adherence.agents_adherence(agents=[scheduled], first=DAY, last=DAY)
    assert row.in_adherence == timedelta(minutes=225)


@pytest.mark.django_db
def test_still_on_break_past_the_tolerance_shows_as_out_now(scheduled, time_machine):
    presence_at(time_machine, scheduled, at(9), State.AVAILABLE)
    presence_at(time_machine, scheduled, at(11), State.NOT_READY, "break")
    time_machine.move_to(at(11, 18), tick=False)
    assert adherence.out_of_adherence_now() == []  # 3 minutes over: within tolerance
    time_machine.move_to(at(11, 21), tick=False)
    (out,) = adherence.out_of_adherence_now()
    assert out.agent == scheduled and out.scheduled == "phones"


@pytest.mark.django_db
def test_adherence_page_for_supervisors(client_as, supervisor, scheduled, time_machine):
    presence_at(time_machine, scheduled, at(9), State.AVAILABLE)
    time_machine.move_to(at(10), tick=False)
    body = client_as(supervisor).get("/workforce/adherence/?day=2026-03-02").content.decode()
    assert "Alex Kim" in body and "100%" in body
