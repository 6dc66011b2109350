"""Evaluation sampling's answer to the survey side: a low answer samples the call."""

from __future__ import annotations

from django.dispatch import receiver

from telephony.models import Call

from ..signals import survey_answered
from . import services


@receiver(survey_answered)
def sample_low_csat(*, call: Call, answer: int, **_signal: object) -> None:
    """A caller's survey answer: the low-CSAT rules decide whether the call is sampled."""
    services.sampling_low_csat(call=call, answer=answer)
