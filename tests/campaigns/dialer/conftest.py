"""A sales queue with skilled agents, a running campaign and its leads, on a frozen Monday."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache

from campaigns.models import Campaign, Lead
from crm import services as crm_services
from crm.models import Customer
from telephony.models import AgentProfile, AgentSkill, Queue, QueueSkill, Skill
from telephony.simulator import CalledParty
from tests.factories import UserFactory

# 10:00 in New York, 07:00 in Los Angeles, on a Monday.
MONDAY_10AM_NY = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
NY_NUMBER = "+12125550123"


@pytest.fixture(autouse=True)
def _dialer_settings(settings):
    # Plenty of dialling slots, and none left over from another test.
    settings.TWILIO_CALLS_PER_SECOND = 1000
    cache.clear()


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY_10AM_NY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def sales_queue(db) -> Queue:
    queue = Queue.objects.create(name="Outbound sales", offer_timeout_seconds=10)
    QueueSkill.objects.create(queue=queue, skill=Skill.objects.get_or_create(name="sales")[0])
    return queue


@pytest.fixture
def make_agent(db):
    def make(name: str, *, state: str = "available", simulator=None, ring: float = 1.0):
        agent = AgentProfile.objects.create(
            user=UserFactory.create(username=name),
            client_identity=name,
            state=state,
            idle_since=MONDAY_10AM_NY - dt.timedelta(hours=1),
        )
        AgentSkill.objects.create(agent=agent, skill=Skill.objects.get_or_create(name="sales")[0])
        if simulator is not None:
            simulator.register_client(
                name, CalledParty(answer="human", ring_seconds=ring, talk_seconds=3600)
            )
        return agent

    return make


@pytest.fixture
def make_campaign(db, sales_queue):
    def make(*, agents=(), **fields) -> Campaign:
        campaign = Campaign.objects.create(
            name=fields.pop("name", "Winter offer"),
            dial_mode=fields.pop("dial_mode", Campaign.DialMode.PROGRESSIVE),
            status=fields.pop("status", Campaign.Status.RUNNING),
            caller_id="+18005550100",
            queue=sales_queue,
            ring_seconds=15,
            safe_harbor_message="This is Example Co, 800 555 0100, a sales call. "
            "Press 9 to stop our calls.",
            window_start=fields.pop("window_start", dt.time(8, 0)),
            window_end=fields.pop("window_end", dt.time(21, 0)),
            **fields,
        )
        campaign.agents.set(agents)
        return campaign

    return make


@pytest.fixture
def make_lead(db):
    def make(campaign: Campaign, phone: str = NY_NUMBER, **fields) -> Lead:
        name = fields.pop("name", "Ava Chen")
        # Consent to every kind of campaign: tests of consent itself set their own.
        customer = crm_services.customer_create(
            name=name,
            phone_numbers=[{"number": phone}],
            call_consent=fields.pop("call_consent", Customer.CallConsent.WRITTEN),
            call_consent_at=MONDAY_10AM_NY - dt.timedelta(days=30),
        )
        return Lead.objects.create(
            campaign=campaign,
            customer=customer,
            name=name,
            phone=phone,
            time_zones=fields.pop("time_zones", ["America/New_York"]),
            **fields,
        )

    return make
