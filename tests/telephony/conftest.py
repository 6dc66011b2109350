"""Signed Twilio requests, a demo IVR flow, and schema checks on every TwiML answer."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.conf import settings
from twilio.request_validator import RequestValidator

from telephony.models import (
    BusinessHours,
    InboundNumber,
    IvrFlow,
    IvrMenuOption,
    IvrNode,
    OpeningPeriod,
    Queue,
)
from tests.twiml_schema import assert_valid_twiml

OUR_NUMBER = "+18005550100"
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
    """Main support line: hours check, greeting, then a menu.

    1 billing queue · 2 case status (self-service, back to the menu) · 3 sales transfer ·
    0 voicemail; no choice after three tries: voicemail. Closed: a message, then voicemail.
    """
    hours = BusinessHours.objects.create(name="Office", time_zone="America/New_York")
    for weekday in range(5):
        OpeningPeriod.objects.create(
            hours=hours, weekday=weekday, opens=dt.time(8), closes=dt.time(20)
        )
    billing = Queue.objects.create(name="Billing")
    flow = IvrFlow.objects.create(name="Support")

    def node(key: str, kind: str, **fields) -> IvrNode:
        return IvrNode.objects.create(flow=flow, key=key, kind=kind, **fields)

    voicemail = node(
        "voicemail", "voicemail", message="Leave a message after the tone.", case_category="billing"
    )
    to_billing = node("billing", "queue", queue=billing, message="Connecting you to billing.")
    sales = node("sales", "transfer", transfer_to="+12125550199", message="Transferring you.")
    menu = node(
        "main-menu",
        "menu",
        accept_speech=True,
        message="For billing press 1. For the status of your cases press 2. For sales press 3.",
        default_node=voicemail,
    )
    status = node("case-status", "self_service", next_node=menu, default_node=voicemail)
    for digit, label, target, words in [
        ("1", "Billing", to_billing, "billing, bill, invoice"),
        ("2", "Case status", status, "status, case"),
        ("3", "Sales", sales, "sales"),
        ("0", "Voicemail", voicemail, ""),
    ]:
        IvrMenuOption.objects.create(
            node=menu, digit=digit, label=label, target=target, keywords=words
        )
    greeting = node("greeting", "say", message="Welcome to Example Support.", next_node=menu)
    closed = node(
        "closed",
        "say",
        message="We are closed. Our hours are 8 to 8, Monday to Friday.",
        next_node=voicemail,
    )
    entry = node("hours", "hours", next_node=greeting, closed_node=closed)
    flow.entry_node = entry
    flow.save()
    line = InboundNumber.objects.create(
        number=OUR_NUMBER,
        name="Main support line",
        flow=flow,
        business_hours=hours,
        unknown_sender_reply="Thanks for your message. An agent will text you back.",
    )
    return line
