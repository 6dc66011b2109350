"""Demo telephony: a support line with office hours and an IVR flow.

The flow: an hours check; open, a greeting and a menu (1 billing queue, 2 case status by
self-service then back to the menu, 3 transfer to sales, 0 voicemail; no choice after three
tries: voicemail); closed, a message and voicemail. Idempotent: keyed on names and keys.
"""

from __future__ import annotations

import datetime as dt

from .models import (
    BusinessHours,
    InboundNumber,
    IvrFlow,
    IvrMenuOption,
    IvrNode,
    OpeningPeriod,
    Queue,
)

SUPPORT_NUMBER = "+18005550100"
SALES_NUMBER = "+12125550199"


def seed() -> InboundNumber:
    """Create what is missing of the demo support line; returns the line."""
    hours, created = BusinessHours.objects.get_or_create(
        name="Office hours", defaults={"time_zone": "America/New_York"}
    )
    if created:
        for weekday in range(5):
            OpeningPeriod.objects.create(
                hours=hours, weekday=weekday, opens=dt.time(8), closes=dt.time(20)
            )
        OpeningPeriod.objects.create(hours=hours, weekday=5, opens=dt.time(9), closes=dt.time(13))
    billing, _ = Queue.objects.get_or_create(name="Billing")
    Queue.objects.get_or_create(name="General", defaults={"is_default": True})
    flow, _ = IvrFlow.objects.get_or_create(
        name="Main support", defaults={"description": "The demo support line."}
    )

    def node(key: str, kind: str, **fields) -> IvrNode:
        found, _ = IvrNode.objects.update_or_create(
            flow=flow, key=key, defaults={"kind": kind, **fields}
        )
        return found

    voicemail = node(
        "voicemail",
        "voicemail",
        case_category="billing",
        message="Please leave your name, number and message after the tone.",
    )
    to_billing = node("billing", "queue", queue=billing, message="Connecting you to billing.")
    sales = node(
        "sales", "transfer", transfer_to=SALES_NUMBER, message="Transferring you to sales."
    )
    menu = node(
        "main-menu",
        "menu",
        accept_speech=True,
        default_node=voicemail,
        message="For billing, press 1. For the status of your cases, press 2. "
        "For sales, press 3. To leave a message, press 0.",
    )
    status = node("case-status", "self_service", next_node=menu, default_node=voicemail)
    for digit, label, target, words in [
        ("1", "Billing", to_billing, "billing, bill, invoice, payment"),
        ("2", "Case status", status, "status, case, ticket"),
        ("3", "Sales", sales, "sales, buy"),
        ("0", "Voicemail", voicemail, "message, voicemail"),
    ]:
        IvrMenuOption.objects.update_or_create(
            node=menu, digit=digit, defaults={"label": label, "target": target, "keywords": words}
        )
    greeting = node("greeting", "say", message="Welcome to Example Support.", next_node=menu)
    closed = node(
        "closed",
        "say",
        next_node=voicemail,
        message="We are closed. Our hours are 8 to 8, Monday to Friday, and 9 to 1 on Saturday.",
    )
    entry = node("hours", "hours", next_node=greeting, closed_node=closed)
    if flow.entry_node_id != entry.pk:
        flow.entry_node = entry
        flow.save(update_fields=["entry_node"])
    line, _ = InboundNumber.objects.get_or_create(
        number=SUPPORT_NUMBER,
        defaults={
            "name": "Main support line",
            "flow": flow,
            "business_hours": hours,
            "unknown_sender_reply": "Thanks for your message. An agent will text you back.",
        },
    )
    return line
