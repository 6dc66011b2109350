"""Recordings' media: fetched from Twilio into our storage, played through the app (and
audited), and deleted when its retention runs out unless a legal hold keeps it; each
stored recording's transcript (`transcription` says who transcribes)."""

from __future__ import annotations

import functools
import io
import logging
import wave
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone

from telephony import gateway
from telephony.models import Recording

from . import transcription
from .models import (
    LegalHold,
    RecordingAccess,
    RecordingMedia,
    Survey,
    Transcript,
    Utterance,
)
from .signals import transcript_completed
from .transcription import TranscriptionFailed, TranscriptNotReady

logger = logging.getLogger(__name__)

# A pending fetch older than this is a straggler the sweep takes up again.
STRAGGLER_AFTER = timedelta(minutes=10)
# A failed transcript is tried again after this times its attempts, up to the maximum.
TRANSCRIPT_RETRY_AFTER = timedelta(minutes=15)
TRANSCRIPT_MAX_ATTEMPTS = 6


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


def twilio_media(*, url: str) -> tuple[bytes, str]:
    """The audio at a Twilio media URL and its content type. Raises MediaNotReady (the
    reason as its message) when Twilio is unreachable or does not hand it over."""
    try:
        status, audio, content_type = gateway.recording_media(url=url)
    except Exception as error:
        raise MediaNotReady(f"Could not reach Twilio: {error}"[:300]) from error
    if status != 200:
        raise MediaNotReady(f"Twilio answered {status} for the media.")
    return audio, content_type


def media_fetch(*, media_id: int) -> RecordingMedia:
    """Fetch one recording's media into storage. Raises MediaNotReady when worth retrying;
    unusable media (empty, corrupt) is marked failed with the reason, never retried."""
    media = RecordingMedia.objects.select_related("recording__policy").get(pk=media_id)
    if media.state != RecordingMedia.State.PENDING:
        return media  # stored by an earlier run, or given up on
    recording = media.recording
    RecordingMedia.objects.filter(pk=media.pk).update(attempts=media.attempts + 1)
    try:
        audio, content_type = twilio_media(url=recording.media_url)
    except MediaNotReady as error:
        _note_failure(media, str(error))
        raise
    problem = wav_problem(audio)
    with transaction.atomic():
        media = RecordingMedia.objects.select_for_update().get(pk=media.pk)
        if media.state != RecordingMedia.State.PENDING:
            return media
        if problem:
            media.state, media.reason = RecordingMedia.State.FAILED, problem
            media.save(update_fields=["state", "reason"])
            transcript_register(recording=recording, unusable=f"No usable media: {problem}")
            return media
        # Saved before the row says so: a crash in between leaves an orphan file, never a
        # row pointing at nothing.
        media.file.save(f"{recording.sid}.wav", ContentFile(audio), save=False)
        media.state, media.reason = RecordingMedia.State.STORED, ""
        media.content_type = content_type.split(";")[0] or "audio/wav"
        media.size_bytes, media.fetched_at = len(audio), timezone.now()
        media.save()
        transcript_register(recording=recording)
    if not transcription.backend().reads_twilio_copy:
        twilio_copy_delete(media=media)
    return media


def _note_failure(media: RecordingMedia, reason: str) -> None:
    RecordingMedia.objects.filter(pk=media.pk).update(reason=reason)
    logger.warning("Recording %s media not fetched: %s", media.recording.sid, reason)


def twilio_copy_delete(*, media: RecordingMedia) -> None:
    """Twilio's copy goes once ours is stored (and the transcript is made, if made from
    it), when the policy says so; a failure leaves it there, logged, for the sweep."""
    policy = media.recording.policy
    if policy is None or not policy.delete_at_twilio or media.deleted_at_twilio is not None:
        return
    try:
        gateway.recording_delete(sid=media.recording.sid)
    except Exception:
        logger.exception("Could not delete recording %s at Twilio", media.recording.sid)
        return
    media.deleted_at_twilio = timezone.now()
    RecordingMedia.objects.filter(pk=media.pk).update(deleted_at_twilio=media.deleted_at_twilio)


def twilio_copies_due() -> list[RecordingMedia]:
    """Stored media whose Twilio copy should be gone but is not (a delete failed, or it
    waited for its transcript): those it is time to delete."""
    waiting = RecordingMedia.objects.filter(
        state=RecordingMedia.State.STORED,
        deleted_at_twilio__isnull=True,
        recording__policy__delete_at_twilio=True,
    ).select_related("recording__policy", "recording__transcript")
    if not transcription.backend().reads_twilio_copy:
        return list(waiting)
    return [media for media in waiting if _transcript_settled(media.recording)]


def _transcript_settled(recording: Recording) -> bool:
    """Done, or given up on: Twilio's copy is no longer needed for it."""
    transcript = getattr(recording, "transcript", None)
    return transcript is not None and (
        transcript.state == Transcript.State.DONE
        or (
            transcript.state == Transcript.State.FAILED
            and transcript.attempts >= TRANSCRIPT_MAX_ATTEMPTS
        )
    )


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
    *,
    recording: Recording | None = None,
    survey: Survey | None = None,
    user: User,
    action: str,
    byte_range: str = "",
) -> RecordingAccess:
    """Keep who played or downloaded which recording (or survey comment), and when."""
    return RecordingAccess.objects.create(
        recording=recording,
        survey=survey,
        user=user,
        username=user.get_username(),
        action=action,
        byte_range=byte_range[:60],
    )


# --- Transcripts --------------------------------------------------------------------------


def transcript_register(*, recording: Recording, unusable: str = "") -> Transcript:
    """A recording is to be transcribed (pending); with `unusable`, it cannot be (failed,
    the reason kept, never retried). A second call finds the first's row."""
    transcript, _created = Transcript.objects.get_or_create(
        recording=recording, defaults={"backend": settings.TRANSCRIPT_BACKEND}
    )
    if unusable and transcript.state != Transcript.State.DONE:
        transcript.state, transcript.reason = Transcript.State.FAILED, unusable[:300]
        transcript.save(update_fields=["state", "reason"])
    return transcript


def transcript_make(*, transcript_id: int) -> Transcript:
    """Transcribe one recording with the configured backend. Raises TranscriptNotReady
    when worth asking again soon; a backend failure leaves it FAILED with the reason (the
    sweep retries later). Its utterances are written in one transaction with DONE, and
    `qa.signals.transcript_completed` is sent once that commits."""
    transcript = Transcript.objects.select_related("recording__media", "recording__policy").get(
        pk=transcript_id
    )
    if transcript.state == Transcript.State.DONE:
        return transcript
    recording = transcript.recording
    media = getattr(recording, "media", None)
    if media is None or media.state != RecordingMedia.State.STORED:
        return transcript  # registered only once stored; failed media failed it already
    backend = transcription.backend()
    transcript.attempts += 1
    transcript.attempted_at = timezone.now()
    transcript.backend = backend.name
    Transcript.objects.filter(pk=transcript.pk).update(
        attempts=transcript.attempts, attempted_at=transcript.attempted_at, backend=backend.name
    )
    try:
        audio = _stored_audio(media) if not backend.reads_twilio_copy else b""
        job, said = backend.transcribe(recording=recording, audio=audio, job=transcript.job)
    except TranscriptNotReady as waiting:
        Transcript.objects.filter(pk=transcript.pk).update(job=waiting.job, reason=str(waiting))
        raise
    except TranscriptionFailed as failure:
        return _transcript_failed(transcript, str(failure))
    with transaction.atomic():
        locked = Transcript.objects.select_for_update().get(pk=transcript.pk)
        if locked.state == Transcript.State.DONE:
            return locked  # a duplicate task finished first
        utterances = [
            Utterance(
                transcript=locked,
                speaker=item.speaker,
                start_ms=item.start_ms,
                end_ms=item.end_ms,
                text=item.text,
                confidence=item.confidence,
            )
            for item in said
        ]
        for utterance in utterances:
            utterance.full_clean(exclude=["transcript"])
        locked.utterances.all().delete()
        Utterance.objects.bulk_create(utterances)
        locked.state, locked.reason, locked.job = Transcript.State.DONE, "", job
        locked.completed_at = timezone.now()
        locked.save(update_fields=["state", "reason", "job", "completed_at"])
        transaction.on_commit(
            functools.partial(transcript_completed.send, sender=Transcript, transcript=locked)
        )
    if backend.reads_twilio_copy:
        twilio_copy_delete(media=media)
    return locked


def _stored_audio(media: RecordingMedia) -> bytes:
    try:
        with media.file.open("rb") as stored:
            return stored.read()
    except OSError as error:
        raise TranscriptionFailed(f"The stored media could not be read ({error}).") from error


def _transcript_failed(transcript: Transcript, reason: str) -> Transcript:
    logger.warning("Recording %s not transcribed: %s", transcript.recording.sid, reason)
    transcript.state, transcript.reason, transcript.job = Transcript.State.FAILED, reason[:300], ""
    Transcript.objects.filter(pk=transcript.pk).exclude(state=Transcript.State.DONE).update(
        state=transcript.state, reason=transcript.reason, job=""
    )
    return transcript


def transcript_stragglers(*, now: datetime | None = None) -> list[int]:
    """Transcripts to try (again): stored media never registered (a lost step), pending
    ones left well after their last attempt, failed ones whose wait (longer after each
    attempt) is over, below the maximum of attempts. Their ids."""
    now = now or timezone.now()
    unregistered = RecordingMedia.objects.filter(
        state=RecordingMedia.State.STORED, recording__transcript__isnull=True
    ).select_related("recording")
    fresh = [transcript_register(recording=media.recording).pk for media in unregistered]
    stored = Transcript.objects.filter(recording__media__state=RecordingMedia.State.STORED)
    stale = stored.filter(state=Transcript.State.PENDING).filter(
        models.Q(attempted_at__lt=now - STRAGGLER_AFTER)
        | models.Q(attempted_at__isnull=True, created_at__lt=now - STRAGGLER_AFTER)
    )
    failed = [
        transcript.pk
        for transcript in stored.filter(
            state=Transcript.State.FAILED, attempts__lt=TRANSCRIPT_MAX_ATTEMPTS
        )
        if transcript.attempted_at is None
        or transcript.attempted_at < now - TRANSCRIPT_RETRY_AFTER * transcript.attempts
    ]
    return [*fresh, *stale.values_list("pk", flat=True), *failed]
