"""Signed Twilio requests, a demo IVR flow, and schema checks on every TwiML answer."""

from __future__ import annotations

import itertools

import pytest
from django.conf import settings
from twilio.request_validator import RequestValidator

from crm.models import Customer
from telephony import demo
from telephony.acd import offers, presence, routing
from telephony.models import AgentProfile, Call, Queue, QueueEntry
from tests.twiml_schema import assert_valid_twiml

OUR_NUMBER = demo.SUPPORT_NUMBER
_sids = itertools.count(1)


def new_call_sid() -> str:
    return f"CA{next(_sids):032x}"


def sign(url: str, params: dict[str, str], token: str | None = None) -> str:
    return RequestValidator(token or settings.TWILIO_AUTH_TOKEN).compute_signature(url, params)


@pytest.fixture
def twilio_post(client):
    """POST as Twilio would: form-encoded, signed for PUBLIC_BASE_URL + path.

    Voice TwiML answers are checked against Twilio's schema.
    """

    def post(path: str, params: dict[str, str], *, signature: str | None = None):
        url = settings.PUBLIC_BASE_URL + path
        response = client.post(
            path, params, headers={"X-Twilio-Signature": signature or sign(url, params)}
        )
        if response["Content-Type"].startswith("application/xml") and "/sms/" not in path:
            response.twiml = assert_valid_twiml(response.content)
        return response

    return post


def call_ended_for(
    agent: AgentProfile, *, queue: Queue, customer: Customer, sid: str
) -> QueueEntry:
    """`agent` took an inbound call of `customer` in `queue`, and it just ended: the agent
    is in wrap-up with its entry."""
    call = Call.objects.create(
        sid=sid,
        direction="inbound",
        from_number="+14155550142",
        to_number="+18005550100",
        customer=customer,
    )
    entry = QueueEntry.objects.create(queue=queue, call=call, customer=customer)
    presence.agent_set_state(agent=agent, state="available")
    routing.route()
    offers.offer_accepted(entry_id=entry.pk)
    offers.conversation_ended(entry_id=entry.pk)
    return entry


def voice_params(call_sid: str, **extra: str) -> dict[str, str]:
    return {
        "CallSid": call_sid,
        "AccountSid": settings.TWILIO_ACCOUNT_SID,
        "From": "+14155550142",
        "To": OUR_NUMBER,
        "Caller": "+14155550142",
        "Called": OUR_NUMBER,
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        **extra,
    }


@pytest.fixture
def support_line(db):
    """The demo support line (telephony.demo): see its docstring for the flow."""
    return demo.seed()
