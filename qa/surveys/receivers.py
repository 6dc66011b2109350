"""Post-call surveys' answers to signals: a call ended (telephony), a comment was
recorded (their own)."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from telephony.models import Call
from telephony.signals import call_ended

from ..models import Survey
from ..signals import survey_comment_recorded
from . import services
from .tasks import survey_comment_fetch, survey_sms_send


@receiver(call_ended)
def survey_after_call(*, call: Call, **_signal: object) -> None:
    """A survey under way was hung up on; or an SMS survey is due: sent after the commit."""
    survey = services.survey_call_ended(call=call)
    if survey is not None:
        transaction.on_commit(lambda: survey_sms_send.delay(survey.pk))


@receiver(survey_comment_recorded)
def comment_fetch_soon(*, survey: Survey, **_signal: object) -> None:
    """A spoken comment is at Twilio: fetch it into our storage."""
    survey_comment_fetch.delay(survey.pk)
