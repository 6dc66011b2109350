"""The campaign panel of the agent's desk: the previewed lead, Dial and Skip, the script."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from campaigns.models import CallAttempt, Campaign
from telephony.models import AgentProfile
from telephony.simulator import CalledParty
from tests.campaigns.dialer.conftest import NY_NUMBER

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def preview(make_agent, make_campaign, make_lead, agent):
    profile = AgentProfile.objects.create(user=agent, client_identity="alex", state="available")
    campaign = make_campaign(
        agents=[profile],
        dial_mode=Campaign.DialMode.PREVIEW,
        script="Hello, this is Alex from Example Co.",
    )
    lead = make_lead(campaign, name="Ava Chen", data={"plan": "Gold"})
    return profile, campaign, lead


def test_the_desk_loads_the_campaign_panel(client_as, agent, preview):
    page = client_as(agent).get(reverse("telephony:desk"))
    assert reverse("campaigns:desk_panel").encode() in page.content


def test_the_panel_shows_the_next_preview_lead_with_its_script(client_as, agent, preview, monday):
    panel = client_as(agent).get(reverse("campaigns:desk_panel"))
    html = panel.content.decode()
    assert "Ava Chen" in html and "Gold" in html
    assert "Hello, this is Alex from Example Co." in html
    assert 'value="dial"' in html and 'value="skip"' in html


def test_dial_calls_the_previewed_lead_and_it_rings_the_agent_who_chose_it(
    client_as, agent, preview, simulator, monday
):
    profile, _campaign, lead = preview
    simulator.register_client("alex", CalledParty(answer="human", ring_seconds=1))
    simulator.set_party(NY_NUMBER, CalledParty(answer="human", ring_seconds=3, talk_seconds=20))
    response = client_as(agent).post(
        reverse("campaigns:desk_preview", args=[lead.pk]), {"action": "dial"}
    )
    assert response.status_code == 200
    assert "Campaign call" in response.content.decode()
    simulator.run(60)
    attempt = CallAttempt.objects.get(lead=lead)
    assert (attempt.agent, attempt.outcome) == (profile, "completed")


def test_skip_moves_the_lead_back_without_an_attempt(client_as, agent, preview, monday):
    _profile, _campaign, lead = preview
    response = client_as(agent).post(
        reverse("campaigns:desk_preview", args=[lead.pk]), {"action": "skip"}
    )
    assert "No campaign lead for you right now." in response.content.decode()
    lead.refresh_from_db()
    assert (lead.status, lead.attempts, lead.last_outcome) == ("scheduled", 0, "skipped")
    assert not CallAttempt.objects.exists()


def test_an_agent_cannot_dial_another_campaigns_lead(
    client_as, agent, preview, make_campaign, make_lead, monday
):
    other = make_lead(make_campaign(name="Other", dial_mode="preview"), phone="+12125550999")
    response = client_as(agent).post(
        reverse("campaigns:desk_preview", args=[other.pk]), {"action": "dial"}
    )
    assert "not yours to dial" in response.content.decode()
    assert not CallAttempt.objects.exists()


def test_an_agent_outside_the_campaign_cannot_skip_its_preview_lead(
    client_as, other_agent, preview, monday
):
    AgentProfile.objects.create(user=other_agent, client_identity="bea", state="available")
    _profile, _campaign, lead = preview
    response = client_as(other_agent).post(
        reverse("campaigns:desk_preview", args=[lead.pk]), {"action": "skip"}
    )
    assert "not yours to skip" in response.content.decode()
    lead.refresh_from_db()
    assert (lead.status, lead.last_outcome) == ("new", "")


def test_a_lead_of_a_campaign_not_in_preview_mode_cannot_be_skipped(
    client_as, agent, preview, make_campaign, make_lead, monday
):
    profile, _campaign, _lead = preview
    progressive = make_campaign(name="Progressive", agents=[profile], dial_mode="progressive")
    lead = make_lead(progressive, phone="+12125550999")
    response = client_as(agent).post(
        reverse("campaigns:desk_preview", args=[lead.pk]), {"action": "skip"}
    )
    assert "not yours to skip" in response.content.decode()
    lead.refresh_from_db()
    assert (lead.status, lead.last_outcome) == ("new", "")


def test_a_lead_outside_its_calling_window_is_not_offered_and_the_panel_says_why(
    client_as, agent, preview
):
    # 03:00 in New York: the lead may not be rung for hours.
    with time_machine.travel(dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC), tick=False):
        html = client_as(agent).get(reverse("campaigns:desk_panel")).content.decode()
    assert "Ava Chen" not in html and 'value="dial"' not in html
    assert "outside its calling window now" in html


def test_the_first_dialable_lead_is_offered_past_one_outside_its_window(
    client_as, agent, preview, make_lead
):
    make_lead(preview[1], name="Lou West", phone="+14155550123", time_zones=["America/Los_Angeles"])
    # Monday 21:30 in New York (closed), 18:30 in Los Angeles (open).
    with time_machine.travel(dt.datetime(2026, 11, 24, 2, 30, tzinfo=dt.UTC), tick=False):
        html = client_as(agent).get(reverse("campaigns:desk_panel")).content.decode()
    assert "Lou West" in html and "Ava Chen" not in html and 'value="dial"' in html
