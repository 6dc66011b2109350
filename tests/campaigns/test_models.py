"""What the database and model validation refuse, whatever code writes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns.models import CallingRule, Campaign
from tests.factories import CallAttemptFactory, CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db


def test_the_same_number_twice_in_a_campaign_is_refused():
    lead = LeadFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        LeadFactory(campaign=lead.campaign, phone=lead.phone)
    LeadFactory(phone=lead.phone)  # another campaign may call it


def test_a_lead_cannot_be_dialled_twice_at_once():
    attempt = CallAttemptFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        CallAttemptFactory(lead=attempt.lead)
    attempt.ended_at = timezone.now()
    attempt.save()
    CallAttemptFactory(lead=attempt.lead)  # the next attempt, once the first has ended


def test_migration_seeds_the_federal_and_florida_rules():
    federal = CallingRule.objects.get(area_codes="")
    florida = CallingRule.objects.exclude(area_codes="").get()
    assert (federal.window_start, federal.window_end) == (dt.time(8), dt.time(21))
    assert (florida.window_end, florida.max_attempts_per_day) == (dt.time(20), 3)
    assert "305" in florida.area_code_list() and "813" in florida.area_code_list()


def test_calling_rule_refuses_a_backwards_window_and_bad_area_codes():
    rule = CallingRule(name="Bad", window_start=dt.time(20), window_end=dt.time(9), area_codes="30")
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert set(error.value.message_dict) == {"window_end", "area_codes"}


@pytest.mark.parametrize("mode", ["progressive", "predictive"])
def test_paced_modes_need_a_safe_harbor_message(mode):
    campaign = CampaignFactory.build(dial_mode=mode, safe_harbor_message=" ")
    with pytest.raises(ValidationError) as error:
        campaign.full_clean()
    assert "safe_harbor_message" in error.value.message_dict


def test_campaign_cross_field_rules():
    campaign = CampaignFactory.build(
        window_start=dt.time(18),
        window_end=dt.time(9),
        starts_on=dt.date(2026, 12, 1),
        ends_on=dt.date(2026, 11, 1),
        dial_mode="agentless",
        machine_handling="leave_message",
        abandonment_target_percent="3.5",
        ring_seconds=10,
    )
    with pytest.raises(ValidationError) as error:
        campaign.full_clean()
    assert {
        "window_end",
        "ends_on",
        "agentless_message",
        "machine_message",
        "abandonment_target_percent",
        "ring_seconds",
    } <= set(error.value.message_dict)


def test_a_running_campaign_needs_a_queue_or_agents():
    campaign = CampaignFactory(status="running")
    with pytest.raises(ValidationError) as error:
        campaign.full_clean()
    assert "queue" in error.value.message_dict
    agentless = CampaignFactory(status="running", dial_mode="agentless", agentless_message="Hi")
    agentless.full_clean()


def test_legal_status_moves():
    assert Campaign.TRANSITIONS["draft"] == ("running",)
    assert "paused" in Campaign.TRANSITIONS["running"]
    assert "running" in Campaign.TRANSITIONS["paused"]
    assert Campaign.TRANSITIONS["stopped"] == ()


def test_a_dialled_campaign_cannot_be_deleted():
    from django.db.models import ProtectedError

    attempt = CallAttemptFactory()
    with pytest.raises(ProtectedError):
        attempt.campaign.delete()
    untouched = LeadFactory().campaign
    untouched.delete()  # never dialled: nothing to keep
