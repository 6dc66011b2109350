"""Celery tasks of qa: thin adapters around the media, transcript and automated-QA services."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task

from telephony.models import Queue

from . import services
from .autoqa import services as autoqa
from .evaluations import services as evaluations
from .models import RecordingMedia
from .surveys import services as surveys
from .surveys.tasks import survey_comment_fetch
from .transcription import TranscriptNotReady


@shared_task(
    ignore_result=True,
    autoretry_for=(services.MediaNotReady,),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=8,
)
def recording_media_fetch(media_id: int) -> None:
    """Fetch a recording's media; Twilio not ready or unreachable: again later. Past the
    last retry the row stays pending, and the sweep takes it up again. Stored: it is
    transcribed next."""
    media = services.media_fetch(media_id=media_id)
    if media.state == RecordingMedia.State.STORED:
        recording_transcribe.delay(media.recording.transcript.pk)


@shared_task(
    ignore_result=True,
    autoretry_for=(TranscriptNotReady,),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=8,
)
def recording_transcribe(transcript_id: int) -> None:
    """Transcribe a stored recording; the backend still working or unreachable: again
    later. A backend that failed leaves it failed, and the sweep retries it."""
    services.transcript_make(transcript_id=transcript_id)


@shared_task(ignore_result=True)
def transcript_sweep() -> int:
    """Beat's sweep: transcripts a lost task or a failed backend left undone, and Twilio's
    copies whose delete failed (or that waited for their transcript)."""
    stragglers = services.transcript_stragglers()
    for transcript_id in stragglers:
        recording_transcribe.delay(transcript_id)
    for media in services.twilio_copies_due():
        services.twilio_copy_delete(media=media)
    return len(stragglers)


@shared_task(ignore_result=True)
def recording_media_sweep() -> int:
    """Beat's sweep: fetches a lost task or a long outage left pending (recordings', and
    survey comments')."""
    stragglers = services.media_stragglers()
    for media_id in stragglers:
        recording_media_fetch.delay(media_id)
    comments = surveys.comment_stragglers()
    for survey_id in comments:
        survey_comment_fetch.delay(survey_id)
    return len(stragglers) + len(comments)


@shared_task(ignore_result=True)
def recording_retention_purge() -> int:
    """Beat's purge: media past its retention, unless held."""
    return services.retention_purge()


@shared_task(ignore_result=True)
def auto_qa_score(transcript_id: int) -> None:
    """Score a transcribed call against the current rules (again: nothing changes)."""
    autoqa.transcript_score(transcript_id=transcript_id)


@shared_task(ignore_result=True)
def auto_qa_sweep() -> int:
    """Beat's sweep: transcripts a lost task or an outage left unscored, one batch."""
    return autoqa.transcripts_score(transcript_ids=autoqa.unscored_transcripts())


@shared_task(ignore_result=True)
def auto_qa_rescore(since: str, queue_id: int | None = None) -> int:
    """Re-score calls since an ISO date-time (of one queue) with the current rules."""
    queue = Queue.objects.filter(pk=queue_id).first() if queue_id else None
    return autoqa.transcripts_rescore(since=datetime.fromisoformat(since), queue=queue)


# --- Scorecards and evaluations -----------------------------------------------------------


@shared_task(ignore_result=True)
def evaluation_sampling() -> int:
    """Beat's run of the sampling rules: this week's calls into the analysts' work queue."""
    return evaluations.sampling_run()
