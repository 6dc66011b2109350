"""Celery tasks of qa: thin adapters around the media services."""

from __future__ import annotations

from celery import shared_task

from . import services


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
    last retry the row stays pending, and the sweep takes it up again."""
    services.media_fetch(media_id=media_id)


@shared_task(ignore_result=True)
def recording_media_sweep() -> int:
    """Beat's sweep: fetches a lost task or a long outage left pending."""
    stragglers = services.media_stragglers()
    for media_id in stragglers:
        recording_media_fetch.delay(media_id)
    return len(stragglers)


@shared_task(ignore_result=True)
def recording_retention_purge() -> int:
    """Beat's purge: media past its retention, unless held."""
    return services.retention_purge()
