"""The CRM core: customers and how to reach them, their cases, one timeline per customer,
and whom we must never call (Do-Not-Call lists).

Writes go through crm.services; these classes describe data and its single-row rules.
"""

from __future__ import annotations

import functools
import zoneinfo

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .phones import PhoneNumberField, format_phone
from .timeline import source_page


@functools.cache
def known_time_zones() -> frozenset[str]:
    """IANA names this system knows. Cached: listing them reads the whole zone database."""
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value and value not in known_time_zones():
        raise ValidationError(
            "“%(value)s” is not a known time zone (e.g. America/New_York).",
            code="invalid",
            params={"value": value},
        )


# Codes Twilio's <Say language> accepts, so the IVR can greet customers in their language.
LANGUAGES = [
    ("en-US", "English (US)"),
    ("en-GB", "English (UK)"),
    ("es-US", "Spanish (US)"),
    ("es-MX", "Spanish (Mexico)"),
    ("fr-CA", "French (Canada)"),
    ("fr-FR", "French (France)"),
    ("de-DE", "German"),
    ("pt-BR", "Portuguese (Brazil)"),
]


class Customer(models.Model):
    class Tier(models.IntegerChoices):
        # The value is the routing weight: higher tiers wait less (see the ACD).
        STANDARD = 0, "Standard"
        SILVER = 1, "Silver"
        GOLD = 2, "Gold"
        PLATINUM = 3, "Platinum"

    name = models.CharField(max_length=200)
    account_number = models.CharField(
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z0-9][A-Z0-9-]*$",
                "Use capital letters, digits and dashes (e.g. AC-10042).",
            )
        ],
        help_text="Unique; given to the customer for self-service.",
    )
    tier = models.PositiveSmallIntegerField(choices=Tier.choices, default=Tier.STANDARD)
    preferred_language = models.CharField(max_length=8, choices=LANGUAGES, default="en-US")
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="IANA name, e.g. America/Chicago. Blank: derived from the phone number.",
    )
    email = models.EmailField("primary email", blank=True)
    is_lead = models.BooleanField(
        default=False, help_text="Not yet a customer: created from an unknown caller or sender."
    )

    class RecordingConsent(models.TextChoices):
        # Unknown is not a refusal: the announcement and the line's policy decide then.
        UNKNOWN = "unknown", "Not asked"
        GIVEN = "given", "Consents"
        REFUSED = "refused", "Refused: never record"

    recording_consent = models.CharField(
        "call recording consent",
        max_length=8,
        choices=RecordingConsent.choices,
        default=RecordingConsent.UNKNOWN,
        help_text="Refused: this customer's calls are never recorded.",
    )

    class CallConsent(models.TextChoices):
        # Ordered: each level includes those before it (see `has_call_consent`).
        NONE = "none", "None"
        EXPRESS = "express", "Prior express consent"
        WRITTEN = "written", "Prior express written consent"

    # Whether the dialer may ring this customer's numbers, by what they agreed to (TCPA):
    # which level a campaign needs for which kind of line is campaigns' ConsentRule.
    call_consent = models.CharField(
        "consent to dialled calls",
        max_length=8,
        choices=CallConsent.choices,
        default=CallConsent.NONE,
        help_text="Express: gave the number for calls about their account (reminders, "
        "collections). Written: signed agreement to telemarketing calls, needed for sales "
        "calls to mobiles.",
    )
    call_consent_at = models.DateTimeField(
        "consent given at", null=True, blank=True, help_text="When it was given or last renewed."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name"]), models.Index(fields=["email"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.account_number})"

    def get_absolute_url(self) -> str:
        return reverse("crm:customer_detail", args=[self.pk])

    def has_call_consent(self, required: str) -> bool:
        """Does the consent given reach the `required` level (a CallConsent value)?"""
        levels = self.CallConsent.values
        return levels.index(self.call_consent) >= levels.index(required)


class PhoneNumber(models.Model):
    """One of a customer's numbers, stored as E.164 and indexed for caller-ID lookup."""

    class Label(models.TextChoices):
        MOBILE = "mobile", "Mobile"
        HOME = "home", "Home"
        WORK = "work", "Work"
        OTHER = "other", "Other"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phone_numbers")
    number = PhoneNumberField(db_index=True)
    label = models.CharField(max_length=10, choices=Label.choices, default=Label.MOBILE)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "number"], name="phone_unique_per_customer"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def display(self) -> str:
        return format_phone(self.number)


class EmailAddress(models.Model):
    """A further email address of a customer (the primary one is on Customer)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="email_addresses")
    email = models.EmailField()
    label = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "email"], name="email_unique_per_customer"),
        ]
        indexes = [models.Index(fields=["email"])]

    def __str__(self) -> str:
        return self.email


class Case(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        OPEN = "open", "Open"
        PENDING = "pending", "Pending"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    class Priority(models.IntegerChoices):
        LOW = 1, "Low"
        NORMAL = 2, "Normal"
        HIGH = 3, "High"
        URGENT = 4, "Urgent"

    class Category(models.TextChoices):
        BILLING = "billing", "Billing"
        TECHNICAL = "technical", "Technical support"
        ACCOUNT = "account", "Account"
        ORDER = "order", "Order"
        COMPLAINT = "complaint", "Complaint"
        OTHER = "other", "Other"

    # The legal moves of the workflow. Closed is final; a resolved case can be reopened.
    TRANSITIONS: dict[str, tuple[str, ...]] = {
        Status.NEW: (Status.OPEN, Status.CLOSED),
        Status.OPEN: (Status.PENDING, Status.RESOLVED),
        Status.PENDING: (Status.OPEN, Status.RESOLVED),
        Status.RESOLVED: (Status.OPEN, Status.CLOSED),
        Status.CLOSED: (),
    }
    OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING)
    NEEDS_RESOLUTION = (Status.RESOLVED, Status.CLOSED)

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="cases")
    subject = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=10_000)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_cases",
    )
    due_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True, max_length=10_000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("assign_case", "Can assign cases to any agent")]
        indexes = [
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["customer", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["new", "open", "pending", "resolved", "closed"]),
                name="case_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["resolved", "closed"], resolution=""),
                name="case_resolution_when_done",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("crm:case_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"CS-{self.pk:06d}" if self.pk else "CS-new"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()

    def allowed_transitions(self) -> tuple[str, ...]:
        return self.TRANSITIONS[self.status]


class CaseEvent(models.Model):
    """One recorded change of a case: who, when, and each field's old and new value."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        STATUS = "status", "Status changed"
        ASSIGNED = "assigned", "Assigned"
        UPDATED = "updated", "Updated"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # {"field": [old, new]} as display strings, so history survives later schema changes.
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case.reference} {self.get_kind_display()}"


class Interaction(models.Model):
    """An entry of a customer's timeline: a call, message, email, note or case change.

    `source` links to the record it came from (a case, and later a call or lead attempt).
    """

    class Kind(models.TextChoices):
        CALL = "call", "Call"
        SMS = "sms", "SMS"
        EMAIL = "email", "Email"
        NOTE = "note", "Note"
        CASE = "case", "Case"

    class Direction(models.TextChoices):
        INBOUND = "inbound", "Inbound"
        OUTBOUND = "outbound", "Outbound"
        INTERNAL = "internal", "Internal"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="interactions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    direction = models.CharField(
        max_length=10, choices=Direction.choices, default=Direction.INTERNAL
    )
    occurred_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    summary = models.CharField(max_length=255)
    body = models.TextField(blank=True, max_length=10_000)
    source_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    # Set by crm.timeline.attach_players for pages: the recordings the viewer may hear.
    players: list[str]

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at", "-id"], name="timeline_order"),
            models.Index(fields=["source_type", "source_id"], name="interaction_source"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary}"

    def source_url(self) -> str | None:
        source_type = self.source_type  # None, with no query, when source_type_id is
        if source_type is None:
            return None
        if self.source_id is None:
            return None
        registered = source_page(f"{source_type.app_label}.{source_type.model}", self.source_id)
        if registered is not None:
            return registered
        model = source_type.model_class()
        if model is None:
            return None
        # Source URLs are built from the primary key alone, so a timeline of fifty
        # entries does not load fifty source rows.
        source = model(pk=self.source_id)
        if not hasattr(source, "get_absolute_url"):
            return None
        return source.get_absolute_url()


class DncList(models.Model):
    """A Do-Not-Call list: the company's own, a campaign list, or a copy of a national registry.

    Internal and national lists bind every call; a campaign list binds only the calls of
    a campaign that names it among its lists.
    """

    class Kind(models.TextChoices):
        INTERNAL = "internal", "Internal (company)"
        CAMPAIGN = "campaign", "Campaign"
        NATIONAL = "national", "National registry"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    as_of = models.DateField(
        null=True, blank=True, help_text="National lists: the date of the registry copy."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = "Do-Not-Call list"
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=Q(kind="internal"), name="one_internal_dnc_list"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == self.Kind.NATIONAL and self.as_of is None:
            raise ValidationError({"as_of": "Give the date of the registry copy."})


class DncSource(models.TextChoices):
    MANUAL = "manual", "Entered by hand"
    IMPORT = "import", "File import"
    REGISTRY = "registry", "National registry"
    AGENTLESS_OPT_OUT = "agentless_opt_out", "Opt-out key in an automated call"
    IVR_REQUEST = "ivr_request", "Asked in the IVR"
    DISPOSITION = "disposition", "Agent's disposition"
    API = "api", "API"


class DncEntry(models.Model):
    """One number on one list. Internal entries are kept (at least five years, never expire)."""

    dnc_list = models.ForeignKey(DncList, on_delete=models.CASCADE, related_name="entries")
    phone = PhoneNumberField()
    source = models.CharField(max_length=20, choices=DncSource.choices)
    reason = models.CharField(max_length=255, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-added_at", "-id"]
        verbose_name = "Do-Not-Call entry"
        verbose_name_plural = "Do-Not-Call entries"
        constraints = [
            models.UniqueConstraint(fields=["dnc_list", "phone"], name="dnc_number_once_per_list"),
        ]
        indexes = [models.Index(fields=["phone"], name="dnc_entry_phone")]

    def __str__(self) -> str:
        return f"{self.phone} on {self.dnc_list}"

    @property
    def display(self) -> str:
        return format_phone(self.phone)


class DncRegistryNumber(models.Model):
    """One number of a national registry copy, kept lean: a copy holds 250M+ numbers.

    Registry numbers are not audited one by one (the copy's date on the list is their
    record) and are replaced area code by area code on each load; hand-entered numbers of
    any list stay in DncEntry. One index, (phone, list): it serves the dial-time check by
    phone and the load's ranges of an area code. The list is referenced without a database
    constraint, because its per-row trigger made a load an order of magnitude slower;
    checks go through the list, and `dnc_lists_delete` removes a list's numbers with it.
    """

    pk = models.CompositePrimaryKey("phone", "dnc_list")
    phone = PhoneNumberField()
    dnc_list = models.ForeignKey(
        DncList,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="registry_numbers",
    )

    class Meta:
        verbose_name = "Do-Not-Call registry number"

    def __str__(self) -> str:
        return f"{self.phone} on {self.dnc_list_id}"


class DncChange(models.Model):
    """The audit trail of additions to and removals from Do-Not-Call lists."""

    class Action(models.TextChoices):
        ADD = "add", "Added"
        REMOVE = "remove", "Removed"

    dnc_list = models.ForeignKey(DncList, on_delete=models.PROTECT, related_name="changes")
    phone = PhoneNumberField()
    action = models.CharField(max_length=6, choices=Action.choices)
    source = models.CharField(max_length=20, choices=DncSource.choices)
    reason = models.CharField(max_length=255, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "Do-Not-Call change"
        indexes = [models.Index(fields=["phone", "-at"], name="dnc_change_phone")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.phone} ({self.dnc_list})"
