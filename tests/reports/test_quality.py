"""FCR and CSAT in the reports: by queue, agent and team, on the page, in the API and the
exports, narrowed to what each role may see."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from crm.models import Customer
from qa.models import Survey, SurveyAnswer, SurveyPlan, SurveyQuestion
from telephony.models import AgentProfile, Call, Team

from .conftest import at

pytestmark = pytest.mark.django_db
PARAMS = {"from": "2026-05-04", "to": "2026-05-04", "interval": "day"}


@pytest.fixture
def quality(records):
    """Ava called Support twice (Alex; she called again the next day); Ben once (Sam), and
    never again. Ava rated Alex 5, Ben rated Sam 2."""
    support, billing = records.queue(), records.queue("Billing")
    alex, sam = records.agent("alex"), records.agent("sam")
    ava = Customer.objects.create(name="Ava Chen", account_number="A-1")
    ben = Customer.objects.create(name="Ben Ortiz", account_number="B-1")
    ten = at("2026-05-04 10:00:00")
    first = records.answered(support, joined=ten, wait=5, talk=60, agent=alex)
    Call.objects.filter(pk=first.call_id).update(customer=ava)
    again = records.call(when=ten + timedelta(days=1))
    Call.objects.filter(pk=again.pk).update(customer=ava)
    other = records.answered(billing, joined=ten, wait=5, talk=60, agent=sam)
    Call.objects.filter(pk=other.call_id).update(customer=ben)
    plan = SurveyPlan.objects.create(name="Phone", channel="ivr")
    question = SurveyQuestion.objects.create(plan=plan, position=1, wording={"en-US": "How?"})
    for entry, agent, score in ((first, alex, 5), (other, sam, 2)):
        survey = Survey.objects.create(
            plan=plan,
            call=entry.call,
            channel="ivr",
            status="completed",
            agent=agent,
            queue=entry.queue,
        )
        SurveyAnswer.objects.create(
            survey=survey, question=question, score=score, via="keys", at=ten + timedelta(minutes=2)
        )
    return {"support": support, "billing": billing, "alex": alex, "sam": sam}


def _rows(client, report: str, **extra):
    response = client.get(f"/api/reports/{report}/", {**PARAMS, **extra})
    assert response.status_code == 200, response.json()
    return response.json()["rows"]


def test_fcr_and_csat_by_queue(api_as, manager, quality):
    rows = _rows(api_as(manager), "quality-queues")
    assert sorted(
        (r["queue_name"], r["fcr_resolved"], r["fcr_repeated"], r["fcr"], r["csat"]) for r in rows
    ) == [("Billing", 1, 0, 100.0, 0.0), ("Support", 0, 1, 0.0, 100.0)]


def test_fcr_and_csat_by_agent_and_team(api_as, manager, quality):
    team = Team.objects.create(name="Tier 1")
    team.agents.add(quality["alex"], quality["sam"])
    client = api_as(manager)
    agents = _rows(client, "quality-agents")
    assert sorted((r["agent_name"], r["fcr"], r["survey_answers"]) for r in agents) == [
        ("Alex", 0.0, 1),
        ("Sam", 100.0, 1),
    ]
    (tier1,) = _rows(client, "quality-teams")
    assert (tier1["team_name"], tier1["fcr_contacts"], tier1["fcr"], tier1["csat"]) == (
        "Tier 1",
        2,
        50.0,
        50.0,
    )


def test_an_agent_sees_their_own_figures_only(api_as, quality):
    alex = AgentProfile.objects.get(pk=quality["alex"].pk)
    rows = _rows(api_as(alex.user), "quality-agents")
    assert [r["agent_name"] for r in rows] == ["Alex"]
    assert _rows(api_as(alex.user), "quality-queues") == []


def test_the_definitions_are_given_beside_the_figures(api_as, manager, quality):
    body = api_as(manager).get("/api/reports/quality-queues/", PARAMS).json()
    figures = {f["key"]: f for f in body["figures"]}
    assert figures["fcr"]["definition"] == "Resolved first time ÷ (resolved + repeat contacts)."
    assert figures["csat"]["unit"] == "%"


def test_the_page_shows_and_exports_the_report(client_as, manager, quality):
    client = client_as(manager)
    page = client.get("/reports/", {**PARAMS, "report": "quality-queues"})
    assert page.status_code == 200
    assert "FCR and CSAT by queue" in page.content.decode()
    export = client.get("/reports/", {**PARAMS, "report": "quality-queues", "format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0][:3] == ["Period", "Queue", "FCR contacts"]
    assert sorted(r[1] for r in rows[1:]) == ["Billing", "Support"]


def test_a_filter_the_report_lacks_is_a_400(api_as, manager, quality):
    response = api_as(manager).get(
        "/api/reports/quality-teams/", {**PARAMS, "queue": quality["support"].pk}
    )
    assert response.status_code == 400
    assert "queue" in response.json()
