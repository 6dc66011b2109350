"""Outbound figures per campaign and the compliance report, against hand-worked attempts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from campaigns.models import CallAttempt, Lead, LeadImport
from reports import outbound
from reports.outbound import campaign_kpis, compliance_kpis
from telephony.models import Disposition
from tests.factories import CallAttemptFactory, CampaignFactory, LeadFactory

from .conftest import at

pytestmark = pytest.mark.django_db
Outcome = CallAttempt.Outcome


def attempt(campaign, placed, outcome, *, human=False, abandoned=False, disposition=""):
    made = CallAttemptFactory.create(
        lead=LeadFactory.create(campaign=campaign),
        placed_at=placed,
        answered_at=placed + timedelta(seconds=8) if human else None,
        answered_by="human" if human else "",
        outcome=outcome,
        is_abandoned=abandoned,
        disposition=disposition,
    )
    CallAttempt.objects.filter(pk=made.pk).update(created_at=placed or at("2026-05-04 15:00:00"))
    return made


@pytest.fixture
def campaign():
    Disposition.objects.create(code="sale", label="Sale", is_conversion=True)
    campaign = CampaignFactory.create(name="Spring")
    eleven_in_new_york = at("2026-05-04 15:00:00")
    for n in range(8):
        attempt(
            campaign,
            eleven_in_new_york + timedelta(minutes=n),
            Outcome.ABANDONED if n == 0 else Outcome.COMPLETED,
            human=True,
            abandoned=n == 0,
            disposition="sale" if n in (1, 2) else "",
        )
    for n in range(2):
        attempt(campaign, eleven_in_new_york + timedelta(minutes=20 + n), Outcome.NO_ANSWER)
    attempt(campaign, at("2026-05-05 02:30:00"), Outcome.NO_ANSWER)  # 22:30 in New York
    attempt(campaign, None, Outcome.SKIPPED_DNC)
    return campaign


def test_campaign_figures_per_day(campaign):
    first, second = campaign_kpis(
        start=at("2026-05-04 00:00:00"), end=at("2026-05-06 00:00:00"), interval="day"
    )
    assert (first["period"], first["dialed"], first["live_answers"]) == ("2026-05-04", 10, 8)
    assert (first["contact_rate"], first["abandoned_calls"]) == (80.0, 1)
    assert (first["abandonment_day"], first["abandonment_30d"]) == (12.5, 12.5)
    assert (first["conversions"], first["conversion_rate"]) == (2, 25.0)
    assert first["attempts_per_lead"] == 1.0
    # The next day has no live answer of its own; the 30 days behind it still do.
    assert (second["dialed"], second["abandonment_day"], second["abandonment_30d"]) == (
        1,
        None,
        12.5,
    )


def test_compliance_report(campaign):
    first, second = compliance_kpis(
        start=at("2026-05-04 00:00:00"), end=at("2026-05-06 00:00:00"), interval="day"
    )
    assert (first["abandonment_30d"], first["abandonment_ok"]) == (12.5, "NO")
    assert (first["outside_hours"], first["dnc_blocks"], first["safe_harbor_played"]) == (0, 1, 1)
    assert second["outside_hours"] == 1  # rung at 22:30 where the lead lives


def test_the_campaign_report_through_the_api(api_as, manager, campaign):
    response = api_as(manager).get(
        "/api/reports/compliance/",
        {"from": "2026-05-04", "to": "2026-05-05", "campaign": campaign.pk},
    )
    assert response.status_code == 200
    assert [row["outside_hours"] for row in response.json()["rows"]] == [0, 1]


@pytest.mark.parametrize("figure", outbound.DRILLABLE)
def test_the_attempts_behind_each_figure_are_as_many_as_the_figure(campaign, figure):
    attempt(campaign, None, Outcome.SKIPPED_HOURS)
    start, end = at("2026-05-04 00:00:00"), at("2026-05-06 00:00:00")
    rows = campaign_kpis(start=start, end=end, interval="day") + compliance_kpis(
        start=start, end=end, interval="day"
    )
    counted = sum(row[figure] for row in rows if figure in row)
    assert counted > 0
    attempts = outbound.figure_attempts(
        figure=figure, campaign_id=campaign.pk, start=start, end=end
    )
    assert len(attempts) == counted


def test_the_campaign_drill_down_page_lists_the_abandoned_call(client_as, manager, campaign):
    response = client_as(manager).get(
        "/reports/calls/",
        {
            "report": "campaigns",
            "figure": "abandoned_calls",
            "owner": campaign.pk,
            "interval": "day",
            "period_start": "2026-05-04T00:00:00+00:00",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<tr>") == 2  # heading and the one abandoned live answer
    assert "(abandoned)" in page


def test_the_campaign_drill_down_is_refused_outside_the_users_scope(client_as, agent, campaign):
    response = client_as(agent).get(
        "/reports/calls/",
        {
            "report": "campaigns",
            "figure": "dialed",
            "owner": campaign.pk,
            "interval": "day",
            "period_start": "2026-05-04T00:00:00+00:00",
        },
    )
    assert response.status_code == 403


def test_a_figure_the_campaign_report_cannot_drill_into_is_not_found(client_as, manager, campaign):
    response = client_as(manager).get(
        "/reports/calls/",
        {
            "report": "campaigns",
            "figure": "offered",
            "owner": campaign.pk,
            "interval": "day",
            "period_start": "2026-05-04T00:00:00+00:00",
        },
    )
    assert response.status_code == 404


def test_campaign_figures_per_lead_list(api_as, manager):
    """Two lists of one campaign and a lead added by hand (on no list)."""
    spring = CampaignFactory.create(name="Spring")
    may = LeadImport.objects.create(campaign=spring, file="may.csv", original_name="may.csv")
    june = LeadImport.objects.create(campaign=spring, file="june.csv", original_name="june.csv")
    nine = at("2026-05-04 14:00:00")
    for n, (batch, outcome) in enumerate(
        [
            (may, Outcome.COMPLETED),
            (may, Outcome.ABANDONED),
            (may, Outcome.NO_ANSWER),
            (june, Outcome.COMPLETED),
            (None, Outcome.COMPLETED),
        ]
    ):
        made = attempt(
            spring,
            nine + timedelta(minutes=n),
            outcome,
            human=outcome != Outcome.NO_ANSWER,
            abandoned=outcome == Outcome.ABANDONED,
        )
        # Each dialed lead is done with: only the leads added below are left to call.
        Lead.objects.filter(pk=made.lead_id).update(
            import_batch=batch, status=Lead.Status.COMPLETED
        )
    LeadFactory.create(campaign=spring)  # still to call, on no list
    Lead.objects.filter(pk=LeadFactory.create(campaign=spring).pk).update(import_batch=june)

    rows = outbound.lead_list_kpis(
        start=at("2026-05-04 00:00:00"), end=at("2026-05-05 00:00:00"), interval="day"
    )
    by_list = {row["lead_list_name"]: row for row in rows}
    assert set(by_list) == {"may.csv (Spring)", "june.csv (Spring)"}
    first = by_list["may.csv (Spring)"]
    assert (first["dialed"], first["live_answers"], first["abandoned_calls"]) == (3, 2, 1)
    assert (first["contact_rate"], first["abandonment_day"], first["abandonment_30d"]) == (
        66.67,
        50.0,
        50.0,
    )
    assert (by_list["june.csv (Spring)"]["dialed"], by_list["june.csv (Spring)"]["leads_left"]) == (
        1,
        1,
    )
    # The campaign's figures still count every attempt, on a list or not.
    assert (
        campaign_kpis(
            start=at("2026-05-04 00:00:00"), end=at("2026-05-05 00:00:00"), interval="day"
        )[0]["dialed"]
        == 5
    )

    params = {"from": "2026-05-04", "to": "2026-05-04", "interval": "day"}
    client = api_as(manager)
    named = client.get("/api/reports/lead-lists/", {**params, "lead_list": june.pk}).json()
    assert [(r["lead_list_name"], r["dialed"]) for r in named["rows"]] == [("june.csv (Spring)", 1)]
    other = CampaignFactory.create(name="Autumn")
    none = client.get("/api/reports/lead-lists/", {**params, "campaign": other.pk}).json()
    assert none["rows"] == []
