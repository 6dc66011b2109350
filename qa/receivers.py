"""qa's answers to telephony's signals."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from telephony.models import Recording
from telephony.signals import recording_completed

from . import services
from .tasks import recording_media_fetch


@receiver(recording_completed)
def media_fetch_soon(*, recording: Recording, **_signal: object) -> None:
    """A recording is complete at Twilio: fetch its media once the callback commits."""
    media, created = services.media_register(recording=recording)
    if created:
        transaction.on_commit(lambda: recording_media_fetch.delay(media.pk))
