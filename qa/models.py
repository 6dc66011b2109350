"""QA records: recordings' media in our storage, who listened, and legal holds.

A recording's metadata (telephony.Recording, with its pauses) outlives its media: retention
deletes the file and keeps the row, its audit and its holds. A recording's transcript
(who said what, and when) attaches to telephony.Recording too; automated checks read it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from crm.models import Customer
from telephony.models import Call, Recording


class RecordingMedia(models.Model):
    """Our copy of a recording's audio, and how getting it went."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending: being fetched"
        STORED = "stored", "Stored"
        FAILED = "failed", "Failed: unusable media"
        DELETED = "deleted", "Deleted by retention"

    recording = models.OneToOneField(Recording, on_delete=models.CASCADE, related_name="media")
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    file = models.FileField(upload_to="recordings/%Y/%m/", blank=True, max_length=200)
    content_type = models.CharField(max_length=40, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    reason = models.CharField(
        max_length=300, blank=True, help_text="Why the last fetch failed, or why it is unusable."
    )
    created_at = models.DateTimeField(default=timezone.now)
    fetched_at = models.DateTimeField(null=True, blank=True)
    deleted_at_twilio = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Retention deletes the media then (blank: kept)."
    )
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "recording media"
        indexes = [
            models.Index(fields=["state", "created_at"]),
            models.Index(
                fields=["expires_at"], name="media_to_expire", condition=models.Q(state="stored")
            ),
        ]
        permissions = [
            ("listen_own_recording", "Can listen to recordings of calls they took"),
            ("listen_team_recording", "Can listen to recordings of their teams' calls"),
            ("listen_any_recording", "Can listen to any recording"),
        ]

    def __str__(self) -> str:
        return f"{self.recording} ({self.get_state_display()})"


class RecordingAccess(models.Model):
    """Someone played or downloaded a recording: kept as long as the recording's record."""

    class Action(models.TextChoices):
        PLAY = "play", "Played"
        DOWNLOAD = "download", "Downloaded"

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="accesses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    username = models.CharField(max_length=150, help_text="Kept if the user is deleted.")
    action = models.CharField(max_length=8, choices=Action.choices)
    byte_range = models.CharField(max_length=60, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "recording accesses"
        indexes = [models.Index(fields=["recording", "-at"])]

    def __str__(self) -> str:
        return f"{self.username} {self.action} {self.recording} {self.at:%Y-%m-%d %H:%M}"


class LegalHold(models.Model):
    """Recordings of a call, or of every call of a customer, are not deleted while held."""

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, null=True, blank=True, related_name="legal_holds"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="legal_holds"
    )
    reason = models.CharField(max_length=300)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    placed_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-placed_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(call__isnull=False, customer__isnull=True)
                | models.Q(call__isnull=True, customer__isnull=False),
                name="hold_on_a_call_or_a_customer",
            )
        ]

    def __str__(self) -> str:
        return f"Hold on {self.call or self.customer}: {self.reason}"

    def clean(self) -> None:
        if (self.call_id is None) == (self.customer_id is None):
            raise ValidationError("Hold either a call or a customer.")


class Transcript(models.Model):
    """What was said in a recording, utterance by utterance, and how transcribing went.

    A backend that fails leaves the transcript FAILED with the reason; it is retried, and
    a transcript is never half-saved: its utterances are written with the DONE state.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending: being transcribed"
        DONE = "done", "Transcribed"
        FAILED = "failed", "Untranscribed"

    recording = models.OneToOneField(Recording, on_delete=models.CASCADE, related_name="transcript")
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    backend = models.CharField(
        max_length=20, blank=True, help_text="Which recognizer made it (twilio, simulator, local)."
    )
    language = models.CharField(max_length=10, default="en-US")
    attempts = models.PositiveSmallIntegerField(default=0)
    reason = models.CharField(max_length=300, blank=True, help_text="Why the last attempt failed.")
    job = models.CharField(
        max_length=64, blank=True, help_text="The backend's id for the work (Twilio's GT...)."
    )
    created_at = models.DateTimeField(default=timezone.now)
    attempted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"Transcript of {self.recording} ({self.get_state_display()})"


class Utterance(models.Model):
    """One party's stretch of speech, with its place in the recording."""

    class Speaker(models.TextChoices):
        CALLER = "caller", "Caller"
        AGENT = "agent", "Agent"
        # One channel heard by a recognizer that cannot tell voices apart.
        UNKNOWN = "unknown", "Unknown"

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="utterances")
    speaker = models.CharField(max_length=7, choices=Speaker.choices)
    start_ms = models.PositiveIntegerField(help_text="From the start of the recording.")
    end_ms = models.PositiveIntegerField()
    text = models.TextField()
    confidence = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["transcript", "start_ms", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_ms__gte=models.F("start_ms")),
                name="utterance_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_speaker_display()} {self.start_ms / 1000:.1f}s: {self.text[:40]}"

    @property
    def start_clock(self) -> str:
        """Where it starts, as a player shows it (1:05)."""
        minutes, seconds = divmod(self.start_ms // 1000, 60)
        return f"{minutes}:{seconds:02d}"
