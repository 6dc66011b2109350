"""qa's answers to signals: telephony's (a recording is complete) and its own (a
transcript is done)."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from telephony.models import Recording
from telephony.signals import recording_completed

from . import services
from .models import Transcript
from .signals import transcript_completed
from .tasks import auto_qa_score, recording_media_fetch


@receiver(recording_completed)
def media_fetch_soon(*, recording: Recording, **_signal: object) -> None:
    """A recording is complete at Twilio: fetch its media once the callback commits."""
    media, created = services.media_register(recording=recording)
    if created:
        transaction.on_commit(lambda: recording_media_fetch.delay(media.pk))


@receiver(transcript_completed)
def auto_qa_soon(*, transcript: Transcript, **_signal: object) -> None:
    """A transcript is done: score it once the transaction that saved it commits."""
    transaction.on_commit(lambda: auto_qa_score.delay(transcript.pk))
