"""SMS surveys through the simulator: texted when the call ends, the reply matched to the
call; one reply counts; garbled, late and repeated replies get a helpful answer."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from crm.models import Interaction
from qa.models import Survey
from telephony.models import Call, SmsMessage
from telephony.simulator import CalledParty, CallerScript
from tests.telephony.conftest import OUR_NUMBER

from .conftest import MONDAY_10AM, SATISFIED, plan_for_billing

pytestmark = pytest.mark.django_db(transaction=True)
AVA = "+14155550142"
SMS_QUESTION = {"en-US": "How did we do today? Reply 1 (bad) to 5 (great)."}


@pytest.fixture
def surveyed_call(simulator, support_line, ava, billing_agent):
    """Ava called Billing, talked with Alex and hung up: the survey is texted to her."""
    plan_for_billing(
        "sms",
        questions=[SMS_QUESTION],
        introduction={"en-US": "Thanks for calling Example Support."},
        reply_window_minutes=60,
    )
    billing_agent()
    simulator.register_client("alex", CalledParty(answer="human", ring_seconds=2, talk_seconds=30))
    with time_machine.travel(MONDAY_10AM, tick=False):
        sim_call = simulator.dial_in(from_=AVA, to=OUR_NUMBER, script=CallerScript(inputs=["1"]))
        simulator.run(200)
    return Call.objects.get(sid=sim_call.sid)


def _text(simulator, body: str, *, minutes_later: float = 5) -> str:
    """Ava texts `body`; returns what we texted back."""
    with time_machine.travel(MONDAY_10AM + dt.timedelta(minutes=minutes_later), tick=False):
        message = simulator.receive_sms(from_=AVA, to=OUR_NUMBER, body=body)
        simulator.run(10)
    assert message.errors == []
    return " ".join(reply.body for reply in message.replies)


def test_the_survey_is_texted_when_the_call_ends(simulator, surveyed_call, ava):
    survey = Survey.objects.get(call=surveyed_call)
    assert (survey.status, survey.channel, survey.phone_number) == ("sent", "sms", AVA)
    (sent,) = [m for m in simulator.messages.values() if m.direction == "outbound-api"]
    assert sent.to == AVA and sent.from_ == OUR_NUMBER
    assert sent.body == "Thanks for calling Example Support. " + SMS_QUESTION["en-US"]
    assert survey.message_sid == sent.sid
    assert ava.interactions.filter(kind=Interaction.Kind.SMS, direction="outbound").exists()


def test_a_reply_answers_the_survey_of_the_call(simulator, surveyed_call, ava, answered_surveys):
    assert _text(simulator, "5") == "Thank you, we have your answer."
    survey = Survey.objects.get(call=surveyed_call)
    assert survey.status == "completed"
    assert [(a.score, a.via) for a in survey.answers.all()] == [(5, "sms")]
    assert answered_surveys == [survey.pk]
    assert ava.interactions.get(kind=Interaction.Kind.NOTE).summary == (
        "Survey after the call: 5/5"
    )


def test_text_instead_of_a_number_gets_a_helpful_reply_and_a_second_chance(
    simulator, surveyed_call, answered_surveys
):
    help_text = "Please reply with one number from 1 (very unhappy) to 5 (very happy)."
    assert _text(simulator, "it was ok I guess, the agent was nice") == help_text
    assert _text(simulator, "7") == help_text
    assert answered_surveys == []
    assert _text(simulator, "four", minutes_later=6) == "Thank you, we have your answer."
    survey = Survey.objects.get(call=surveyed_call)
    assert [a.score for a in survey.answers.all()] == [4]
    assert len(survey.reply_sids) == 3  # all three are replies, none a new contact


def test_one_reply_counts(simulator, surveyed_call, answered_surveys):
    _text(simulator, "2")
    assert _text(simulator, "5", minutes_later=7) == (
        "Thank you, we already have your answer for this call."
    )
    survey = Survey.objects.get(call=surveyed_call)
    assert [a.score for a in survey.answers.all()] == [2]
    assert answered_surveys == [survey.pk]


def test_a_reply_after_the_window_is_told_the_survey_closed(simulator, surveyed_call):
    assert _text(simulator, "5", minutes_later=90) == (
        "Sorry, this survey has closed. Thank you all the same."
    )
    survey = Survey.objects.get(call=surveyed_call)
    assert survey.status == "sent" and not survey.answers.exists()


def test_an_ordinary_text_after_the_window_is_no_survey_reply(simulator, surveyed_call):
    assert _text(simulator, "Can someone call me about my invoice?", minutes_later=90) == ""
    assert SmsMessage.objects.filter(direction="inbound").count() == 1


def test_a_phone_plan_sends_no_text(simulator, support_line, ava, billing_agent):
    plan_for_billing(questions=[SATISFIED])
    billing_agent()
    simulator.register_client("alex", CalledParty(answer="human", ring_seconds=2, talk_seconds=30))
    with time_machine.travel(MONDAY_10AM, tick=False):
        simulator.dial_in(from_=AVA, to=OUR_NUMBER, script=CallerScript(inputs=["1", None, "3"]))
        simulator.run(200)
    assert not [m for m in simulator.messages.values() if m.direction == "outbound-api"]
