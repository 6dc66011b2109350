"""Managers' admin for campaigns: every page opens, actions go through the services, and
the demo seeds a campaign."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, Lead, LeadImport, ScrubbedLead
from crm import services as crm_services
from crm.models import DncChange, DncList
from telephony.models import AgentProfile, Queue, QueueSkill, Skill
from tests.factories import CallAttemptFactory, CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled():
    campaign = CampaignFactory(name="Winter offers", kind="reminder")
    attempt = CallAttemptFactory(campaign=campaign, lead__campaign=campaign)
    LeadImport.objects.create(campaign=campaign, file="x.csv", original_name="x.csv")
    crm_services.dnc_add(phone="4155550142", source="manual")
    DncList.objects.create(name="National", kind="national", as_of=timezone.localdate())
    return attempt


@pytest.mark.parametrize(
    "model", [m for m in admin.site._registry if m._meta.app_label == "campaigns"], ids=str
)
def test_manager_opens_every_campaign_admin_page(client_as, manager, filled, model):
    client = client_as(manager)
    opts = model._meta
    assert client.get(reverse(f"admin:campaigns_{opts.model_name}_changelist")).status_code == 200
    obj = model.objects.first()
    change = client.get(reverse(f"admin:campaigns_{opts.model_name}_change", args=[obj.pk]))
    assert change.status_code == 200


def test_campaign_list_warns_about_an_old_registry_copy(client_as, manager):
    DncList.objects.create(
        name="Old", kind="national", as_of=timezone.localdate() - dt.timedelta(60)
    )
    page = client_as(manager).get(reverse("admin:campaigns_campaign_changelist"))
    assert "60 days old" in page.content.decode()


def test_admin_actions_move_campaigns_through_the_service(client_as, manager):
    ready = CampaignFactory(
        kind="reminder",
        status="paused",
        dial_mode="agentless",
        agentless_message="Your appointment is tomorrow.",
    )
    stopped = CampaignFactory(status="stopped")
    client_as(manager).post(
        reverse("admin:campaigns_campaign_changelist"),
        {"action": "resume", "_selected_action": [ready.pk, stopped.pk]},
    )
    ready.refresh_from_db()
    stopped.refresh_from_db()
    assert (ready.status, stopped.status) == ("running", "stopped")


def test_demo_seeds_a_campaign_with_leads_and_a_dnc_entry():
    call_command("seed_demo", customers=2)
    call_command("seed_demo", customers=2)
    campaign = Campaign.objects.get(name="Payment reminders")
    assert Lead.objects.filter(campaign=campaign).count() == 4
    assert campaign.queue.name == "Billing" and campaign.agents.count() == 2
    assert DncChange.objects.count() == 1


def test_admin_warns_when_campaign_agents_lack_the_queue_skills(client_as, manager, agent):
    queue = Queue.objects.create(name="Sales")
    QueueSkill.objects.create(queue=queue, skill=Skill.objects.create(name="sales"), min_level=2)
    campaign = CampaignFactory(queue=queue)
    campaign.agents.add(AgentProfile.objects.create(user=agent, client_identity="alex"))
    page = client_as(manager).get(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))
    assert "Alex Kim cannot take this campaign&#x27;s calls" in page.content.decode()


def test_the_lead_list_shows_and_filters_the_leads_the_scrub_stopped(client_as, manager):
    campaign = CampaignFactory()
    stopped, waiting = LeadFactory(campaign=campaign), LeadFactory(campaign=campaign)
    ScrubbedLead.objects.create(lead=stopped, stopped_at=timezone.now())
    client = client_as(manager)
    url = reverse("admin:campaigns_lead_changelist")
    page = client.get(url, {"scrub_stop__isempty": "0"})
    assert list(page.context["cl"].result_list) == [stopped]
    assert "Do not call (scrub)" in page.content.decode()
    page = client.get(url, {"scrub_stop__isempty": "1"})
    assert list(page.context["cl"].result_list) == [waiting]
