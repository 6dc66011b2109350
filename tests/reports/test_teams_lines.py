"""Inbound figures per team (its queues' facts summed) and per line (the number the
caller dialled), against hand-worked scenarios; the same rules as the queues'."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from reports import services
from reports.models import LineInterval
from reports.selectors import QUEUE_FIGURES, line_kpis, queue_kpis, team_kpis
from telephony.models import InboundNumber, IvrFlow, Team

from .conftest import at

pytestmark = pytest.mark.django_db
TEN = at("2026-05-04 10:00:00")


def line(number: str, name: str) -> InboundNumber:
    flow, _ = IvrFlow.objects.get_or_create(name="Main")
    return InboundNumber.objects.create(number=number, name=name, flow=flow)


@pytest.fixture
def history(records):
    """Support (20 s) and Billing (60 s), Tier 1 serving both and Tier 2 Billing only;
    the sales line rings into both queues, the service line into Support."""
    support, billing = records.queue("Support", 20), records.queue("Billing", 60)
    alex = records.agent("alex")
    sales, service = line("+18005550100", "Sales"), line("+18005550111", "Service")
    tier1, tier2 = Team.objects.create(name="Tier 1"), Team.objects.create(name="Tier 2")
    tier1.queues.add(support, billing)
    tier2.queues.add(billing)

    def on(entry, number):
        entry.call.inbound_number = number
        entry.call.save(update_fields=["inbound_number"])
        return entry

    # Support: answered in 10 s (sales), in 30 s (service), a short abandon (service).
    on(records.answered(support, joined=TEN, wait=10, talk=60, agent=alex), sales)
    support_late = TEN + timedelta(minutes=20)
    on(records.answered(support, joined=support_late, wait=30, talk=90, agent=alex), service)
    on(records.left(support, joined=TEN + timedelta(minutes=5), wait=3), service)
    # Billing: answered in 40 s (sales: within Billing's 60 s), abandoned after 50 s (sales),
    # and one call with no line (an internal transfer-in, say).
    on(records.answered(billing, joined=TEN, wait=40, talk=120, agent=alex), sales)
    on(records.left(billing, joined=TEN + timedelta(minutes=1), wait=50), sales)
    records.left(billing, joined=TEN + timedelta(minutes=2), wait=70)
    services.intervals_rebuild(start=TEN, end=TEN + timedelta(hours=1))
    return {
        "support": support,
        "billing": billing,
        "sales": sales,
        "service": service,
        "tier1": tier1,
        "tier2": tier2,
    }


def by_name(rows, owner):
    return {row[f"{owner}_name"]: row for row in rows}


def test_a_team_sums_the_facts_of_the_queues_it_serves(history):
    rows = by_name(team_kpis(start=TEN, end=TEN + timedelta(hours=1), interval="hour"), "team")
    tier1, tier2 = rows["Tier 1"], rows["Tier 2"]
    # Tier 1: 6 offered, 3 answered, 2 abandoned, 1 short; in threshold: 10 s (of 20)
    # and 40 s (of 60): 2 of 5 counted calls.
    assert (tier1["offered"], tier1["answered"], tier1["abandoned"]) == (6, 3, 2)
    assert tier1["short_abandoned"] == 1
    assert tier1["service_level"] == 40.0
    assert tier1["abandonment_rate"] == 40.0
    assert tier1["asa"] == 26.67  # (10 + 30 + 40) / 3
    assert tier1["longest_wait"] == 70.0
    assert tier1["aht"] == 90.0  # (60 + 90 + 120) / 3
    # Tier 2 is Billing alone: the same figures as the Billing queue's.
    billing = queue_kpis(
        start=TEN,
        end=TEN + timedelta(hours=1),
        interval="hour",
        queue_ids=[history["billing"].pk],
    )[0]
    assert {k: tier2[k] for k in QUEUE_FIGURES} == {k: billing[k] for k in QUEUE_FIGURES}


def test_a_team_in_15_minute_intervals_merges_its_queues(history):
    rows = team_kpis(
        start=TEN,
        end=TEN + timedelta(hours=1),
        interval="15m",
        team_ids=[history["tier1"].pk],
    )
    assert [(row["period"][11:16], row["offered"]) for row in rows] == [
        ("10:00", 5),
        ("10:15", 1),
    ]


def test_a_line_counts_the_calls_dialled_to_it_by_their_own_queues_rules(history):
    rows = by_name(line_kpis(start=TEN, end=TEN + timedelta(hours=1), interval="hour"), "line")
    sales, service = rows["Sales (+18005550100)"], rows["Service (+18005550111)"]
    # Sales: Support 10 s (in 20), Billing 40 s (in 60), Billing abandoned after 50 s.
    assert (sales["offered"], sales["answered"], sales["abandoned"]) == (3, 2, 1)
    assert sales["service_level"] == 66.67
    assert sales["asa"] == 25.0
    # Service: answered in 30 s (over Support's 20), a short abandon left out.
    assert (service["offered"], service["answered"], service["short_abandoned"]) == (2, 1, 1)
    assert service["service_level"] == 0.0
    assert service["abandonment_rate"] == 0.0
    # The call with no line is in no line's figures.
    assert sum(row["offered"] for row in rows.values()) == 5


def test_line_facts_follow_a_queue_refresh_and_a_rebuild_equals_them(history, records):
    alex = records.agent("sam")
    entry = records.answered(
        history["support"], joined=TEN + timedelta(minutes=7), wait=5, talk=30, agent=alex
    )
    entry.call.inbound_number = history["service"]
    entry.call.save(update_fields=["inbound_number"])
    services.calls_intervals_refresh(call_ids=[entry.call_id])
    incremental = sorted(
        LineInterval.objects.values_list("line_id", "interval_start", "offered", "answered")
    )
    assert (history["service"].pk, TEN, 2, 1) in incremental
    services.intervals_rebuild(start=TEN, end=TEN + timedelta(hours=1))
    rebuilt = sorted(
        LineInterval.objects.values_list("line_id", "interval_start", "offered", "answered")
    )
    assert rebuilt == incremental


def test_the_api_filters_lines_and_teams(api_as, manager, history):
    params = {"from": "2026-05-04", "to": "2026-05-04", "interval": "day"}
    lines = (
        api_as(manager)
        .get("/api/reports/lines/", {**params, "line": history["sales"].pk})
        .json()["rows"]
    )
    assert [(r["line_name"], r["offered"]) for r in lines] == [("Sales (+18005550100)", 3)]
    teams = (
        api_as(manager)
        .get("/api/reports/teams/", {**params, "team": history["tier2"].pk})
        .json()["rows"]
    )
    assert [(r["team_name"], r["offered"]) for r in teams] == [("Tier 2", 3)]
    refused = api_as(manager).get("/api/reports/queues/", {**params, "line": 1})
    assert refused.status_code == 400
    assert "line" in refused.json()


def test_supervisors_see_their_teams_and_no_lines(api_as, supervisor, history):
    history["tier2"].supervisors.add(supervisor)
    params = {"from": "2026-05-04", "to": "2026-05-04"}
    client = api_as(supervisor)
    teams = client.get("/api/reports/teams/", params).json()["rows"]
    assert [r["team_name"] for r in teams] == ["Tier 2"]
    assert client.get("/api/reports/lines/", params).json()["rows"] == []


def test_exports_of_the_team_and_line_reports(client_as, manager, history):
    params = {"from": "2026-05-04", "to": "2026-05-04", "interval": "day"}
    response = client_as(manager).get("/reports/", {**params, "report": "lines", "format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["Period", "Line", "Offered"]
    assert sorted(r[1:3] for r in rows[1:]) == [
        ["Sales (+18005550100)", "3"],
        ["Service (+18005550111)", "2"],
    ]
    response = client_as(manager).get("/reports/", {**params, "report": "teams", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sorted(r[1:3] for r in list(sheet.iter_rows(values_only=True))[1:]) == [
        ("Tier 1", 6),
        ("Tier 2", 3),
    ]
