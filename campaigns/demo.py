"""Demo campaign: a reminder campaign on the billing queue with a few leads (customers who
consented to its calls), and the internal Do-Not-Call list with one number. Idempotent:
keyed on names and numbers.

A reminder campaign, not a sales one: sales campaigns need a current copy of the national
registry to start, and demo data should not pretend to have one.
"""

from __future__ import annotations

from django.utils import timezone

from crm import services as crm_services
from crm.models import Customer, DncEntry, DncSource
from telephony.models import AgentProfile, Disposition, Queue

from .models import Campaign, Lead

CAMPAIGN_NAME = "Payment reminders"
LEADS = [
    ("+12125550131", "Maya Ortiz", "America/New_York"),
    ("+13125550132", "Liam Becker", "America/Chicago"),
    ("+14155550133", "Noor Haddad", "America/Los_Angeles"),
    ("+13055550134", "Ivy Tran", "America/New_York"),
]
DNC_NUMBER = "+16175550135"


def seed() -> Campaign:
    """Create what is missing of the demo campaign; returns it."""
    queue = Queue.objects.filter(name="Billing").first()
    campaign, created = Campaign.objects.get_or_create(
        name=CAMPAIGN_NAME,
        defaults={
            "kind": Campaign.Kind.REMINDER,
            "dial_mode": Campaign.DialMode.PREVIEW,
            "caller_id": "+18005550100",
            "queue": queue,
            "script": "Hello, this is Example Co about your invoice due this week. ...",
            "safe_harbor_message": "This is Example Co, 800 555 0100. Press 9 to stop our calls.",
        },
    )
    if created:
        campaign.agents.set(AgentProfile.objects.filter(user__username__in=["agent", "agent4"]))
        campaign.dispositions.set(Disposition.objects.all())
        sale, _ = Disposition.objects.get_or_create(
            code="paid", defaults={"label": "Promised to pay", "is_conversion": True}
        )
        stop, _ = Disposition.objects.get_or_create(
            code="do-not-call", defaults={"label": "Do not call", "adds_to_dnc": True}
        )
        campaign.dispositions.add(sale, stop)
    for phone, name, zone in LEADS:
        lead, _ = Lead.objects.get_or_create(
            campaign=campaign, phone=phone, defaults={"name": name, "time_zones": [zone]}
        )
        if lead.customer_id is None:
            # Reminders ring mobiles only with the customer's prior express consent.
            lead.customer = crm_services.customer_create(
                name=name,
                phone_numbers=[{"number": phone}],
                call_consent=Customer.CallConsent.EXPRESS,
                call_consent_at=timezone.now(),
            )
            lead.save(update_fields=["customer", "updated_at"])
    if not DncEntry.objects.filter(phone=DNC_NUMBER).exists():
        crm_services.dnc_add(phone=DNC_NUMBER, source=DncSource.MANUAL, reason="Asked by letter")
    return campaign
