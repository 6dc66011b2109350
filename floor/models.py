"""The floor's records: alert rules, and the alerts they raised."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils import timezone

from crm.phones import try_normalize_phone
from telephony.models import InboundNumber, Queue


class AlertRule(models.Model):
    """A condition on the floor worth a supervisor's attention, as data."""

    class Kind(models.TextChoices):
        SERVICE_LEVEL = "service_level", "Service level under target for N minutes"
        LONG_WAIT = "long_wait", "A caller waiting over N seconds"
        UNSTAFFED = "unstaffed", "Callers waiting with no agent logged in"
        NOT_READY = "not_ready", "An agent not ready over N minutes"
        ABANDONMENT = "abandonment", "Abandonment over N%"

    # What the threshold counts, per kind (the unstaffed rule needs none).
    THRESHOLD_UNITS = {
        Kind.SERVICE_LEVEL: "minutes",
        Kind.LONG_WAIT: "seconds",
        Kind.NOT_READY: "minutes",
        Kind.ABANDONMENT: "percent",
    }

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    queue = models.ForeignKey(
        Queue,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Blank: every queue (agent rules: every agent).",
    )
    threshold = models.PositiveIntegerField(
        default=0, help_text="N: minutes, seconds or percent, as the kind says."
    )
    email_to = models.CharField(
        max_length=300, blank=True, help_text="Comma-separated addresses told when it is raised."
    )
    sms_to = models.CharField(
        max_length=300,
        blank=True,
        help_text="Comma-separated phone numbers texted when it is raised.",
    )
    sms_from = models.ForeignKey(
        InboundNumber,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The number of ours the texts come from (needed with SMS recipients).",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        permissions = [
            ("view_wallboard", "See the wallboard of the teams they supervise"),
            ("view_whole_floor", "See every queue and agent on the wallboard"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind in self.THRESHOLD_UNITS and not self.threshold:
            unit = self.THRESHOLD_UNITS[self.Kind(self.kind)]
            raise ValidationError({"threshold": f"Say after how many {unit}."})
        if self.kind == self.Kind.ABANDONMENT and self.threshold > 100:
            raise ValidationError({"threshold": "A percentage is at most 100."})
        errors = {}
        for address in self.email_list():
            try:
                validate_email(address)
            except ValidationError:
                errors["email_to"] = f"{address} is not an email address."
        numbers = [try_normalize_phone(number) for number in self.sms_list()]
        if None in numbers:
            errors["sms_to"] = "Give phone numbers, separated by commas."
        else:
            self.sms_to = ", ".join(n for n in numbers if n)  # stored as E.164
        if self.sms_to and self.sms_from is None:
            errors["sms_from"] = "Say which of our numbers the texts come from."
        if errors:
            raise ValidationError(errors)

    def email_list(self) -> list[str]:
        return [address.strip() for address in self.email_to.split(",") if address.strip()]

    def sms_list(self) -> list[str]:
        return [number.strip() for number in self.sms_to.split(",") if number.strip()]


class Alert(models.Model):
    """One raising of a rule on one subject (a queue or an agent), until it clears."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts")
    subject = models.CharField(max_length=40, help_text="queue:<id> or agent:<id>.")
    message = models.CharField(max_length=300)
    raised_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When its email and texts went (marked before sending)."
    )

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            # Raised once: a second open alert of the same rule and subject cannot exist.
            models.UniqueConstraint(
                fields=["rule", "subject"],
                condition=models.Q(cleared_at__isnull=True),
                name="alert_open_once",
            ),
        ]

    def __str__(self) -> str:
        return self.message


class Breach(models.Model):
    """A rule's condition holding on a subject, and since when: the service-level rule
    raises its alert only once it has held for N minutes. Gone when the condition ends."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="breaches")
    subject = models.CharField(max_length=40)
    since = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "subject"], name="breach_once"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} on {self.subject} since {self.since:%H:%M:%S}"
