"""Consent before dialling: which campaigns may ring which lines, by what the customer agreed."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns import services as campaign_services
from campaigns.dialer import consent, services
from campaigns.models import CallAttempt, Campaign, ConsentRule, Lead, LineType
from crm.models import Customer
from telephony.models import AgentProfile

from .conftest import NY_NUMBER

pytestmark = pytest.mark.django_db

UK_MOBILE = "+447400123456"
UK_FIXED_LINE = "+442079460123"


def _dialled(campaign: Campaign) -> set[str]:
    return {attempt.lead.phone for attempt in services.leads_claim(campaign=campaign, limit=10)}


@pytest.mark.parametrize(
    ("given", "dialled"), [("none", False), ("express", False), ("written", True)]
)
def test_a_sales_campaign_rings_a_mobile_only_with_written_consent(
    monday, make_campaign, make_lead, given, dialled
):
    lead = make_lead(make_campaign(kind=Campaign.Kind.SALES), call_consent=given)
    assert _dialled(lead.campaign) == ({NY_NUMBER} if dialled else set())
    lead.refresh_from_db()
    if not dialled:
        assert (lead.status, lead.last_outcome) == ("no_consent", "skipped_consent")
        assert CallAttempt.objects.get(lead=lead).get_outcome_display() == "Skipped: no consent"


@pytest.mark.parametrize("kind", ["reminder", "collections", "survey"])
def test_informational_campaigns_need_prior_express_consent(monday, make_campaign, make_lead, kind):
    campaign = make_campaign(kind=kind)
    make_lead(campaign, call_consent="express")
    make_lead(campaign, phone="+12125550124", call_consent="none")
    assert _dialled(campaign) == {NY_NUMBER}


def test_a_lead_with_no_customer_has_given_no_consent(monday, make_campaign):
    campaign = make_campaign(kind=Campaign.Kind.REMINDER)
    Lead.objects.create(campaign=campaign, phone=NY_NUMBER, time_zones=["America/New_York"])
    assert _dialled(campaign) == set()


def test_a_fixed_line_needs_no_consent_for_sales_calls(monday, make_campaign, make_lead):
    campaign = make_campaign(kind=Campaign.Kind.SALES)
    make_lead(campaign, call_consent="none", line_type=LineType.FIXED_LINE)
    make_lead(campaign, phone="+12125550124", call_consent="none", line_type=LineType.VOIP)
    assert _dialled(campaign) == {NY_NUMBER}


def test_the_rules_are_data(monday, make_campaign, make_lead):
    campaign = make_campaign(kind=Campaign.Kind.SALES)
    make_lead(campaign, call_consent="express")
    ConsentRule.objects.filter(campaign_kind="sales", line_type="mobile").update(
        required_consent="express"
    )
    assert _dialled(campaign) == {NY_NUMBER}


def test_a_kind_and_line_without_a_rule_need_written_consent(make_campaign, make_lead):
    ConsentRule.objects.filter(campaign_kind="reminder", line_type="fixed_line").delete()
    lead = make_lead(make_campaign(kind="reminder"), line_type=LineType.FIXED_LINE)
    assert consent.required_consent(lead.campaign, lead, ConsentRule.objects.all()) == "written"


@pytest.mark.parametrize(
    ("phone", "line_type"),
    [
        (NY_NUMBER, "mobile"),  # the US plan cannot tell a mobile: taken for one
        (UK_MOBILE, "mobile"),
        (UK_FIXED_LINE, "fixed_line"),
        ("+445612345678", "voip"),
        ("+18005550199", "unknown"),  # toll-free
    ],
)
def test_the_line_type_comes_from_the_numbering_plan(phone, line_type):
    assert consent.line_type_of(phone) == line_type


def test_an_unknown_line_is_treated_as_a_mobile(make_campaign, make_lead):
    lead = make_lead(make_campaign(kind="sales"), line_type=LineType.UNKNOWN)
    assert consent.required_consent(lead.campaign, lead, ConsentRule.objects.all()) == "written"


def test_an_import_records_each_leads_line_type(make_campaign, manager):
    campaign = make_campaign()
    rows = f"phone,name\n{UK_MOBILE},Ava\n{UK_FIXED_LINE},Ben\n"
    lead_import = campaign_services.lead_import_create(
        campaign=campaign,
        file=SimpleUploadedFile("leads.csv", rows.encode()),
        by=manager,
        default_time_zone="Europe/London",
    )
    campaign_services.lead_import_start(
        lead_import=lead_import, mapping={"phone": "phone", "name": "name"}
    )
    campaign_services.lead_import_run(lead_import_id=lead_import.pk)
    assert dict(campaign.leads.values_list("phone", "line_type")) == {
        UK_MOBILE: "mobile",
        UK_FIXED_LINE: "fixed_line",
    }


def test_consent_withdrawn_while_the_call_waits_stops_it(
    simulator, monday, make_campaign, make_lead
):
    lead = make_lead(make_campaign(kind="sales"))
    (attempt,) = services.leads_claim(campaign=lead.campaign, limit=1)
    Customer.objects.filter(pk=lead.customer_id).update(call_consent="none")
    services.attempt_place(attempt_id=attempt.pk)
    assert not [call for call in simulator.calls.values() if call.to == NY_NUMBER]
    attempt.refresh_from_db()
    lead.refresh_from_db()
    assert (attempt.outcome, attempt.placed_at) == ("skipped_consent", None)
    assert (lead.status, lead.attempts) == ("no_consent", 0)


def test_preview_dial_refuses_a_lead_without_consent_and_says_why(
    client_as, agent, monday, make_campaign, make_lead
):
    profile = AgentProfile.objects.create(user=agent, client_identity="alex", state="available")
    campaign = make_campaign(agents=[profile], dial_mode="preview", kind="sales")
    lead = make_lead(campaign, call_consent="express")
    response = client_as(agent).post(
        reverse("campaigns:desk_preview", args=[lead.pk]), {"action": "dial"}
    )
    assert "has not given the consent this campaign needs" in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == "no_consent"  # kept, as the pacer's skip is


def test_the_campaign_page_shows_the_leads_skipped_for_consent(
    client_as, supervisor, monday, make_campaign, make_lead
):
    campaign = make_campaign(kind="sales")
    make_lead(campaign, call_consent="none")
    services.leads_claim(campaign=campaign, limit=1)
    page = client_as(supervisor).get(campaign.get_absolute_url()).content.decode()
    assert 'id="count-no-consent">1<' in page
    assert "Skipped: no consent" in page
