"""Factories for tests. Customers and cases go through crm.services where rules apply."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from crm.models import Customer, PhoneNumber

AREA_CODES = ["201", "202", "203", "205", "206", "207", "208", "209", "210", "212", "213", "214"]


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("s3cret-pass")


class CustomerFactory(factory.django.DjangoModelFactory[Customer]):
    class Meta:
        model = Customer

    name = factory.Faker("name")
    account_number = factory.Sequence(lambda n: f"AC-{500000 + n}")
    email = factory.LazyAttribute(lambda c: f"{c.account_number.lower()}@example.com")


class PhoneNumberFactory(factory.django.DjangoModelFactory[PhoneNumber]):
    class Meta:
        model = PhoneNumber

    customer = factory.SubFactory(CustomerFactory)
    # 555-01xx lines are reserved for fiction; the area code varies to avoid collisions.
    number = factory.Sequence(
        lambda n: f"+1{AREA_CODES[n // 100 % len(AREA_CODES)]}555{100 + n % 100:04d}"
    )
    is_primary = True


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "campaigns.Campaign"

    name = factory.Sequence(lambda n: f"Campaign {n}")
    caller_id = "+18005550100"
    safe_harbor_message = (
        "This is Example Co at 800 555 0100 with a telemarketing call. "
        "Press 9 to be added to our do-not-call list."
    )


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "campaigns.Lead"

    campaign = factory.SubFactory(CampaignFactory)
    phone = factory.Sequence(
        lambda n: f"+1{AREA_CODES[n // 100 % len(AREA_CODES)]}555{200 + n % 100:04d}"
    )
    name = factory.Faker("name")
    time_zones = ["America/New_York"]
    # A customer who consents to every kind of campaign, so factory leads are dialled.
    customer = factory.SubFactory(CustomerFactory, call_consent=Customer.CallConsent.WRITTEN)


class CallAttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "campaigns.CallAttempt"

    lead = factory.SubFactory(LeadFactory)
    campaign = factory.SelfAttribute("lead.campaign")
