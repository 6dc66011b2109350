"""Phone surveys, end to end through the simulator: the agent hangs up, the caller stays
on the line for the survey and answers with keys or words; bad input gets a clear
prompt; a hang-up mid-survey keeps what was answered."""

from __future__ import annotations

import datetime as dt
import io
import wave

import pytest
import time_machine

from crm.models import Interaction
from qa import tasks as qa_tasks
from qa.models import Survey
from qa.surveys import tasks as survey_tasks
from telephony import gateway
from telephony.models import Call
from telephony.simulator import CalledParty, CallerScript, Speech
from tests.telephony.conftest import OUR_NUMBER

from .conftest import MONDAY_10AM, SATISFIED, plan_for_billing

# Routing and ringing run after commit, as in production: these tests commit.
pytestmark = pytest.mark.django_db(transaction=True)


def _script(*survey_inputs, **behaviour) -> CallerScript:
    """A caller who picks Billing (1), is silent while Alex's line rings (the queue's
    prompt), then answers the survey with `survey_inputs`."""
    return CallerScript(inputs=["1", None, *survey_inputs], **behaviour)


def _call(simulator, billing_agent, script: CallerScript, *, talk: float = 30, seconds=400):
    """The caller reaches Alex, who talks `talk` seconds, then hangs up."""
    alex = billing_agent()
    simulator.register_client(
        "alex", CalledParty(answer="human", ring_seconds=2, talk_seconds=talk)
    )
    with time_machine.travel(MONDAY_10AM, tick=False):
        sim_call = simulator.dial_in(from_="+14155550142", to=OUR_NUMBER, script=script)
        simulator.run(seconds)
    assert sim_call.application_errors == []
    return alex, sim_call, Call.objects.get(sid=sim_call.sid)


def test_the_caller_answers_the_survey_with_keys_after_the_agent_hangs_up(
    simulator, support_line, ava, billing_agent, answered_surveys
):
    plan_for_billing(introduction={"en-US": "Please stay on the line for two questions."})
    alex, sim_call, call = _call(simulator, billing_agent, _script("4", "5"))
    survey = Survey.objects.get(call=call)
    assert survey.status == "completed"
    assert (survey.agent, survey.queue.name, survey.customer) == (alex, "Billing", ava)
    assert [(a.question.position, a.score, a.via) for a in survey.answers.all()] == [
        (1, 4, "keys"),
        (2, 5, "keys"),
    ]
    assert "Please stay on the line for two questions." in sim_call.said
    assert "Thank you for your feedback. Goodbye." in sim_call.said
    assert sim_call.status == "completed"
    assert answered_surveys == [survey.pk]
    entry = ava.interactions.get(kind=Interaction.Kind.NOTE)
    assert entry.summary == "Survey after the call: 4/5"
    assert entry.source == survey


def test_the_caller_may_say_the_score(simulator, support_line, ava, billing_agent):
    plan_for_billing(questions=[{"en-US": "How satisfied are you? Say a number, 1 to 5."}])
    _alex, _sim, call = _call(simulator, billing_agent, _script(Speech("four")))
    (answer,) = Survey.objects.get(call=call).answers.all()
    assert (answer.score, answer.via) == (4, "speech")


def test_a_key_off_the_scale_and_silence_get_a_clear_prompt_then_the_answer_counts(
    simulator, support_line, ava, billing_agent
):
    plan_for_billing(questions=[{"en-US": "How satisfied are you? Press 1 to 5."}])
    _alex, sim_call, call = _call(simulator, billing_agent, _script("9", None, "2"))
    assert sim_call.said.count("Please press or say a number from 1 to 5.") == 2
    assert "Sorry, we did not hear you." in sim_call.said
    survey = Survey.objects.get(call=call)
    assert survey.status == "completed"
    assert [a.score for a in survey.answers.all()] == [2]


def test_a_caller_who_never_answers_is_let_go_with_nothing_saved(
    simulator, support_line, ava, billing_agent, answered_surveys
):
    plan_for_billing(questions=[SATISFIED])
    _alex, sim_call, call = _call(simulator, billing_agent, _script())
    survey = Survey.objects.get(call=call)
    assert survey.status == "unanswered" and not survey.answers.exists()
    assert sim_call.said.count(SATISFIED["en-US"]) == 3  # asked, then twice again
    assert sim_call.status == "completed" and answered_surveys == []


def test_hanging_up_mid_survey_keeps_the_answers_given(
    simulator, support_line, ava, billing_agent, answered_surveys
):
    plan_for_billing()
    # The survey starts some 43 s after dialling; the first answer is in by 53 s; the
    # caller hangs up while the second question is asked.
    _alex, sim_call, call = _call(simulator, billing_agent, _script("2", hang_up_after=56))
    survey = Survey.objects.get(call=call)
    assert "Did we solve your problem?" in sim_call.said
    assert "Thank you for your feedback" not in sim_call.said
    assert survey.status == "abandoned"
    assert [(a.question.position, a.score) for a in survey.answers.all()] == [(1, 2)]
    assert answered_surveys == [survey.pk]
    assert ava.interactions.get(kind=Interaction.Kind.NOTE).summary == (
        "Survey after the call: 2/5 (hung up before the end)"
    )


def test_a_caller_who_hangs_up_on_the_agent_hears_no_survey(
    simulator, support_line, ava, billing_agent
):
    plan_for_billing()
    _alex, sim_call, call = _call(simulator, billing_agent, _script(hang_up_after=30))
    assert not Survey.objects.filter(call=call).exists()
    assert "satisfied" not in sim_call.said


def test_a_queue_without_a_plan_lets_the_caller_go(simulator, support_line, ava, billing_agent):
    _alex, sim_call, _call_row = _call(simulator, billing_agent, _script("4"))
    assert not Survey.objects.exists()
    assert sim_call.status == "completed"


def test_the_caller_may_leave_a_spoken_comment_last(simulator, support_line, ava, billing_agent):
    plan_for_billing(
        questions=[SATISFIED],
        ask_comment=True,
        comment_prompt={"en-US": "After the tone, tell us more, then hang up."},
    )
    _alex, sim_call, call = _call(simulator, billing_agent, _script("5", speak_seconds=4))
    survey = Survey.objects.get(call=call)
    assert "After the tone, tell us more, then hang up." in sim_call.said
    assert survey.status == "completed"
    assert survey.comment_recording_sid.startswith("RE")
    assert survey.comment_recording_url and survey.comment_seconds
    # The comment's WAV is fetched into our storage (the task runs after the commit).
    assert (survey.comment_state, survey.comment_attempts) == ("stored", 1)
    with survey.comment_file.open("rb") as stored, wave.open(io.BytesIO(stored.read())) as audio:
        assert audio.getnframes() == survey.comment_seconds * audio.getframerate()
    assert survey.comment_size_bytes == survey.comment_file.size


def test_a_comment_twilio_does_not_hand_over_yet_is_fetched_again(
    simulator, support_line, ava, billing_agent, monkeypatch
):
    plan_for_billing(
        questions=[SATISFIED], ask_comment=True, comment_prompt={"en-US": "Tell us more."}
    )
    real = gateway.recording_media
    monkeypatch.setattr(gateway, "recording_media", lambda *, url: (404, b"", "text/plain"))
    monkeypatch.setattr(survey_tasks.survey_comment_fetch, "max_retries", 0)
    _alex, _sim_call, call = _call(simulator, billing_agent, _script("5", speak_seconds=4))
    survey = Survey.objects.get(call=call)
    assert (survey.comment_state, survey.comment_attempts) == ("pending", 1)
    assert survey.comment_reason == "Twilio answered 404 for the media."
    assert not survey.comment_file

    monkeypatch.setattr(gateway, "recording_media", real)
    with time_machine.travel(MONDAY_10AM + dt.timedelta(hours=1), tick=False):
        assert qa_tasks.recording_media_sweep() == 1  # the sweep takes it up again
    survey.refresh_from_db()
    assert (survey.comment_state, survey.comment_attempts, survey.comment_reason) == (
        "stored",
        2,
        "",
    )
    survey_tasks.survey_comment_fetch.delay(survey.pk)  # stored: left alone
    survey.refresh_from_db()
    assert survey.comment_attempts == 2


def test_a_recorded_conversation_stops_recording_before_the_survey(
    simulator, recorded_line, ava, billing_agent
):
    plan_for_billing(questions=[SATISFIED])
    _alex, _sim_call, call = _call(simulator, billing_agent, _script("4"), seconds=600)
    (recording,) = call.recordings.all()
    survey = Survey.objects.get(call=call)
    assert survey.status == "completed"
    assert recording.status == "completed"
    assert recording.duration_seconds is not None and recording.duration_seconds <= 35
