"""Recordings' media: fetched from Twilio into our storage, played through the app (and
audited), and deleted when its retention runs out unless a legal hold keeps it."""

from __future__ import annotations

import functools
import io
import logging
import wave
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from telephony import gateway
from telephony.models import Recording

from .models import LegalHold, RecordingAccess, RecordingMedia

logger = logging.getLogger(__name__)

# A pending fetch older than this is a straggler the sweep takes up again.
STRAGGLER_AFTER = timedelta(minutes=10)


class MediaNotReady(Exception):
    """Twilio did not hand over the media this time (not there yet, an outage): retry."""


def media_expiry(recording: Recording) -> datetime | None:
    """When retention deletes the media: the policy's days after the recording."""
    policy = recording.policy
    if policy is None or policy.retention_days is None:
        return None
    return (recording.started_at or recording.created_at) + timedelta(days=policy.retention_days)


@transaction.atomic
def media_register(*, recording: Recording) -> tuple[RecordingMedia, bool]:
    """A completed recording's media is to be fetched: pending until it is stored. Returns
    the media row and whether it is new (a repeated callback finds it there)."""
    return RecordingMedia.objects.get_or_create(
        recording=recording, defaults={"expires_at": media_expiry(recording)}
    )


def wav_problem(audio: bytes) -> str:
    """Why these bytes are no usable WAV recording ("" if they are one)."""
    if not audio:
        return "The media is empty."
    try:
        with wave.open(io.BytesIO(audio)) as reader:
            if reader.getnframes() == 0:
                return "The recording holds no audio."
    except (wave.Error, EOFError) as error:
        return f"The media is not a readable WAV file ({error})."
    return ""


def media_fetch(*, media_id: int) -> RecordingMedia:
    """Fetch one recording's media into storage. Raises MediaNotReady when worth retrying;
    unusable media (empty, corrupt) is marked failed with the reason, never retried."""
    media = RecordingMedia.objects.select_related("recording__policy").get(pk=media_id)
    if media.state != RecordingMedia.State.PENDING:
        return media  # stored by an earlier run, or given up on
    recording = media.recording
    RecordingMedia.objects.filter(pk=media.pk).update(attempts=media.attempts + 1)
    try:
        status, audio, content_type = gateway.recording_media(url=recording.media_url)
    except Exception as error:
        _note_failure(media, f"Could not reach Twilio: {error}"[:300])
        raise MediaNotReady(str(error)) from error
    if status != 200:
        _note_failure(media, f"Twilio answered {status} for the media.")
        raise MediaNotReady(f"HTTP {status}")
    problem = wav_problem(audio)
    with transaction.atomic():
        media = RecordingMedia.objects.select_for_update().get(pk=media.pk)
        if media.state != RecordingMedia.State.PENDING:
            return media
        if problem:
            media.state, media.reason = RecordingMedia.State.FAILED, problem
            media.save(update_fields=["state", "reason"])
            return media
        # Saved before the row says so: a crash in between leaves an orphan file, never a
        # row pointing at nothing.
        media.file.save(f"{recording.sid}.wav", ContentFile(audio), save=False)
        media.state, media.reason = RecordingMedia.State.STORED, ""
        media.content_type = content_type.split(";")[0] or "audio/wav"
        media.size_bytes, media.fetched_at = len(audio), timezone.now()
        media.save()
    if recording.policy is not None and recording.policy.delete_at_twilio:
        _delete_at_twilio(media)
    return media


def _note_failure(media: RecordingMedia, reason: str) -> None:
    RecordingMedia.objects.filter(pk=media.pk).update(reason=reason)
    logger.warning("Recording %s media not fetched: %s", media.recording.sid, reason)


def _delete_at_twilio(media: RecordingMedia) -> None:
    """Twilio's copy goes once ours is stored; a failure leaves it there, logged."""
    try:
        gateway.recording_delete(sid=media.recording.sid)
    except Exception:
        logger.exception("Could not delete recording %s at Twilio", media.recording.sid)
        return
    RecordingMedia.objects.filter(pk=media.pk).update(deleted_at_twilio=timezone.now())


def media_stragglers(*, now: datetime | None = None) -> list[int]:
    """Media still pending well after its recording completed, and completed recordings
    whose media was never registered (a lost signal): registered; their ids returned."""
    now = now or timezone.now()
    unregistered = Recording.objects.filter(
        status=Recording.Status.COMPLETED, media__isnull=True
    ).exclude(url="")
    fresh = [media_register(recording=recording)[0].pk for recording in unregistered]
    stale = RecordingMedia.objects.filter(
        state=RecordingMedia.State.PENDING, created_at__lt=now - STRAGGLER_AFTER
    ).values_list("pk", flat=True)
    return [*fresh, *stale]


def held(media: RecordingMedia) -> bool:
    """A legal hold on the recording's call or its customer keeps the media."""
    call = media.recording.call
    active = LegalHold.objects.filter(released_at__isnull=True)
    return active.filter(call=call).exists() or (
        call.customer_id is not None and active.filter(customer_id=call.customer_id).exists()
    )


def retention_purge(*, now: datetime | None = None) -> int:
    """Delete the media whose retention ran out, unless held; rows and audit stay."""
    now = now or timezone.now()
    expired = RecordingMedia.objects.filter(
        state=RecordingMedia.State.STORED, expires_at__lte=now
    ).select_related("recording__call")
    deleted = 0
    for media in expired:
        if held(media):
            continue
        with transaction.atomic():
            locked = RecordingMedia.objects.select_for_update().get(pk=media.pk)
            if locked.state != RecordingMedia.State.STORED:
                continue
            name, storage = locked.file.name or "", locked.file.storage
            locked.state, locked.deleted_at, locked.file = RecordingMedia.State.DELETED, now, ""
            locked.save(update_fields=["state", "deleted_at", "file"])
            # The file goes once the row says so: a rollback keeps both.
            if name:
                transaction.on_commit(functools.partial(storage.delete, name))
        deleted += 1
    return deleted


def recording_access_record(
    *, recording: Recording, user: User, action: str, byte_range: str = ""
) -> RecordingAccess:
    """Keep who played or downloaded which recording, and when."""
    return RecordingAccess.objects.create(
        recording=recording,
        user=user,
        username=user.get_username(),
        action=action,
        byte_range=byte_range[:60],
    )
