"""Cost per contact: agent time at the team's rate plus carrier minutes, per contact."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from reports import services
from reports.costs import cost_kpis
from reports.models import TeamCost, TelephonyPrice
from telephony.models import AgentProfile, Call, Team

from .conftest import at

pytestmark = pytest.mark.django_db


def test_cost_per_contact_of_a_team(records):
    support, alex = records.queue(), records.agent("alex")
    team = Team.objects.create(name="Tier 1")
    team.agents.add(alex)
    TeamCost.objects.create(team=team, hourly_cost=Decimal("30.00"))
    TelephonyPrice.objects.create(direction=Call.Direction.INBOUND, per_minute=Decimal("0.0100"))
    nine = at("2026-05-04 09:00:00")
    # An hour logged in (available, then two calls), the calls 61 s and 120 s long.
    records.state(alex, AgentProfile.State.AVAILABLE, nine, nine + timedelta(minutes=30))
    first = records.answered(
        support, joined=nine + timedelta(minutes=30), wait=0, talk=60, wrap=0, agent=alex
    )
    second = records.answered(
        support, joined=nine + timedelta(minutes=40), wait=0, talk=120, wrap=0, agent=alex
    )
    records.state(
        alex, AgentProfile.State.AVAILABLE, nine + timedelta(minutes=42), nine + timedelta(hours=1)
    )
    records.state(
        alex,
        AgentProfile.State.AVAILABLE,
        nine + timedelta(minutes=31),
        nine + timedelta(minutes=40),
    )
    Call.objects.filter(pk=first.call_id).update(
        ended_at=nine + timedelta(minutes=31), duration_seconds=61
    )
    Call.objects.filter(pk=second.call_id).update(
        ended_at=nine + timedelta(minutes=42), duration_seconds=120
    )
    services.agent_intervals_refresh(start=nine, end=nine + timedelta(hours=1))

    (row,) = cost_kpis(start=nine, end=nine + timedelta(hours=1), interval="hour")
    assert row["team_name"] == "Tier 1"
    assert row["agent_cost"] == 30.0  # one logged-in hour
    assert row["telephony_cost"] == 0.04  # 2 + 2 started minutes at 0.01
    assert (row["contacts"], row["cost_per_contact"]) == (2, 15.02)
