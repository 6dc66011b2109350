"""Interval facts: what happened per queue and per agent in each 15 minutes.

Each row is recomputed whole from the raw records (queue entries, the hold log, the
presence log) by `reports.services`, so recomputing is idempotent and a rebuild equals
what the incremental refreshes left. Intervals are keyed by their start in UTC; the
call center's days, weeks and months are sums of them.
"""

from __future__ import annotations

from django.db import models

from telephony.models import AgentProfile, Call, InboundNumber, Queue

INTERVAL_MINUTES = 15


class QueueCallSums(models.Model):
    """The sums of queue calls the inbound KPIs divide (reports.counting's rules), kept
    per queue and per line in each interval."""

    interval_start = models.DateTimeField(help_text="UTC, on a 15-minute boundary.")
    offered = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    answered_in_threshold = models.PositiveIntegerField(
        default=0, help_text="Answered within the queue's service-level threshold."
    )
    threshold_seconds = models.PositiveSmallIntegerField(default=20)
    abandoned = models.PositiveIntegerField(default=0, help_text="After the short threshold.")
    short_abandoned = models.PositiveIntegerField(default=0)
    answer_wait_seconds = models.FloatField(default=0.0, help_text="Σ(answer - enqueue).")
    wait_seconds = models.FloatField(default=0.0, help_text="Σ wait of calls that left.")
    waits = models.PositiveIntegerField(default=0, help_text="Calls whose wait is counted.")
    longest_wait_seconds = models.FloatField(default=0.0)
    abandon_wait_seconds = models.FloatField(default=0.0)
    handled = models.PositiveIntegerField(default=0, help_text="Answered, talk ended.")
    talk_seconds = models.FloatField(default=0.0)
    hold_seconds = models.FloatField(default=0.0)
    wrap_up_seconds = models.FloatField(default=0.0)
    transfers = models.PositiveIntegerField(default=0)
    callbacks_requested = models.PositiveIntegerField(default=0)
    callbacks_completed = models.PositiveIntegerField(default=0)
    voicemails = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class QueueInterval(QueueCallSums):
    """A queue's calls that joined it in one interval (counted where they were offered,
    however long they lasted)."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["interval_start", "queue"]
        constraints = [
            models.UniqueConstraint(fields=["queue", "interval_start"], name="queue_interval_once"),
        ]
        indexes = [models.Index(fields=["interval_start", "queue"], name="queue_interval_time")]
        permissions = [
            ("view_all_reports", "May see every queue's, team's and agent's figures"),
            ("view_team_reports", "May see the figures of the teams they supervise"),
        ]

    def __str__(self) -> str:
        return f"{self.queue_id} {self.interval_start:%Y-%m-%d %H:%M}"


class LineInterval(QueueCallSums):
    """The queue calls to one of our numbers (the line the caller dialled) that joined a
    queue in one interval, whichever queue; threshold_seconds is the smallest of them."""

    line = models.ForeignKey(InboundNumber, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["interval_start", "line"]
        constraints = [
            models.UniqueConstraint(fields=["line", "interval_start"], name="line_interval_once"),
        ]
        indexes = [models.Index(fields=["interval_start", "line"], name="line_interval_time")]

    def __str__(self) -> str:
        return f"{self.line_id} {self.interval_start:%Y-%m-%d %H:%M}"


class AgentInterval(models.Model):
    """An agent's time in each state (split at interval boundaries) and the calls they
    answered in one interval."""

    agent = models.ForeignKey(AgentProfile, on_delete=models.CASCADE, related_name="+")
    interval_start = models.DateTimeField(help_text="UTC, on a 15-minute boundary.")
    available_seconds = models.FloatField(default=0.0)
    ringing_seconds = models.FloatField(default=0.0)
    on_call_seconds = models.FloatField(default=0.0)
    wrap_up_state_seconds = models.FloatField(default=0.0)
    not_ready_seconds = models.FloatField(default=0.0)
    # Not ready, by reason (AgentProfile.Reason): a column each, so SQL sums them.
    break_seconds = models.FloatField(default=0.0)
    lunch_seconds = models.FloatField(default=0.0)
    training_seconds = models.FloatField(default=0.0)
    meeting_seconds = models.FloatField(default=0.0)
    missed_seconds = models.FloatField(default=0.0)
    other_seconds = models.FloatField(default=0.0)
    handled = models.PositiveIntegerField(default=0)
    talk_seconds = models.FloatField(default=0.0)
    hold_seconds = models.FloatField(default=0.0)
    wrap_up_seconds = models.FloatField(default=0.0)
    transfers = models.PositiveIntegerField(default=0)
    missed_offers = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["interval_start", "agent"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "interval_start"], name="agent_interval_once"),
        ]
        indexes = [models.Index(fields=["interval_start", "agent"], name="agent_interval_time")]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.interval_start:%Y-%m-%d %H:%M}"


class TeamCost(models.Model):
    """What an hour of a team's agents costs (wages and overheads), for cost per contact."""

    team = models.OneToOneField("telephony.Team", on_delete=models.CASCADE, related_name="cost")
    hourly_cost = models.DecimalField(
        max_digits=8, decimal_places=2, help_text="Per logged-in agent hour."
    )

    def __str__(self) -> str:
        return f"{self.team}: {self.hourly_cost}/h"


class TelephonyPrice(models.Model):
    """What a minute of a call costs at the carrier, by direction, for cost per contact."""

    direction = models.CharField(max_length=16, unique=True, choices=Call.Direction.choices)
    per_minute = models.DecimalField(max_digits=8, decimal_places=4)

    def __str__(self) -> str:
        return f"{self.get_direction_display()}: {self.per_minute}/min"


class ReportSchedule(models.Model):
    """A report emailed to a list after each day (or week, Monday to Sunday), with its
    rows as a CSV attachment. Managers' figures: every queue, agent or campaign."""

    class Every(models.TextChoices):
        DAY = "day", "Daily (yesterday, by hour)"
        WEEK = "week", "Weekly (last week, by day)"

    name = models.CharField(max_length=100, unique=True)
    report = models.CharField(max_length=20, help_text="queues, agents, campaigns, compliance…")
    every = models.CharField(max_length=4, choices=Every.choices, default=Every.DAY)
    recipients = models.TextField(help_text="Email addresses, one per line or comma-separated.")
    is_active = models.BooleanField(default=True)
    last_period_start = models.DateField(
        null=True, blank=True, help_text="The first day of the last period sent."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def recipient_list(self) -> list[str]:
        return [a.strip() for a in self.recipients.replace(",", "\n").splitlines() if a.strip()]

    def clean(self) -> None:
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        from .catalog import REPORTS

        errors = {}
        if self.report not in REPORTS:
            errors["report"] = f"Choose one of: {', '.join(REPORTS)}."
        for address in self.recipient_list():
            try:
                validate_email(address)
            except ValidationError:
                errors["recipients"] = f"{address} is not an email address."
        if errors:
            raise ValidationError(errors)


class StaleCall(models.Model):
    """A call whose figures changed (it ended, its wrap-up closed): written in the same
    transaction as the change, so none is lost; the refresh takes them in batches."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="+")
    noted_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"call {self.call_id}"
