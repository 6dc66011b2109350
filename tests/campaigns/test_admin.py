"""Managers' admin for campaigns: every page opens, actions go through the services, the
Do-Not-Call list is audited, registry files load, and the demo seeds a campaign."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from campaigns import selectors, services
from campaigns.models import Campaign, DncChange, DncList, Lead, LeadImport
from telephony.models import AgentProfile, Queue, QueueSkill, Skill
from tests.factories import CallAttemptFactory, CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled():
    campaign = CampaignFactory(name="Winter offers", kind="reminder")
    attempt = CallAttemptFactory(campaign=campaign, lead__campaign=campaign)
    LeadImport.objects.create(campaign=campaign, file="x.csv", original_name="x.csv")
    services.dnc_add(phone="4155550142", source="manual")
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


def test_entries_added_in_admin_are_audited(client_as, manager):
    internal = services.dnc_internal_list()
    response = client_as(manager).post(
        reverse("admin:campaigns_dncentry_add"),
        {"dnc_list": internal.pk, "phone": "(415) 555-0142", "reason": "Letter"},
    )
    assert response.status_code == 302
    change = DncChange.objects.get()
    assert (change.phone, change.by, change.source) == ("+14155550142", manager, "manual")


def test_registry_files_upload_in_admin(client_as, manager, django_capture_on_commit_callbacks):
    national = DncList.objects.create(name="National", kind="national", as_of=dt.date(2026, 1, 1))
    files = [
        SimpleUploadedFile("212.txt", b"212,5550101\n"),
        SimpleUploadedFile("415.txt", b"4155550102\n"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(manager).post(
            reverse("admin:campaigns_dnclist_registry_import", args=[national.pk]),
            {"files": files, "as_of": "2026-11-25"},
        )
    assert response.status_code == 302
    assert selectors.is_on_dnc("+12125550101") and selectors.is_on_dnc("+14155550102")
    national.refresh_from_db()
    assert national.as_of == dt.date(2026, 11, 25)


def test_registry_command_loads_files_from_disk(tmp_path):
    path = tmp_path / "305.txt"
    path.write_bytes(b"305,5550101\n305,5550102\n")
    call_command("dnc_registry_import", str(path), "--as-of", "2026-11-25")
    national = DncList.objects.get(kind="national")
    assert national.entries.count() == 2 and national.as_of == dt.date(2026, 11, 25)


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
