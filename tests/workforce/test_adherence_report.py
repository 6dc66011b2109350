"""Adherence in the reports section: registered by workforce in reports' catalog, run
through the reports API and exports like reports' own."""

from __future__ import annotations

import csv
import io

import pytest

from reports.catalog import REPORTS
from telephony.models import AgentProfile

from .conftest import at, presence_at

State = AgentProfile.State
pytestmark = pytest.mark.django_db


@pytest.fixture
def worked(scheduled, time_machine):
    """Four scheduled hours, 2 minutes late in (forgiven), 10 late back from break."""
    presence_at(time_machine, scheduled, at(9, 2), State.AVAILABLE)
    presence_at(time_machine, scheduled, at(11), State.NOT_READY, "break")
    presence_at(time_machine, scheduled, at(11, 25), State.AVAILABLE)
    presence_at(time_machine, scheduled, at(13), State.OFFLINE)
    time_machine.move_to(at(18), tick=False)
    return scheduled


def test_workforce_registers_adherence_reports():
    assert REPORTS["adherence-agents"].figures == [
        "scheduled",
        "in_adherence",
        "adherence",
        "conformance",
    ]
    assert REPORTS["adherence-teams"].owner == "team"


@pytest.mark.parametrize("interval", ["day", "week", "hour"])
def test_adherence_per_agent_and_team_through_the_api(api_as, manager, worked, interval):
    params = {"from": "2026-03-01", "to": "2026-03-03", "interval": interval}
    client = api_as(manager)
    agents = client.get("/api/reports/adherence-agents/", params)
    assert agents.status_code == 200, agents.json()
    # By week the range's Sunday falls in the week before: its period has no shift.
    (row,) = agents.json()["rows"]
    assert row["period"] == "2026-03-02"
    assert (row["agent_name"], row["scheduled"], row["in_adherence"]) == ("Alex Kim", 14400, 13800)
    assert row["adherence"] == 95.83  # 230 of 240 minutes
    assert row["conformance"] == 99.17  # logged in 238 of 240
    (team,) = client.get("/api/reports/adherence-teams/", params).json()["rows"]
    assert (team["team_name"], team["adherence"], team["conformance"]) == (
        "Day team",
        95.83,
        99.17,
    )


def test_adherence_export_and_supervisor_scope(client_as, manager, supervisor, worked):
    params = {"report": "adherence-teams", "from": "2026-03-02", "to": "2026-03-02"}
    response = client_as(manager).get("/reports/", {**params, "format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "Period",
        "Team",
        "Scheduled (s)",
        "In adherence (s)",
        "Adherence (%)",
        "Conformance (%)",
    ]
    assert rows[1][:2] == ["2026-03-02", "Day team"]
    # A supervisor of no team sees no one's adherence.
    api = "/api/reports/adherence-agents/"
    assert client_as(supervisor).get(api, params).json()["rows"] == []
