"""Evaluation sampling's answer to the survey side: a low answer samples the call."""

from __future__ import annotations

from django.db.models import Min
from django.dispatch import receiver

from ..models import Survey
from ..signals import survey_answered
from . import services


@receiver(survey_answered)
def sample_low_csat(*, survey: Survey, **_signal: object) -> None:
    """A caller's answered survey: by its lowest answer, the low-CSAT rules decide whether
    the call is sampled."""
    lowest = survey.answers.aggregate(lowest=Min("score"))["lowest"]
    if lowest is not None:
        services.sampling_low_csat(call=survey.call, answer=lowest)
