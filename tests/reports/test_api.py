"""/api/reports/<report>/: the rows, who sees which, and bad input as 400s by field."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reports import services
from telephony.models import AgentProfile, Team

from .conftest import at

pytestmark = pytest.mark.django_db
URL = "/api/reports/{}/"


@pytest.fixture
def history(records):
    support, billing = records.queue(), records.queue("Billing")
    alex, sam = records.agent("alex"), records.agent("sam")
    ten = at("2026-05-04 10:00:00")
    records.answered(support, joined=ten, wait=5, talk=60, wrap=10, agent=alex)
    records.answered(billing, joined=ten, wait=50, talk=60, agent=sam)
    services.intervals_rebuild(start=ten, end=ten + timedelta(hours=2))
    return {"support": support, "billing": billing, "alex": alex, "sam": sam}


def test_manager_reads_every_queue_with_definitions(api_as, manager, history):
    response = api_as(manager).get(
        URL.format("queues"), {"from": "2026-05-04", "to": "2026-05-04", "interval": "day"}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert sorted((r["queue_name"], r["offered"], r["service_level"]) for r in body["rows"]) == [
        ("Billing", 1, 0.0),
        ("Support", 1, 100.0),
    ]
    figures = {f["key"]: f for f in body["figures"]}
    assert figures["service_level"]["definition"].startswith("Answered within")
    assert body["time_zone"] == "UTC"


def test_filters_narrow_the_rows(api_as, manager, history):
    response = api_as(manager).get(
        URL.format("queues"),
        {"from": "2026-05-04", "to": "2026-05-04", "queue": history["billing"].pk},
    )
    assert [r["queue_name"] for r in response.json()["rows"]] == ["Billing"]


def test_supervisor_sees_their_teams_agents_and_queues_only(api_as, supervisor, history):
    team = Team.objects.create(name="Tier 1")
    team.supervisors.add(supervisor)
    team.agents.add(history["alex"])
    team.queues.add(history["support"])
    client = api_as(supervisor)
    params = {"from": "2026-05-04", "to": "2026-05-04"}
    queues = client.get(URL.format("queues"), params).json()["rows"]
    agents = client.get(URL.format("agents"), params).json()["rows"]
    assert [r["queue_name"] for r in queues] == ["Support"]
    assert [r["agent_name"] for r in agents] == ["Alex"]
    # Asking for another team's queue gives nothing, not their figures.
    other = client.get(URL.format("queues"), {**params, "queue": history["billing"].pk})
    assert other.json()["rows"] == []


def test_agent_sees_only_their_own_figures(api_as, history):
    alex: AgentProfile = history["alex"]
    client = api_as(alex.user)
    params = {"from": "2026-05-04", "to": "2026-05-04"}
    assert [r["agent_name"] for r in client.get(URL.format("agents"), params).json()["rows"]] == [
        "Alex"
    ]
    assert client.get(URL.format("queues"), params).json()["rows"] == []


def test_outsider_is_refused_and_an_unknown_report_is_404(api_as, outsider, manager):
    assert api_as(outsider).get(URL.format("queues")).status_code == 403
    assert api_as(manager).get(URL.format("weather")).status_code == 404


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2026-05-05", "to": "2026-05-04"}, "to", "Must come after From."),
        (
            {"from": "2026-01-01", "to": "2026-03-01", "interval": "15m"},
            "to",
            "At most 31 days by 15 minutes",
        ),
        ({"from": "2026-05-04", "colour": "red"}, "colour", "Unknown filter."),
        ({"from": "yesterday"}, "from", "Give a date"),
        ({"interval": "fortnight"}, "interval", "Select a valid choice"),
        ({"queue": "99999999999999999999"}, "queue", "Select a valid choice"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api_as, manager, params, field, message):
    response = api_as(manager).get(URL.format("queues"), params)
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])


def test_a_filter_the_report_does_not_take_is_a_400(api_as, manager, history):
    response = api_as(manager).get(URL.format("queues"), {"agent": history["alex"].pk})
    assert response.status_code == 400
    assert response.json()["agent"] == ["The queues report has no agent filter."]


def test_a_time_in_the_daylight_saving_gap_is_a_400(api_as, manager, new_york):
    response = api_as(manager).get(
        URL.format("queues"), {"from": "2026-03-08T02:30", "to": "2026-03-08T05:00"}
    )
    assert response.status_code == 400
    assert "does not exist in America/New_York" in response.json()["from"][0]


def test_the_schema_lists_the_report_endpoint(api_as, manager):
    schema = api_as(manager).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/reports/{report}/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"from", "to", "interval", "queue", "team", "agent"} <= names
    assert "400" in operation["responses"]
