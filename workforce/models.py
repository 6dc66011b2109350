"""The planning subject: what the center expects (forecast, events, overrides), what it
needs (planning rules, shrinkage) and who works when (shift templates, availability,
schedules and the agents' requests against them)."""

from __future__ import annotations

from datetime import time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from campaigns.models import Campaign
from telephony.models import AgentProfile, Queue

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class QueuePlan(models.Model):
    """How a queue is staffed beyond its service-level target (which the queue holds)."""

    queue = models.OneToOneField(Queue, on_delete=models.CASCADE, related_name="plan")
    occupancy_cap_percent = models.PositiveSmallIntegerField(
        default=85,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Agents never planned busier than this.",
    )
    patience_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Callers' mean time to abandon; empty: measured from the abandons.",
    )

    def __str__(self) -> str:
        return f"{self.queue} plan"


def _weekdays() -> list[int]:
    return [0, 1, 2, 3, 4]


class CampaignPlan(models.Model):
    """Agents an outbound campaign is planned to take (blended centers): added on top of
    its queue's inbound requirement, in the center's time zone."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="+")
    agents = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    start = models.TimeField()
    end = models.TimeField()
    weekdays = models.JSONField(default=_weekdays, help_text="0 is Monday.")

    def __str__(self) -> str:
        return f"{self.campaign}: {self.agents} agents {self.start:%H:%M}-{self.end:%H:%M}"

    def clean(self) -> None:
        errors = {}
        if self.end <= self.start:
            errors["end"] = "The plan must end after it starts."
        if not self.campaign.queue_id:
            errors["campaign"] = "The campaign needs a queue: its agents are planned there."
        if not all(isinstance(day, int) and 0 <= day <= 6 for day in self.weekdays):
            errors["weekdays"] = "Days are 0 (Monday) to 6 (Sunday)."
        if errors:
            raise ValidationError(errors)


class ShrinkageItem(models.Model):
    """A share of paid time agents are not on the phones (breaks, training, absence)."""

    name = models.CharField(max_length=60, unique=True)
    percent = models.DecimalField(max_digits=4, decimal_places=1, validators=PERCENT)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} {self.percent}%"


class CalendarEvent(models.Model):
    """A day whose calls differ from its weekday: a holiday (factor 0) or a sale (1.4).
    History on such days is divided by the factor before fitting; forecasts multiplied."""

    name = models.CharField(max_length=80)
    day = models.DateField()
    queue = models.ForeignKey(
        Queue, on_delete=models.CASCADE, null=True, blank=True, help_text="Empty: every queue."
    )
    factor = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(20)],
        help_text="Calls relative to a normal day: 1.40 is +40%, 0 is closed.",
    )

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["day", "queue"], name="calendar_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.name} x{self.factor}"


class ForecastInterval(models.Model):
    """The model's forecast for one queue's 15 minutes (rewritten on each re-forecast)."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="+")
    interval_start = models.DateTimeField(help_text="UTC, on a 15-minute boundary.")
    calls = models.FloatField()
    aht_seconds = models.FloatField()
    made_at = models.DateTimeField()
    method = models.CharField(max_length=40)

    class Meta:
        ordering = ["interval_start", "queue"]
        constraints = [
            models.UniqueConstraint(
                fields=["queue", "interval_start"], name="forecast_interval_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.queue_id} {self.interval_start:%Y-%m-%d %H:%M} {self.calls:.1f}"


class ForecastOverride(models.Model):
    """A manager's own figure for an interval: kept across re-forecasts, shown beside it."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="+")
    interval_start = models.DateTimeField()
    calls = models.FloatField(validators=[MinValueValidator(0)])
    aht_seconds = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Empty: forecast."
    )
    note = models.CharField(max_length=200, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["interval_start", "queue"]
        constraints = [
            models.UniqueConstraint(
                fields=["queue", "interval_start"], name="forecast_override_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.queue_id} {self.interval_start:%Y-%m-%d %H:%M} → {self.calls:g}"


class ShiftTemplate(models.Model):
    """A kind of shift: when it may start, how long it lasts, where its breaks fall. A
    shift may run past midnight (a 22:00 start of 8 hours ends at 06:00 the next day);
    it belongs to the day it starts."""

    name = models.CharField(max_length=60, unique=True)
    earliest_start = models.TimeField()
    latest_start = models.TimeField()
    length_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(60), MaxValueValidator(720)]
    )
    lunch_minutes = models.PositiveSmallIntegerField(default=30)
    lunch_after_minutes = models.PositiveSmallIntegerField(
        default=240, help_text="Lunch starts this long after the shift does."
    )
    break_minutes = models.PositiveSmallIntegerField(default=15)
    break_after_minutes = models.JSONField(
        default=list, blank=True, help_text="Minutes after the start each break begins."
    )

    class Meta:
        ordering = ["earliest_start", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.latest_start < self.earliest_start:
            errors["latest_start"] = "The latest start must not be before the earliest."
        if self.length_minutes % 15:
            errors["length_minutes"] = "Shifts last whole quarter hours."
        lunch = [(self.lunch_after_minutes, self.lunch_minutes)] if self.lunch_minutes else []
        breaks = [(after, self.break_minutes) for after in self.break_after_minutes]
        for after, minutes in [*lunch, *breaks]:
            # Checked in minutes from the start, so a night shift's breaks after midnight
            # are as inside it as its breaks before.
            if not isinstance(after, int) or not 0 < after < after + minutes < self.length_minutes:
                errors["break_after_minutes"] = "Breaks and lunch fall inside the shift."
            elif after % 15 or minutes % 15:
                errors["break_after_minutes"] = "Breaks and lunch start and last quarter hours."
        for value in (self.earliest_start, self.latest_start):
            if value.minute % 15:
                errors["earliest_start"] = "Shifts start on a quarter hour."
        if errors:
            raise ValidationError(errors)


class Availability(models.Model):
    """When an agent can work on a weekday. An agent with no rows can work any time; a row
    that ends before it starts (22:00-06:00) runs into the next weekday."""

    agent = models.ForeignKey(AgentProfile, on_delete=models.CASCADE, related_name="+")
    weekday = models.PositiveSmallIntegerField(
        choices=[(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]
    )
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["agent", "weekday", "start"]
        verbose_name_plural = "availability"

    def __str__(self) -> str:
        return f"{self.agent} {self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    def clean(self) -> None:
        # An end before the start runs into the next day (22:00-06:00); 00:00 is midnight,
        # so 00:00-00:00 is the whole day.
        if self.start == self.end and self.start != time(0):
            message = "Availability ends at another time than it starts (00:00-00:00: all day)."
            raise ValidationError({"end": message})
        for value in (self.start, self.end):
            if value.minute % 15 or value.second:
                raise ValidationError({"start": "Availability starts and ends on quarter hours."})


class Schedule(models.Model):
    """A week's shifts: generated, edited, then published to the agents."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    week_start = models.DateField(unique=True, help_text="A Monday, in the center's zone.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    generated_at = models.DateTimeField()
    solver_status = models.CharField(max_length=40, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-week_start"]
        permissions = [
            ("plan_workforce", "May forecast, override, staff, generate and publish schedules"),
            ("decide_requests", "May approve or decline agents' time-off and swap requests"),
        ]

    def __str__(self) -> str:
        return f"week of {self.week_start}"


class Shift(models.Model):
    """One agent's working day on one queue, with its breaks as activities."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="shifts")
    agent = models.ForeignKey(AgentProfile, on_delete=models.CASCADE, related_name="+")
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey(ShiftTemplate, on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    is_time_off = models.BooleanField(
        default=False, help_text="Time off approved: kept for the record, worked by nobody."
    )

    class Meta:
        ordering = ["start", "agent"]
        indexes = [models.Index(fields=["agent", "start"])]

    def __str__(self) -> str:
        return f"{self.agent} {self.start:%a %H:%M}-{self.end:%H:%M}"

    @property
    def paid(self) -> timedelta:
        return self.end - self.start


class ShiftActivity(models.Model):
    """Time inside a shift off the phones: a break or lunch."""

    class Kind(models.TextChoices):
        BREAK = "break", "Break"
        LUNCH = "lunch", "Lunch"

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    start = models.DateTimeField()
    end = models.DateTimeField()

    class Meta:
        ordering = ["start"]

    def __str__(self) -> str:
        return f"{self.kind} {self.start:%H:%M}-{self.end:%H:%M}"


class ScheduleRequest(models.Model):
    """An agent asks for a day off or to swap a shift with a colleague's; a supervisor
    decides."""

    class Kind(models.TextChoices):
        TIME_OFF = "time_off", "Time off"
        SWAP = "swap", "Swap"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    agent = models.ForeignKey(AgentProfile, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="requests")
    swap_with = models.ForeignKey(
        Shift, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.agent} {self.kind} {self.status}"
