"""Twilio webhooks of the phone survey: each question, each answer, the spoken comment.
Whatever goes wrong, the caller hears thanks and goodbye (the conversation is over)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from telephony import twiml
from telephony.webhooks import CallLookup, Webhook, twilio_webhook

from . import services


def goodbye(request: HttpRequest) -> HttpResponse:
    """The safe answer: the survey is optional, so a failure ends it politely."""
    return HttpResponse(
        twiml.render(services.survey_goodbye("en-US")), content_type="application/xml"
    )


def _tries(hook: Webhook) -> int:
    tries = hook.query.get("tries", "")
    return min(int(tries), services.MAX_TRIES) if tries.isdigit() and len(tries) < 3 else 0


@twilio_webhook("survey-question", on_error=goodbye, call=CallLookup.FIND)
def survey_question(hook: Webhook, survey_id: int, position: int) -> twiml.Document:
    """The caller is asked one question of their survey."""
    return services.survey_question_document(survey_id=survey_id, position=position)


@twilio_webhook("survey-answer", on_error=goodbye, call=CallLookup.FIND)
def survey_answer(hook: Webhook, survey_id: int, position: int) -> twiml.Document:
    """What the caller keyed or said at a question (or their silence)."""
    return services.survey_answer_on_line(
        survey_id=survey_id, position=position, tries=_tries(hook), params=hook.params
    )


@twilio_webhook("survey-comment", on_error=goodbye, call=CallLookup.FIND)
def survey_comment(hook: Webhook, survey_id: int) -> twiml.Document:
    """The caller's spoken comment was recorded."""
    return services.survey_comment_save(survey_id=survey_id, params=hook.params)
