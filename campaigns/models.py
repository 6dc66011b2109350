"""Outbound campaigns: what is dialled (leads), how (campaign settings) and what happened
(attempts). Do-Not-Call lists are crm's; a campaign names the ones that bind it besides
the internal and national lists.

Writes go through campaigns.services; reads through campaigns.selectors.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from crm.models import Customer, validate_time_zone
from crm.phones import PhoneNumberField, format_phone

_AREA_CODE = re.compile(r"^\d{3}$")
_SEPARATORS = re.compile(r"[\s,;]+")


def split_area_codes(text: str) -> list[str]:
    """Area codes written comma- or space-separated, as a list."""
    return [code for code in _SEPARATORS.split(text or "") if code]


class CallingRule(models.Model):
    """When the called party may be rung, as data: the federal rule and stricter states.

    A rule applies to every number of its country, or only to its area codes. The dialer
    applies the strictest of all matching rules and the campaign's own window, in the
    called party's local time.
    """

    name = models.CharField(max_length=100, unique=True)
    country = models.CharField(
        max_length=2, default="US", help_text="ISO region of the numbers, e.g. US."
    )
    area_codes = models.TextField(
        blank=True,
        help_text="Comma- or space-separated area codes (e.g. a state's). Blank: the whole "
        "country.",
    )
    window_start = models.TimeField(default=datetime.time(8, 0))
    window_end = models.TimeField(default=datetime.time(21, 0))
    max_attempts_per_day = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Calls to the same number per 24 hours (blank: no limit)."
    )
    allow_sunday = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["country", "name"]

    def __str__(self) -> str:
        return self.name

    def area_code_list(self) -> list[str]:
        return split_area_codes(self.area_codes)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.window_start and self.window_end and self.window_end <= self.window_start:
            errors["window_end"] = "The window must end after it starts."
        bad = [code for code in self.area_code_list() if not _AREA_CODE.match(code)]
        if bad:
            errors["area_codes"] = f"Not three-digit area codes: {', '.join(bad)}."
        if errors:
            raise ValidationError(errors)


class Campaign(models.Model):
    class Kind(models.TextChoices):
        SALES = "sales", "Sales"
        SURVEY = "survey", "Survey"
        REMINDER = "reminder", "Reminder"
        COLLECTIONS = "collections", "Collections"

    class DialMode(models.TextChoices):
        PREVIEW = "preview", "Preview (agent sees the lead, then dials)"
        PROGRESSIVE = "progressive", "Progressive (one line per free agent)"
        PREDICTIVE = "predictive", "Predictive (paced lines per agent)"
        AGENTLESS = "agentless", "Agentless (recorded message)"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        RUNNING = "running", "Running"
        PAUSED = "paused", "Paused"
        STOPPED = "stopped", "Stopped"
        COMPLETED = "completed", "Completed"

    class MachineHandling(models.TextChoices):
        HANG_UP = "hang_up", "Hang up"
        LEAVE_MESSAGE = "leave_message", "Leave the machine message"

    # The legal moves; stopped and completed are final.
    TRANSITIONS: dict[str, tuple[str, ...]] = {
        Status.DRAFT: (Status.RUNNING,),
        Status.RUNNING: (Status.PAUSED, Status.STOPPED, Status.COMPLETED),
        Status.PAUSED: (Status.RUNNING, Status.STOPPED, Status.COMPLETED),
        Status.STOPPED: (),
        Status.COMPLETED: (),
    }
    # Modes that connect an answered call to an agent only after it is answered, so a
    # caller may hear the safe-harbor message when nobody is free within 2 seconds.
    PACED_MODES = (DialMode.PROGRESSIVE, DialMode.PREDICTIVE)

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.SALES)
    dial_mode = models.CharField(max_length=12, choices=DialMode.choices, default=DialMode.PREVIEW)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    caller_id = PhoneNumberField(help_text="The number called parties see (one of ours).")
    queue = models.ForeignKey(
        "telephony.Queue",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        help_text="Answered calls go to this queue's agents.",
    )
    agents = models.ManyToManyField("telephony.AgentProfile", blank=True, related_name="campaigns")
    blend_max_inbound_waiting = models.PositiveSmallIntegerField(
        default=0,
        help_text="An agent who also serves inbound queues gets outbound calls only while "
        "their inbound queues have at most this many callers waiting.",
    )
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    window_start = models.TimeField(
        default=datetime.time(9, 0), help_text="Daily, in the lead's local time."
    )
    window_end = models.TimeField(default=datetime.time(20, 0))
    dispositions = models.ManyToManyField("telephony.Disposition", blank=True, related_name="+")
    script = models.TextField(blank=True, max_length=20_000, help_text="Shown to agents.")
    recording_policy = models.ForeignKey(
        "telephony.RecordingPolicy",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Whether answered calls are recorded once an agent joins, and how long "
        "kept. Blank: the queue's policy.",
    )
    max_attempts = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    retry_busy_minutes = models.PositiveIntegerField(default=15)
    retry_no_answer_minutes = models.PositiveIntegerField(default=120)
    retry_machine_minutes = models.PositiveIntegerField(default=240)
    retry_failed_minutes = models.PositiveIntegerField(default=60)
    machine_handling = models.CharField(
        max_length=14, choices=MachineHandling.choices, default=MachineHandling.HANG_UP
    )
    machine_message = models.TextField(blank=True, max_length=2000)
    abandonment_target_percent = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("3.00"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("3.00"))],
        help_text="Abandoned calls as a share of live-answered calls, per 30 days (legal "
        "maximum 3%).",
    )
    safe_harbor_message = models.TextField(
        blank=True,
        max_length=1000,
        help_text="Played when no agent is free within 2 seconds: the seller's name and "
        "phone number, that the call is for telemarketing, and the opt-out key.",
    )
    ring_seconds = models.PositiveSmallIntegerField(
        default=25, validators=[MinValueValidator(15), MaxValueValidator(120)]
    )
    max_lines_per_agent = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("3.00"),
        validators=[MinValueValidator(Decimal("1.00")), MaxValueValidator(Decimal("10.00"))],
        help_text="Predictive: the most lines in flight per staffed agent.",
    )
    pacing_boldness = models.FloatField(
        default=1.0,
        help_text="Predictive: the chance of a drop the pacer takes per tick, in multiples of "
        "the abandonment target; the pacer adjusts it to keep the 30-day rate just under "
        "target.",
    )
    agentless_message = models.TextField(
        blank=True,
        max_length=2000,
        help_text="Agentless: what is said, e.g. press 1 to confirm, 2 to speak to someone, "
        "9 to stop these calls.",
    )
    dnc_lists = models.ManyToManyField(
        "crm.DncList",
        blank=True,
        related_name="+",
        help_text="Its own and shared lists to scrub against; the internal and national lists "
        "always apply.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("control_campaign", "Can start, pause, resume and stop campaigns")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "running", "paused", "stopped", "completed"]),
                name="campaign_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(abandonment_target_percent__gt=0)
                & Q(abandonment_target_percent__lte=Decimal("3.00")),
                name="campaign_abandonment_target_legal",
            ),
            models.CheckConstraint(
                condition=Q(ring_seconds__gte=15), name="campaign_rings_at_least_15s"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("campaigns:campaign_detail", args=[self.pk])

    def allowed_transitions(self) -> tuple[str, ...]:
        return self.TRANSITIONS[self.status]

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.RUNNING

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.window_start and self.window_end and self.window_end <= self.window_start:
            errors["window_end"] = "The window must end after it starts."
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "The campaign must end on or after its first day."
        if self.dial_mode in self.PACED_MODES and not self.safe_harbor_message.strip():
            errors["safe_harbor_message"] = (
                "Progressive and predictive campaigns need a safe-harbor message."
            )
        if self.dial_mode == self.DialMode.AGENTLESS and not self.agentless_message.strip():
            errors["agentless_message"] = "An agentless campaign needs its message."
        if self.machine_handling == self.MachineHandling.LEAVE_MESSAGE and not (
            self.machine_message.strip()
        ):
            errors["machine_message"] = "Write the message to leave on machines."
        # Agents are many-to-many, so only known once the campaign exists: drafts may be
        # unstaffed, but a campaign that dials needs somebody to take the calls.
        if (
            self.dial_mode != self.DialMode.AGENTLESS
            and self.status in (self.Status.RUNNING, self.Status.PAUSED)
            and self.queue_id is None
            and not (self.pk and self.agents.exists())
        ):
            errors["queue"] = "Choose a queue or agents to take the answered calls."
        if errors:
            raise ValidationError(errors)


class LineType(models.TextChoices):
    """What kind of line a number is, as the numbering plan tells (US numbers mostly do not)."""

    MOBILE = "mobile", "Mobile"
    FIXED_LINE = "fixed_line", "Fixed line"
    VOIP = "voip", "VoIP"
    UNKNOWN = "unknown", "Unknown (treated as mobile)"


class ConsentRule(models.Model):
    """The consent a kind of campaign needs before it dials a kind of line, as data.

    Seeded from the TCPA: sales calls to mobiles need prior express written consent, the
    informational calls (surveys, reminders, collections) prior express consent; fixed
    lines need none beyond Do-Not-Call. A line of unknown type is taken for a mobile, and
    a kind and line with no rule need written consent, the strictest.
    """

    campaign_kind = models.CharField(max_length=12, choices=Campaign.Kind.choices)
    line_type = models.CharField(
        max_length=10, choices=[c for c in LineType.choices if c[0] != LineType.UNKNOWN]
    )
    required_consent = models.CharField(max_length=8, choices=Customer.CallConsent.choices)

    class Meta:
        ordering = ["campaign_kind", "line_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign_kind", "line_type"], name="one_consent_rule_per_kind_and_line"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_campaign_kind_display()} to {self.get_line_type_display()}: "
            f"{self.get_required_consent_display()}"
        )


class LeadImport(models.Model):
    """One uploaded lead file, its column mapping, progress and result."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for its mapping or a worker"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="imports")
    file = models.FileField(upload_to="lead-imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    # {"column header": "phone" | "name" | "time_zone" | "account_number" | "email"};
    # columns not mapped are kept in each lead's data.
    mapping = models.JSONField(default=dict, blank=True)
    default_time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="Used when a row gives none and the number does not tell.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why the import failed as a whole.")
    # Runs started (the first, then each resume); past the limit the import fails.
    attempts = models.PositiveSmallIntegerField(default=0)
    # When a batch last committed: a running import quiet for long has lost its worker.
    progressed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} → {self.campaign}"

    def get_absolute_url(self) -> str:
        return reverse("campaigns:import_detail", args=[self.pk])

    @property
    def percent_done(self) -> int:
        if not self.total_rows:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.processed_rows * 100 // self.total_rows)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class LeadImportRejection(models.Model):
    """A row of a lead file that did not become a lead: duplicates and rejections."""

    lead_import = models.ForeignKey(LeadImport, on_delete=models.CASCADE, related_name="rejections")
    row = models.PositiveIntegerField(help_text="Row number in the file; 1 is the header.")
    reason = models.TextField()
    values = models.JSONField(default=list, help_text="The row's cells, as read.")

    class Meta:
        ordering = ["lead_import", "row"]
        constraints = [
            models.UniqueConstraint(fields=["lead_import", "row"], name="lead_rejection_once"),
        ]

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


class Lead(models.Model):
    """A number to call for a campaign, and where it stands."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        SCHEDULED = "scheduled", "Scheduled (retry or callback due at next attempt)"
        DIALING = "dialing", "Dialing"
        COMPLETED = "completed", "Completed"
        DO_NOT_CALL = "do_not_call", "Do not call"
        EXHAUSTED = "exhausted", "Attempts exhausted"
        INVALID = "invalid", "Invalid"
        NO_CONSENT = "no_consent", "Skipped: no consent"

    # Leads the dialer may still call: an open status, and not stopped by the scrub.
    OPEN_STATUSES = (Status.NEW, Status.SCHEDULED, Status.DIALING)
    OPEN = Q(status__in=OPEN_STATUSES, scrub_stop__isnull=True)

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="leads")
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )
    phone = PhoneNumberField()
    line_type = models.CharField(
        max_length=10,
        choices=LineType.choices,
        default=LineType.UNKNOWN,
        help_text="Which consent the campaign needs (see consent rules); unknown counts as mobile.",
    )
    name = models.CharField(max_length=200, blank=True)
    # IANA names from the number, or the one the file gave. Several: the number does not
    # tell which, so dialing allows only the intersection of their windows.
    time_zones = models.JSONField(default=list, blank=True)
    data = models.JSONField(default=dict, blank=True, help_text="Other columns of the file.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=20, blank=True)
    disposition = models.CharField(max_length=50, blank=True)
    callback_agent = models.ForeignKey(
        "telephony.AgentProfile",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="A callback promised by this agent.",
    )
    import_batch = models.ForeignKey(
        LeadImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "phone"], name="lead_number_once"),
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "next_attempt_at"], name="lead_claim_order"),
            models.Index(fields=["phone"], name="lead_phone"),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.display} ({self.campaign})"

    @property
    def display(self) -> str:
        return format_phone(self.phone)

    @property
    def status_shown(self) -> str:
        """The status as people read it: a lead the scrub stopped is do-not-call."""
        if hasattr(self, "scrub_stop"):
            return f"{self.Status.DO_NOT_CALL.label} (scrub)"
        return self.get_status_display()

    def clean(self) -> None:
        if not isinstance(self.time_zones, list) or not all(
            isinstance(zone, str) for zone in self.time_zones
        ):
            raise ValidationError({"time_zones": "A list of IANA time zone names."})
        for zone in self.time_zones:
            validate_time_zone(zone)


class ScrubbedLead(models.Model):
    """A lead the campaign's Do-Not-Call scrub stopped: it is not dialled again.

    A narrow row of its own, not the lead's status: a scrub at start or resume stops a
    tenth of a million-lead campaign, and rewriting that many wide lead rows with each of
    their indexes took several times what finding them did (`bench/dnc_scrub.py`). The
    dialer leaves these leads out of its claims and still checks every number at dial time.
    """

    lead = models.OneToOneField(
        Lead, on_delete=models.CASCADE, primary_key=True, related_name="scrub_stop"
    )
    stopped_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.lead} stopped {self.stopped_at:%Y-%m-%d %H:%M}"


class CallAttempt(models.Model):
    """One dial of a lead: claimed, placed, answered, connected, ended."""

    class AnsweredBy(models.TextChoices):
        HUMAN = "human", "Human"
        MACHINE = "machine", "Machine"
        FAX = "fax", "Fax"
        UNKNOWN = "unknown", "Unknown"

    class Outcome(models.TextChoices):
        PENDING = "pending", "Pending"
        RINGING = "ringing", "Ringing"
        HUMAN = "human", "Answered by a person"
        MACHINE = "machine", "Answered by a machine"
        BUSY = "busy", "Busy"
        NO_ANSWER = "no_answer", "No answer"
        FAILED = "failed", "Failed"
        ABANDONED = "abandoned", "Abandoned (no agent in time)"
        CONNECTED = "connected", "Connected to an agent"
        COMPLETED = "completed", "Completed"
        SKIPPED_DNC = "skipped_dnc", "Skipped: on Do-Not-Call"
        SKIPPED_HOURS = "skipped_hours", "Skipped: outside calling hours"
        SKIPPED_CONSENT = "skipped_consent", "Skipped: no consent"

    # Call records are kept five years (DOMAIN): a campaign or lead that was dialled cannot
    # be deleted; stop the campaign instead.
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="attempts")
    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="call_attempts")
    agent = models.ForeignKey(
        "telephony.AgentProfile",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="call_attempts",
    )
    call = models.ForeignKey(
        "telephony.Call",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="campaign_attempts",
    )
    call_sid = models.CharField(max_length=34, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the lead was claimed.")
    placed_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.CharField(max_length=8, choices=AnsweredBy.choices, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    is_abandoned = models.BooleanField(default=False)
    disposition = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The database itself refuses to dial a lead twice at once.
            models.UniqueConstraint(
                fields=["lead"],
                condition=Q(ended_at__isnull=True),
                name="one_open_attempt_per_lead",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "created_at"], name="attempt_campaign_time"),
        ]

    def __str__(self) -> str:
        return f"{self.lead} #{self.pk} ({self.get_outcome_display()})"
