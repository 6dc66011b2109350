"""Post-call surveys' answers to telephony's signals: a call ended."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from telephony.models import Call
from telephony.signals import call_ended

from . import services
from .tasks import survey_sms_send


@receiver(call_ended)
def survey_after_call(*, call: Call, **_signal: object) -> None:
    """A survey under way was hung up on; or an SMS survey is due: sent after the commit."""
    survey = services.survey_call_ended(call=call)
    if survey is not None:
        transaction.on_commit(lambda: survey_sms_send.delay(survey.pk))
