"""Telephony records: our numbers, their IVR flows and hours, calls, messages, recordings.

Writes go through telephony.services; the IVR's behaviour is in telephony.ivr.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from crm.models import LANGUAGES, Case, Customer, validate_time_zone
from crm.phones import PhoneNumberField


class BusinessHours(models.Model):
    """When a line is staffed: weekly opening periods in a time zone, minus holidays."""

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])

    class Meta:
        verbose_name_plural = "business hours"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OpeningPeriod(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    hours = models.ForeignKey(BusinessHours, on_delete=models.CASCADE, related_name="periods")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField(help_text="A period past midnight is two periods.")

    class Meta:
        ordering = ["weekday", "opens"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def clean(self) -> None:
        if self.opens is not None and self.closes is not None and self.closes <= self.opens:
            raise ValidationError({"closes": "Closing time must be after opening time."})


class Holiday(models.Model):
    hours = models.ForeignKey(BusinessHours, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["hours", "date"], name="holiday_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Skill(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    supervisors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="supervised_teams",
        help_text="They may listen to the recordings of this team's calls, and see the "
        "team's agents and queues on the wallboard.",
    )
    queues: models.ManyToManyField[Queue, Any] = models.ManyToManyField(
        "Queue",
        blank=True,
        related_name="teams",
        help_text="The queues this team serves: its supervisors see them on the wallboard and "
        "in their reports.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Disposition(models.Model):
    """How a call ended, as the agent records it at wrap-up."""

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=100)
    resolves_contact = models.BooleanField(
        default=True,
        help_text="The caller's need was met (counts towards first-contact resolution).",
    )
    adds_to_dnc = models.BooleanField(
        "adds to Do-Not-Call",
        default=False,
        help_text="The called party asked not to be called: their number goes on the "
        "company's Do-Not-Call list at wrap-up.",
    )
    is_conversion = models.BooleanField(
        default=False, help_text="Counts as a conversion (e.g. a sale) in campaign figures."
    )

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class RecordingPolicy(models.Model):
    """Whether conversations are recorded (all, none, or a share of calls) and how long
    their media is kept. Named by queues, inbound lines and campaigns; the most specific
    one applies (campaign, then queue, then line: `telephony.recording.policy_for`)."""

    class Mode(models.TextChoices):
        ALL = "all", "Record every call"
        NONE = "none", "Record no call"
        SAMPLE = "sample", "Record a share of calls"

    name = models.CharField(max_length=100, unique=True)
    mode = models.CharField(max_length=6, choices=Mode.choices, default=Mode.ALL)
    sample_percent = models.PositiveSmallIntegerField(
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="A share of calls: this percentage of them is recorded.",
    )
    retention_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Media is deleted this many days after the call (blank: kept). The "
        "recording's details and who listened stay.",
    )
    delete_at_twilio = models.BooleanField(
        default=True, help_text="Delete Twilio's copy once ours is stored."
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "recording policies"

    def __str__(self) -> str:
        return self.name


class RecordingConsentState(models.Model):
    """A state's recording-consent rule, by the area codes of its numbers. A party in an
    all-party-consent state hears the announcement before anything is recorded."""

    code = models.CharField(max_length=2, unique=True, help_text="e.g. CA.")
    name = models.CharField(max_length=60)
    all_party = models.BooleanField(
        default=True, help_text="Every party must be told (all-party consent)."
    )
    area_codes = models.TextField(help_text="Comma- or space-separated area codes.")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def area_code_list(self) -> list[str]:
        return self.area_codes.replace(",", " ").split()


class Queue(models.Model):
    """Where callers wait for an agent, and the rules the ACD routes them by."""

    class OnMaxWait(models.TextChoices):
        OVERFLOW = "overflow", "Move to the overflow queue"
        VOICEMAIL = "voicemail", "Send to voicemail"
        CALLBACK = "callback", "Offer a callback"

    name = models.CharField(
        max_length=64,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9 _-]+$", "Letters, digits, spaces, - and _.")],
        help_text="Also the name of the Twilio queue callers wait in.",
    )
    is_default = models.BooleanField(
        default=False,
        help_text="Where callers go when something fails (one queue at most).",
    )
    priority = models.PositiveSmallIntegerField(
        default=0, help_text="Callers of higher-priority queues are served first."
    )
    skills = models.ManyToManyField(Skill, through="QueueSkill", blank=True, related_name="+")
    service_level_seconds = models.PositiveSmallIntegerField(default=20)
    service_level_percent = models.PositiveSmallIntegerField(
        default=80, validators=[MaxValueValidator(100)]
    )
    # The wallboard's colours: green at or above the target, amber down to this, red below.
    service_level_warning_percent = models.PositiveSmallIntegerField(
        default=70,
        validators=[MaxValueValidator(100)],
        help_text="Service level shown amber down to this, red below (green at the target).",
    )
    widen_after_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="After this wait, agents with the overflow skills qualify."
    )
    overflow_skills = models.ManyToManyField(Skill, blank=True, related_name="+")
    max_wait_seconds = models.PositiveIntegerField(null=True, blank=True)
    on_max_wait = models.CharField(
        max_length=10, choices=OnMaxWait.choices, default=OnMaxWait.CALLBACK
    )
    overflow_queue = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hold_music_url = models.URLField(blank=True)
    announcement_interval_seconds = models.PositiveSmallIntegerField(default=30)
    offer_timeout_seconds = models.PositiveSmallIntegerField(
        default=20, validators=[MinValueValidator(5), MaxValueValidator(120)]
    )
    wrap_up_seconds = models.PositiveSmallIntegerField(default=60)
    dispositions = models.ManyToManyField(Disposition, blank=True)
    case_category = models.CharField(
        max_length=20,
        choices=Case.Category.choices,
        default=Case.Category.OTHER,
        help_text="The category of a case an agent opens while wrapping up this queue's call.",
    )
    sticky_routing = models.BooleanField(
        default=True, help_text="Prefer the agent who last served the customer, if free."
    )
    recording_policy = models.ForeignKey(
        RecordingPolicy,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Blank: the line's policy (a campaign's own comes first).",
    )
    show_silent_monitoring = models.BooleanField(
        default=False,
        help_text="Tell agents when a supervisor listens in silently (a whisper or a barge "
        "is always shown).",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_queue"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.service_level_warning_percent > self.service_level_percent:
            raise ValidationError(
                {"service_level_warning_percent": "The amber threshold must not exceed the target."}
            )

    def qualified_agents(self) -> models.QuerySet[AgentProfile]:
        """Agents who hold every skill the queue requires, each at its minimum level (the
        router's eligibility before widening, which `acd._pick_agent_sql` writes in SQL)."""
        agents = AgentProfile.objects.all()
        for skill_id, min_level in self.required_skills.values_list("skill_id", "min_level"):
            # One filter() per skill: each requirement is met by a skill row of its own.
            agents = agents.filter(
                agent_skills__skill_id=skill_id, agent_skills__level__gte=min_level
            )
        return agents


class QueueSkill(models.Model):
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="required_skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT)
    min_level = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["queue", "skill"], name="queue_skill_once"),
        ]

    def __str__(self) -> str:
        return f"{self.skill} ≥ {self.min_level}"


class IvrFlow(models.Model):
    """A graph of IVR nodes; callers start at the entry node."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    entry_node = models.ForeignKey(
        "IvrNode",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Where callers start. Set it once the flow has nodes.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IvrNode(models.Model):
    """One step of an IVR flow. Which fields matter depends on the kind."""

    class Kind(models.TextChoices):
        SAY = "say", "Say or play a message"
        MENU = "menu", "Menu"
        QUEUE = "queue", "Route to a queue"
        TRANSFER = "transfer", "Transfer to a number"
        VOICEMAIL = "voicemail", "Voicemail"
        SELF_SERVICE = "self_service", "Self-service: case status"
        HOURS = "hours", "Business-hours branch"
        DO_NOT_CALL = "do_not_call", "Do-Not-Call request: add the caller's number"
        HANGUP = "hangup", "Hang up"

    # Kinds that end the caller's way through the IVR.
    TERMINAL_KINDS = (Kind.QUEUE, Kind.TRANSFER, Kind.VOICEMAIL, Kind.HANGUP)

    flow = models.ForeignKey(IvrFlow, on_delete=models.CASCADE, related_name="nodes")
    key = models.SlugField(max_length=50, help_text="A short name, unique in the flow.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.TextField(
        blank=True, max_length=2000, help_text="What is said (menu prompt, greeting, goodbye)."
    )
    play_url = models.URLField(blank=True, help_text="Audio to play instead of saying the message.")
    voice = models.CharField(
        max_length=50, blank=True, help_text="Twilio voice, e.g. Polly.Joanna."
    )
    language = models.CharField(
        max_length=8,
        choices=LANGUAGES,
        blank=True,
        help_text="Blank: the caller's language if known, else the number's.",
    )
    next_node = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Say, self-service, Do-Not-Call: what follows (blank: hang up). Hours: the "
        "open branch.",
    )
    # Menu and keyed input.
    timeout = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    max_attempts = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    accept_speech = models.BooleanField(default=False, help_text="Menus: also listen for words.")
    invalid_message = models.CharField(
        max_length=300, default="Sorry, that is not one of the choices."
    )
    no_input_message = models.CharField(max_length=300, default="Sorry, I did not hear a choice.")
    default_node = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Menus and self-service: where callers go after the last failed attempt.",
    )
    # Hours branch.
    business_hours = models.ForeignKey(
        BusinessHours,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text="Blank: the dialled number's hours.",
    )
    closed_node = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Terminal kinds.
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, null=True, blank=True)
    transfer_to = PhoneNumberField(blank=True)
    max_recording_seconds = models.PositiveSmallIntegerField(
        default=120, validators=[MinValueValidator(5), MaxValueValidator(600)]
    )
    case_category = models.CharField(
        max_length=20,
        choices=Case.Category.choices,
        default=Case.Category.OTHER,
        help_text="Voicemail: category of the case it opens.",
    )

    class Meta:
        ordering = ["flow", "key"]
        constraints = [
            models.UniqueConstraint(fields=["flow", "key"], name="node_key_unique_in_flow"),
        ]

    def __str__(self) -> str:
        return f"{self.flow.name} / {self.key}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        # Keyed by kind, which the model holds as a plain string.
        needs: dict[str, tuple[str, ...]] = {
            self.Kind.QUEUE: ("queue",),
            self.Kind.TRANSFER: ("transfer_to",),
            self.Kind.HOURS: ("next_node", "closed_node"),
            self.Kind.MENU: ("message",),
        }
        required = needs.get(self.kind, ())
        for field in required:
            if not getattr(self, field):
                errors[field] = f"A {self.get_kind_display().lower()} node needs this."
        if self.kind == self.Kind.SAY and not (self.message or self.play_url):
            errors["message"] = "Say something or give audio to play."
        for field in ("next_node", "default_node", "closed_node"):
            target = getattr(self, field)
            if target is not None and self.flow_id and target.flow_id != self.flow_id:
                errors[field] = "Choose a node of the same flow."
        if errors:
            raise ValidationError(errors)


class IvrMenuOption(models.Model):
    """A choice of a menu: a key (and optionally words) leading to another node."""

    node = models.ForeignKey(IvrNode, on_delete=models.CASCADE, related_name="options")
    digit = models.CharField(
        max_length=1, validators=[RegexValidator(r"^[0-9*#]$", "One key: 0-9, * or #.")]
    )
    label = models.CharField(max_length=60, help_text="Shown to the agent, e.g. Billing.")
    keywords = models.CharField(
        max_length=200, blank=True, help_text="Comma-separated words callers may say instead."
    )
    target = models.ForeignKey(IvrNode, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["digit"]
        constraints = [
            models.UniqueConstraint(fields=["node", "digit"], name="menu_digit_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.digit}: {self.label}"

    def keyword_list(self) -> list[str]:
        return [word.strip().lower() for word in self.keywords.split(",") if word.strip()]


class InboundNumber(models.Model):
    """A phone number we own at Twilio, and how calls and messages to it are handled."""

    class UnknownSender(models.TextChoices):
        CREATE_LEAD = "lead", "Create a lead customer"
        REPLY_ONLY = "reply", "Only send the reply"

    number = PhoneNumberField(unique=True)
    name = models.CharField(max_length=100, help_text="e.g. Main support line.")
    flow = models.ForeignKey(IvrFlow, on_delete=models.PROTECT, related_name="numbers")
    language = models.CharField(max_length=8, choices=LANGUAGES, default="en-US")
    business_hours = models.ForeignKey(
        BusinessHours, on_delete=models.PROTECT, null=True, blank=True
    )
    unknown_sender = models.CharField(
        max_length=10,
        choices=UnknownSender.choices,
        default=UnknownSender.CREATE_LEAD,
        help_text="What an SMS from a number no customer has does.",
    )
    unknown_sender_reply = models.CharField(
        max_length=320, blank=True, help_text="Sent back to unknown senders (blank: nothing)."
    )
    recording_policy = models.ForeignKey(
        RecordingPolicy,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Blank: calls on this line are not recorded unless their queue says so.",
    )
    recording_announcement = models.CharField(
        max_length=300,
        blank=True,
        default="This call may be recorded for quality and training purposes.",
        help_text="Said to the caller before recording starts. Blank: said only to callers "
        "from all-party-consent states (or unknown places), in the default words.",
    )

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"


class RecordingDecision(models.TextChoices):
    """What was decided about recording a call's conversation, when the agent joined."""

    RECORDED = "recorded", "Recorded"
    NO_POLICY = "no_policy", "Not recorded: no recording policy"
    POLICY_NONE = "policy_none", "Not recorded: the policy records no call"
    NOT_SAMPLED = "not_sampled", "Not recorded: not in the sampled share"
    REFUSED = "refused", "Not recorded: the customer refused recording"
    NOT_STARTED = "not_started", "Not recorded: the recording could not start"


class Call(models.Model):
    """One call leg, keyed on Twilio's CallSid."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", "Inbound"
        OUTBOUND_API = "outbound-api", "Outbound"
        OUTBOUND_DIAL = "outbound-dial", "Outbound (dialled leg)"

    class State(models.TextChoices):
        # Our phases, in the only order a call may move through them.
        RINGING = "ringing", "Ringing"
        IVR = "ivr", "In IVR"
        QUEUED = "queued", "Waiting in queue"
        CONNECTED = "connected", "Connected"
        ENDED = "ended", "Ended"

    STATE_ORDER: list[str] = [State.RINGING, State.IVR, State.QUEUED, State.CONNECTED, State.ENDED]
    # What a list of calls shows of each (admin, API): who with whom, where it stands.
    AT_A_GLANCE = (
        "direction",
        "from_number",
        "to_number",
        "customer",
        "state",
        "twilio_status",
        "queue",
    )

    sid = models.CharField(max_length=34, unique=True)
    parent_sid = models.CharField(max_length=34, blank=True)
    direction = models.CharField(max_length=16, choices=Direction.choices)
    from_number = models.CharField(max_length=64, help_text="E.164, client:name or anonymous.")
    to_number = models.CharField(max_length=64)
    inbound_number = models.ForeignKey(
        InboundNumber, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    identified_by = models.CharField(
        max_length=20,
        blank=True,
        help_text="caller_id, number_called (our outbound calls), account (keyed in the IVR) "
        "or agent.",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.RINGING)
    twilio_status = models.CharField(max_length=16, blank=True)
    last_sequence_number = models.IntegerField(null=True, blank=True)
    queue = models.ForeignKey(Queue, on_delete=models.SET_NULL, null=True, blank=True)
    queue_result = models.CharField(max_length=32, blank=True)
    # [{"node": key, "kind": kind, "at": iso}] and [{"node": key, "digits"|"speech": ...}]
    ivr_path = models.JSONField(default=list, blank=True)
    ivr_inputs = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    ivr_started_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    disposition = models.CharField(max_length=50, blank=True)
    recording_policy = models.ForeignKey(
        RecordingPolicy,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Set by whoever placed the call (a campaign); comes before the queue's.",
    )
    recording_decision = models.CharField(
        max_length=16,
        choices=RecordingDecision.choices,
        blank=True,
        help_text="Whether the conversation is recorded, and why not; blank until decided.",
    )
    recording_announced_at = models.DateTimeField(
        null=True, blank=True, help_text="When the caller was told the call may be recorded."
    )
    recording_failure = models.CharField(
        max_length=300,
        blank=True,
        help_text="Why a call decided recorded is not: what Twilio said when refusing.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "queue"]),
            models.Index(fields=["customer", "-created_at"]),
        ]
        # An empty SID would be "the same call" as every other one without a SID.
        constraints = [models.CheckConstraint(condition=~models.Q(sid=""), name="call_has_sid")]

    def __str__(self) -> str:
        return self.sid

    @property
    def wait_seconds(self) -> float | None:
        """Time in queue until answered, or until the caller left."""
        if self.queued_at is None:
            return None
        end = self.answered_at or self.ended_at
        return (end - self.queued_at).total_seconds() if end else None

    @property
    def ivr_choices(self) -> list[str]:
        """Labels of the menu choices the caller made, for the agent's screen-pop."""
        return [entry["label"] for entry in self.ivr_inputs if entry.get("label")]

    @property
    def recording_state(self) -> str:
        """What the desk and the call's page say of recording: the decision, or, for one
        that could not start, Twilio's reason."""
        if self.recording_decision == RecordingDecision.NOT_STARTED and self.recording_failure:
            return f"Not recorded: {self.recording_failure}"
        return self.get_recording_decision_display()

    def state_is_behind(self, state: str) -> bool:
        """True if moving to `state` would move the call backwards."""
        return self.STATE_ORDER.index(state) < self.STATE_ORDER.index(self.state)


class CallEvent(models.Model):
    """Each webhook Twilio sent us, with numbers and keyed digits redacted."""

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    call_sid = models.CharField(max_length=34, blank=True, db_index=True)
    kind = models.CharField(max_length=30)
    params = models.JSONField(default=dict)
    sequence_number = models.IntegerField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    ignored = models.BooleanField(default=False, help_text="A duplicate or late callback.")

    class Meta:
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        return f"{self.call_sid} {self.kind}"


class SmsMessage(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "inbound", "Inbound"
        OUTBOUND = "outbound", "Outbound"

    sid = models.CharField(max_length=34, unique=True)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    from_number = models.CharField(max_length=64)
    to_number = models.CharField(max_length=64)
    body = models.TextField(max_length=1600, blank=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="sms_messages"
    )
    inbound_number = models.ForeignKey(
        InboundNumber, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "SMS message"
        # Messages are told apart by their SID: an empty one would make every later one
        # without a SID its duplicate.
        constraints = [models.CheckConstraint(condition=~models.Q(sid=""), name="sms_has_sid")]

    def __str__(self) -> str:
        return self.sid


class QueueEntry(models.Model):
    """A caller (or a callback request) waiting in a queue, in ACD order.

    `waiting_since` is the place in line: it survives a missed offer, so the caller goes
    back to where they were.
    """

    class Kind(models.TextChoices):
        CALL = "call", "Caller on the line"
        CALLBACK = "callback", "Callback request"

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Offered to an agent"
        CONNECTED = "connected", "Connected"
        ABANDONED = "abandoned", "Abandoned"
        OVERFLOWED = "overflowed", "Moved on"
        DONE = "done", "Done"

    class TransferKind(models.TextChoices):
        COLD = "cold", "Cold: handed over on answer"
        WARM = "warm", "Warm: the agents talk first"

    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="entries")
    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, null=True, blank=True, related_name="queue_entries"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CALL)
    callback_number = PhoneNumberField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    priority = models.IntegerField(default=0, help_text="Higher is served first.")
    waiting_since = models.DateTimeField(default=timezone.now)
    not_before = models.DateTimeField(
        null=True, blank=True, help_text="A scheduled callback waits until then."
    )
    moved_at = models.DateTimeField(
        null=True, blank=True, help_text="When the caller overflowed to this queue."
    )
    twilio_queue_sid = models.CharField(max_length=34, blank=True)
    agent_call_sid = models.CharField(
        max_length=34, blank=True, help_text="The leg ringing or connecting the agent."
    )
    caller_call_sid = models.CharField(
        max_length=34, blank=True, help_text="The caller's leg in the conference."
    )
    on_hold = models.BooleanField(default=False)
    agent_muted = models.BooleanField(default=False)
    offered_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    missed_offers = models.PositiveSmallIntegerField(default=0)
    served_by = models.ForeignKey(
        "AgentProfile",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The agent who took the call (for sticky routing and reports).",
    )
    # A transfer to a named agent is an entry of its own (that agent's offer), joining
    # the conference of the entry it came from; it never waits in line.
    transferred_from = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="transfers"
    )
    transfer_kind = models.CharField(max_length=4, choices=TransferKind.choices, blank=True)
    conference = models.CharField(
        max_length=64, blank=True, help_text="The conference joined, when not this entry's own."
    )
    consult_call_sid = models.CharField(
        max_length=34, blank=True, help_text="An outside number being consulted (warm transfer)."
    )
    notes = models.TextField(
        blank=True, max_length=10_000, help_text="Taken during the call; wrap-up starts from them."
    )

    class Meta:
        ordering = ["-priority", "waiting_since", "id"]
        verbose_name_plural = "queue entries"
        indexes = [
            models.Index(
                "status",
                models.F("priority").desc(),
                "waiting_since",
                "id",
                name="acd_waiting_order",
                condition=models.Q(status="waiting"),
            ),
            # Reports read a queue's entries by when they joined, an agent's by answer.
            models.Index(fields=["queue", "waiting_since"], name="entry_queue_window"),
            models.Index(fields=["served_by", "connected_at"], name="entry_agent_window"),
        ]

    def __str__(self) -> str:
        return f"{self.queue} #{self.pk} ({self.get_status_display()})"


class HoldPeriod(models.Model):
    """A stretch the caller spent on hold during a conversation (the hold part of the
    handle time in reports); open while the caller holds."""

    entry = models.ForeignKey(QueueEntry, on_delete=models.CASCADE, related_name="holds")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry"], condition=models.Q(ended_at__isnull=True), name="one_open_hold"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} held {self.started_at:%H:%M:%S}"


class Recording(models.Model):
    """A recording Twilio made: a voicemail, a conversation on the caller's leg, or a
    consultation (the agent's leg while the caller holds), a part of the call's recording.

    The metadata stays for as long as the call's record; the media (qa's RecordingMedia)
    may be deleted by retention. Transcripts and evaluations attach here.
    """

    class Part(models.TextChoices):
        CONVERSATION = "conversation", "Caller conversation"
        CONSULTATION = "consultation", "Consultation"

    class Status(models.TextChoices):
        IN_PROGRESS = "in-progress", "Recording"
        PAUSED = "paused", "Paused"
        COMPLETED = "completed", "Completed"
        ABSENT = "absent", "Absent: nothing was recorded"
        FAILED = "failed", "Failed at Twilio"

    # A recording moves only forward: a late "in-progress" never reopens a completed one.
    FINAL = (Status.COMPLETED, Status.ABSENT, Status.FAILED)

    sid = models.CharField(max_length=34, unique=True)
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="recordings")
    url = models.URLField(max_length=500)
    duration_seconds = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, default=Status.IN_PROGRESS)
    source = models.CharField(max_length=30, blank=True)
    channels = models.PositiveSmallIntegerField(default=1)
    conference_sid = models.CharField(max_length=34, blank=True)
    call_leg_sid = models.CharField(
        max_length=34,
        blank=True,
        help_text="The call leg recorded (the caller's, in two channels): pauses address it.",
    )
    entry = models.ForeignKey(
        QueueEntry,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recordings",
        help_text="The conversation recorded: its first part, if transfers followed.",
    )
    policy = models.ForeignKey(
        RecordingPolicy,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recordings",
        help_text="The policy that recorded it; its retention applies.",
    )
    part = models.CharField(
        max_length=12,
        choices=Part.choices,
        default=Part.CONVERSATION,
        help_text="Which part of the call: the caller's conversation, or a consultation.",
    )
    part_of = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="parts",
        help_text="A consultation's: the caller's conversation recording it belongs to.",
    )
    consulted = models.CharField(
        max_length=64, blank=True, help_text="A consultation's: the colleague or the number."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(
        Case,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recordings",
        help_text="The case a voicemail opened.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(sid=""), name="recording_has_sid")
        ]

    def __str__(self) -> str:
        return self.sid

    @property
    def media_url(self) -> str:
        """The audio itself at Twilio (the resource URL plus an extension); never shown to
        users, who listen through the app."""
        return f"{self.url}.wav"


class RecordingPause(models.Model):
    """A stretch left out of a recording (a card number read out): who paused it, when,
    and for how long. Twilio skips it, so the media has no gap to see."""

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="pauses")
    paused_at = models.DateTimeField(default=timezone.now)
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    resumed_at = models.DateTimeField(null=True, blank=True)
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["paused_at", "id"]
        constraints = [
            # One open pause per recording: a second "pause" click changes nothing.
            models.UniqueConstraint(
                fields=["recording"],
                condition=models.Q(resumed_at__isnull=True),
                name="one_open_pause_per_recording",
            )
        ]

    def __str__(self) -> str:
        return f"{self.recording} paused {self.paused_at:%H:%M:%S}"

    @property
    def seconds(self) -> float | None:
        if self.resumed_at is None:
            return None
        return (self.resumed_at - self.paused_at).total_seconds()

    @property
    def offset_seconds(self) -> float | None:
        """Where in the recording the pause falls (skipped stretches before it excluded)."""
        started = self.recording.started_at
        if started is None:
            return None
        earlier = sum(
            (p.seconds or 0.0) for p in self.recording.pauses.all() if p.paused_at < self.paused_at
        )
        return max(0.0, (self.paused_at - started).total_seconds() - earlier)


class AgentProfile(models.Model):
    """An agent: how they take calls, what they know, and where they are now."""

    class State(models.TextChoices):
        OFFLINE = "offline", "Offline"
        AVAILABLE = "available", "Available"
        OFFERED = "offered", "Ringing"
        ON_CALL = "on_call", "On a call"
        WRAP_UP = "wrap_up", "Wrap-up"
        NOT_READY = "not_ready", "Not ready"

    class Reason(models.TextChoices):
        BREAK = "break", "Break"
        LUNCH = "lunch", "Lunch"
        TRAINING = "training", "Training"
        MEETING = "meeting", "Meeting"
        MISSED = "missed", "Missed an offer"
        OTHER = "other", "Other"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile"
    )
    client_identity = models.SlugField(
        max_length=60, unique=True, help_text="The browser softphone's identity at Twilio."
    )
    phone_number = PhoneNumberField(
        blank=True, help_text="Ring this number instead of the browser."
    )
    teams = models.ManyToManyField(Team, blank=True, related_name="agents")
    skills = models.ManyToManyField(Skill, through="AgentSkill", blank=True, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OFFLINE)
    reason = models.CharField(max_length=10, choices=Reason.choices, blank=True)
    state_since = models.DateTimeField(default=timezone.now)
    idle_since = models.DateTimeField(
        null=True, blank=True, help_text="When they last became free; the longest idle goes first."
    )
    wrap_up_until = models.DateTimeField(
        null=True, blank=True, help_text="When after-call work ends by itself (the queue's limit)."
    )
    # One column for the offer or call in hand: unique, so the database itself refuses to
    # give an agent two calls or a call two agents.
    current_entry = models.OneToOneField(
        QueueEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="agent"
    )

    class Meta:
        ordering = ["user__username"]
        indexes = [models.Index(fields=["state", "idle_since"])]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def is_free(self) -> bool:
        """Available with no call in hand: a call may be offered. (The router's SQL says the
        same in `acd._pick_agent_sql`.)"""
        return self.state == self.State.AVAILABLE and self.current_entry_id is None

    @classmethod
    def free(cls, through: str = "") -> models.Q:
        """`is_free` as a query filter, on agents or, `through` a relation, on rows of theirs."""
        return models.Q(
            **{f"{through}state": cls.State.AVAILABLE, f"{through}current_entry__isnull": True}
        )


class AgentSkill(models.Model):
    agent = models.ForeignKey(AgentProfile, on_delete=models.CASCADE, related_name="agent_skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT)
    level = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent", "skill"], name="agent_skill_once"),
        ]
        indexes = [models.Index(fields=["skill", "level"])]

    def __str__(self) -> str:
        return f"{self.skill} {self.level}"


class AgentStateChange(models.Model):
    """Every presence change, for occupancy and adherence reports."""

    agent = models.ForeignKey(AgentProfile, on_delete=models.CASCADE, related_name="state_changes")
    state = models.CharField(max_length=10, choices=AgentProfile.State.choices)
    reason = models.CharField(max_length=10, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [models.Index(fields=["agent", "started_at"])]

    def __str__(self) -> str:
        return f"{self.agent} {self.state}"


class MonitoringSession(models.Model):
    """A supervisor on a live call through its conference: listening, whispering to the
    agent or barged in, from their browser softphone or a phone. The audit of who monitored
    which call, when and how long; each mode taken is a `MonitoringModeChange`."""

    class Mode(models.TextChoices):
        LISTEN = "listen", "Listening (silent)"
        WHISPER = "whisper", "Whispering to the agent"
        BARGE = "barge", "Barged in"

    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="monitoring_sessions"
    )
    entry = models.ForeignKey(
        QueueEntry, on_delete=models.PROTECT, related_name="monitoring_sessions"
    )
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="monitoring_sessions")
    agent = models.ForeignKey(
        "AgentProfile", on_delete=models.PROTECT, related_name="monitoring_sessions"
    )
    mode = models.CharField(max_length=7, choices=Mode.choices)
    reached_at = models.CharField(
        max_length=80, help_text="Where the supervisor's leg rang: client:identity or a number."
    )
    leg_sid = models.CharField(
        max_length=34, blank=True, help_text="The supervisor's leg in the conference."
    )
    started_at = models.DateTimeField(default=timezone.now)
    joined_at = models.DateTimeField(
        null=True, blank=True, help_text="When the supervisor's leg answered and joined."
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["entry", "ended_at"], name="monitoring_open_on_entry")]
        constraints = [
            # One open session per supervisor and call: a second start changes the mode.
            models.UniqueConstraint(
                fields=["supervisor", "entry"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_monitoring_per_supervisor",
            )
        ]

    def __str__(self) -> str:
        return f"{self.supervisor} on {self.call} ({self.get_mode_display()})"

    @property
    def duration_seconds(self) -> int | None:
        """How long the supervisor was on the call (from joining), once it ended."""
        if self.ended_at is None:
            return None
        return int((self.ended_at - (self.joined_at or self.started_at)).total_seconds())


class MonitoringModeChange(models.Model):
    """One mode a monitoring session was in, from `at` until the next change or its end."""

    session = models.ForeignKey(
        MonitoringSession, on_delete=models.CASCADE, related_name="mode_changes"
    )
    mode = models.CharField(max_length=7, choices=MonitoringSession.Mode.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} at {self.at:%H:%M:%S}"


class DeskMessage(models.Model):
    """A short note a supervisor sends to an agent's desk (shown there at once)."""

    agent = models.ForeignKey(
        "AgentProfile", on_delete=models.CASCADE, related_name="desk_messages"
    )
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.CharField(max_length=500)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["agent", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.sender} to {self.agent}: {self.body[:40]}"
