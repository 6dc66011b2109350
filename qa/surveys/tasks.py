"""Celery tasks of post-call surveys (registered when qa is ready)."""

from __future__ import annotations

from celery import shared_task

from ..services import MediaNotReady
from . import services


@shared_task(
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=3,
)
def survey_sms_send(survey_id: int) -> None:
    """Text a survey; Twilio unreachable: again a little later, a few times (the reply
    window runs from when the call ended, so a late text simply gets fewer replies)."""
    services.survey_sms_send(survey_id=survey_id)


@shared_task(
    ignore_result=True,
    autoretry_for=(MediaNotReady,),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=8,
)
def survey_comment_fetch(survey_id: int) -> None:
    """Fetch a survey's spoken comment; Twilio not ready or unreachable: again later, as
    recordings' media is (past the last retry it stays pending for the sweep)."""
    services.survey_comment_fetch(survey_id=survey_id)
