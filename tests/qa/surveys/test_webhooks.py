"""The survey webhooks as Twilio calls them: valid TwiML whatever comes in, a retried
answer counted once, a campaign's plan before its queue's."""

from __future__ import annotations

import pytest

from campaigns.models import CallAttempt
from qa.models import Survey, SurveyPlan
from qa.surveys import selectors, services
from telephony.models import Call, Queue, QueueEntry
from tests.factories import CallAttemptFactory
from tests.telephony.conftest import new_call_sid, voice_params

from .conftest import SATISFIED, plan_for_billing

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_the_line(support_line, ava, billing_agent):
    """Ava's call with Alex in Billing just ended; the phone plan's survey has started."""
    plan_for_billing()
    call = Call.objects.create(
        sid=new_call_sid(),
        direction="inbound",
        from_number="+14155550142",
        to_number="+18005550100",
        customer=ava,
    )
    entry = QueueEntry.objects.create(
        queue=Queue.objects.get(name="Billing"),
        call=call,
        customer=ava,
        status="done",
        served_by=billing_agent(),
    )
    url = services.survey_start_on_line(call, entry)
    return Survey.objects.get(call=call), url


def _answer(twilio_post, survey, position=1, **params):
    path = f"/qa/voice/surveys/{survey.pk}/questions/{position}/answer/?tries=0"
    return twilio_post(path, voice_params(survey.call.sid, CallStatus="in-progress", **params))


def test_the_first_question_is_asked_at_the_url_handed_to_telephony(twilio_post, on_the_line):
    survey, url = on_the_line
    assert url.endswith(f"/qa/voice/surveys/{survey.pk}/questions/1/")
    response = twilio_post(url.split("8000")[1], voice_params(survey.call.sid))
    assert response.status_code == 200
    assert SATISFIED["en-US"] in response.content.decode()


def test_a_retried_answer_counts_once(twilio_post, on_the_line, answered_surveys):
    survey, _url = on_the_line
    for _ in range(2):
        assert _answer(twilio_post, survey, Digits="4").status_code == 200
    assert [a.score for a in survey.answers.all()] == [4]


@pytest.mark.parametrize("digits", ["0", "7", "*", "45"])
def test_keys_off_the_scale_ask_again_with_the_scale(twilio_post, on_the_line, digits):
    survey, _url = on_the_line
    response = _answer(twilio_post, survey, Digits=digits)
    assert "Please press or say a number from 1 to 5." in response.content.decode()
    assert not survey.answers.exists()


def test_words_that_are_no_score_ask_again(twilio_post, on_the_line):
    survey, _url = on_the_line
    response = _answer(twilio_post, survey, SpeechResult="pretty good overall thanks")
    assert "Please press or say a number from 1 to 5." in response.content.decode()


def test_an_unknown_survey_or_question_says_goodbye(twilio_post, on_the_line):
    survey, _url = on_the_line
    for path in (
        "/qa/voice/surveys/999999/questions/1/answer/",
        f"/qa/voice/surveys/{survey.pk}/questions/3/answer/",
    ):
        response = twilio_post(path, voice_params(survey.call.sid, Digits="5"))
        assert "Thank you for your feedback. Goodbye." in response.content.decode()
        assert "Hangup" in response.content.decode()


def test_a_failure_inside_still_answers_with_valid_twiml(twilio_post, on_the_line, monkeypatch):
    survey, _url = on_the_line

    def broken(**_kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "survey_answer_on_line", broken)
    response = _answer(twilio_post, survey, Digits="5")
    assert response.status_code == 200
    assert "Goodbye" in response.content.decode()


def test_a_campaigns_plan_comes_before_its_queues(support_line, ava):
    queue_plan = plan_for_billing()
    attempt = CallAttemptFactory.create()
    campaign_plan = SurveyPlan.objects.create(name="Campaign plan", channel="ivr")
    campaign_plan.campaigns.add(attempt.campaign)
    call = Call.objects.create(
        sid=new_call_sid(), direction="outbound-api", from_number="+18005550100", to_number="+1"
    )
    CallAttempt.objects.filter(pk=attempt.pk).update(call=call)
    entry = QueueEntry(queue=Queue.objects.get(name="Billing"), call=call)
    assert selectors.plan_for(call=call, entry=entry, channel="ivr") == campaign_plan
    other = Call.objects.create(
        sid=new_call_sid(), direction="inbound", from_number="+1", to_number="+18005550100"
    )
    assert selectors.plan_for(call=other, entry=entry, channel="ivr") == queue_plan
