"""The demo campaign keeps dialling: its leads are customers who consented to its calls."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from campaigns import demo
from campaigns.dialer import services
from campaigns.models import Lead

pytestmark = pytest.mark.django_db

# Noon in New York, 09:00 in Los Angeles, on a Monday: every demo lead is inside its hours.
MONDAY_NOON_NY = dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.UTC)


def test_every_demo_lead_may_be_dialled_in_its_hours(capsys):
    call_command("seed_demo", customers=2)
    leads = Lead.objects.filter(campaign__name=demo.CAMPAIGN_NAME).select_related(
        "campaign", "customer"
    )
    assert len(leads) == len(demo.LEADS)
    rules = services.DialRules.load()
    for lead in leads:
        assert lead.customer is not None and lead.customer.call_consent != "none"
        assert (
            services.dial_refusal(
                lead=lead, campaign=lead.campaign, rules=rules, now=MONDAY_NOON_NY
            )
            is None
        )


def test_seeding_twice_links_each_lead_to_one_customer(capsys):
    call_command("seed_demo", customers=2)
    first = dict(Lead.objects.values_list("phone", "customer_id"))
    with time_machine.travel(MONDAY_NOON_NY):
        call_command("seed_demo", customers=2)
    assert dict(Lead.objects.values_list("phone", "customer_id")) == first
