"""A simulator whose virtual clock is also the application's, so waits and talk times in
the records are as long as the simulated ones; billing agents; a second queue's team."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings

from crm import services as crm_services
from telephony import demo, gateway, twiml
from telephony.acd import presence
from telephony.models import AgentProfile, AgentSkill, Skill
from telephony.simulator import NumberConfig, Simulator, VirtualClock
from tests.conftest import SchemaCheckedTransport
from tests.factories import UserFactory

# A Monday morning in the call center's day (UTC by default).
START = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


class AppClock(VirtualClock):
    """The simulator's virtual time, moving the application's clock along with it."""

    def __init__(self, traveller: time_machine.Traveller) -> None:
        super().__init__(START)
        self.traveller = traveller

    def advance_to(self, when: dt.datetime) -> None:
        super().advance_to(when)
        self.traveller.move_to(self.now())


@pytest.fixture
def clocked_simulator(db):
    """Offline Twilio on the application's clock, starting at START."""
    with time_machine.travel(START, tick=False) as traveller:
        sim = Simulator(
            account_sid=settings.TWILIO_ACCOUNT_SID,
            auth_token=settings.TWILIO_AUTH_TOKEN,
            transport=SchemaCheckedTransport(),
            clock=AppClock(traveller),
            default_number=NumberConfig(
                voice_url=twiml.webhook_url("voice_incoming"),
                voice_fallback_url=twiml.webhook_url("voice_fallback"),
                status_callback=twiml.webhook_url("voice_status"),
                sms_url=twiml.webhook_url("sms_incoming"),
            ),
        )
        with gateway.using(gateway.build_client(http_client=sim.sdk_http_client())):
            yield sim


def billing_agent(name: str, state: str = "available") -> AgentProfile:
    """An agent with the billing skill the demo's Billing queue asks for."""
    agent = AgentProfile.objects.create(
        user=UserFactory.create(username=name, first_name=name.title()), client_identity=name
    )
    AgentSkill.objects.create(agent=agent, skill=Skill.objects.get(name="billing"), level=5)
    if state != "offline":
        presence.agent_set_state(agent=agent, state=state, reason="break")
    return agent


@pytest.fixture
def ava(db):
    return crm_services.customer_create(
        name="Ava Chen", account_number="AC-100042", phone_numbers=[{"number": "4155550142"}]
    )


@pytest.fixture
def support_line(db):
    """The demo support line (telephony.demo): its Billing queue asks for billing."""
    return demo.seed()
