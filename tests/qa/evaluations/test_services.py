"""Evaluations' services: sampling into the work queue, claims, scoring with nothing
half-saved, acknowledgement, disputes and their history, calibration, coaching."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qa.autoqa import services as autoqa
from qa.evaluations import selectors, services
from qa.models import Answer, Dispute, Evaluation, SamplingRule, WorkItem
from qa.signals import survey_answered
from tests.qa.autoqa.conftest import rule
from tests.qa.evaluations.conftest import ended_call, question_ids

pytestmark = pytest.mark.django_db

BEST = (1, 1, 5, 10)


def sampling_rule(kind: str, *queues, **fields) -> SamplingRule:
    made = SamplingRule(name=kind, kind=kind, **fields)
    made.full_clean()
    made.save()
    made.queues.set(queues)
    return made


def submitted(card, call, analyst, values=BEST) -> Evaluation:
    evaluation = services.evaluation_start(call=call, analyst=analyst)
    return services.evaluation_save(
        evaluation_id=evaluation.pk,
        by=analyst,
        answers=dict(zip(question_ids(card), values, strict=True)),
        submit=True,
    )


# --- Sampling ----------------------------------------------------------------------------


def test_every_call_automated_qa_flagged_fills_the_work_queue(billing, agent, qa_analyst):
    rule("no-guarantee", "forbidden", phrases="guarantee", flag="compliance_miss")
    flagged = ended_call(agent, billing, said=[("agent", 0.5, 3.0, "I guarantee it.")])
    clean = ended_call(agent, billing, said=[("agent", 0.5, 3.0, "Hello there.")])
    for call in (flagged, clean):
        autoqa.transcript_score(transcript_id=call.recordings.get().transcript.pk)
    sampling_rule(SamplingRule.Kind.AUTO_QA_FLAGGED, billing)

    assert services.sampling_run() == 1
    assert services.sampling_run() == 0  # a call is sampled once
    [item] = selectors.work_queue()
    assert (item.call, item.agent.user, item.reason) == (flagged, agent, "Flagged by automated QA")


def test_n_random_calls_per_agent_per_week(billing, agent, other_agent):
    for user in (agent, other_agent):
        for _ in range(4):
            ended_call(user, billing)
    sampling_rule(SamplingRule.Kind.RANDOM, billing, calls_per_agent=2)

    assert services.sampling_run() == 4
    ended_call(agent, billing)
    assert services.sampling_run() == 0  # each agent has their two this week
    per_agent = {
        user: WorkItem.objects.filter(agent__user=user).count() for user in (agent, other_agent)
    }
    assert per_agent == {agent: 2, other_agent: 2}


def test_random_sampling_counts_weeks_apart(billing, agent):
    last_week = ended_call(agent, billing)
    last_week.created_at = services.week_start(timezone.now()) - timedelta(days=2)
    last_week.save()
    ended_call(agent, billing)
    sampling_rule(SamplingRule.Kind.RANDOM, billing, calls_per_agent=1)
    assert services.sampling_run() == 1
    assert WorkItem.objects.get().call != last_week


def test_calls_longer_than_n_minutes_of_the_rules_queues_only(billing, agent):
    from telephony.models import Queue

    long_call = ended_call(agent, billing, minutes=12)
    ended_call(agent, billing, minutes=3)
    ended_call(agent, Queue.objects.create(name="Sales"), minutes=30)
    sampling_rule(SamplingRule.Kind.LONGER_THAN, billing, minutes=10)
    assert services.sampling_run() == 1
    assert WorkItem.objects.get().call == long_call


def test_a_low_csat_answer_samples_the_call_through_the_survey_signal(billing, agent):
    sampling_rule(SamplingRule.Kind.LOW_CSAT, billing, csat_at_most=2)
    happy, unhappy = ended_call(agent, billing), ended_call(agent, billing)
    # The survey side sends this once an answer is saved; here a stand-in event.
    survey_answered.send(sender=None, call=happy, answer=4)
    survey_answered.send(sender=None, call=unhappy, answer=1)
    survey_answered.send(sender=None, call=unhappy, answer=2)  # a second answer: once
    [item] = WorkItem.objects.all()
    assert (item.call, item.reason) == (unhappy, "Low CSAT answer (1 of 5)")


def test_a_sampling_rule_without_its_number_is_refused():
    with pytest.raises(ValidationError) as refused:
        SamplingRule(name="r", kind=SamplingRule.Kind.RANDOM).full_clean()
    assert "calls_per_agent" in refused.value.message_dict


# --- Claims ------------------------------------------------------------------------------


def _items(billing, agent, count):
    calls = [ended_call(agent, billing) for _ in range(count)]
    sampling_rule(SamplingRule.Kind.LONGER_THAN, billing, minutes=1)
    services.sampling_run()
    return [WorkItem.objects.get(call=call) for call in calls]


def test_a_claim_hides_the_call_from_others_until_it_lapses(
    billing, agent, qa_analyst, manager, settings
):
    [item] = _items(billing, agent, 1)
    services.work_item_claim(item_id=item.pk, analyst=qa_analyst)
    assert list(selectors.work_queue()) == []
    with pytest.raises(ValidationError, match="holds this call"):
        services.work_item_claim(item_id=item.pk, analyst=manager)
    WorkItem.objects.filter(pk=item.pk).update(claim_expires_at=timezone.now())
    assert list(selectors.work_queue()) == [item]
    assert services.work_item_claim(item_id=item.pk, analyst=manager).claimed_by == manager


def test_at_most_n_open_claims_per_analyst(billing, agent, qa_analyst, settings):
    settings.QA_MAX_OPEN_CLAIMS = 2
    first, second, third = _items(billing, agent, 3)
    services.work_item_claim(item_id=first.pk, analyst=qa_analyst)
    services.work_item_claim(item_id=second.pk, analyst=qa_analyst)
    services.work_item_claim(item_id=second.pk, analyst=qa_analyst)  # renewing is no new claim
    with pytest.raises(ValidationError, match="You hold 2 calls"):
        services.work_item_claim(item_id=third.pk, analyst=qa_analyst)
    services.work_item_release(item_id=first.pk, analyst=qa_analyst)
    services.work_item_claim(item_id=third.pk, analyst=qa_analyst)


def test_agents_claim_nothing(billing, agent):
    [item] = _items(billing, agent, 1)
    with pytest.raises(PermissionDenied):
        services.work_item_claim(item_id=item.pk, analyst=agent)


def test_submitting_marks_the_work_item_done(card, billing, agent, qa_analyst):
    [item] = _items(billing, agent, 1)
    submitted(card, item.call, qa_analyst)
    item.refresh_from_db()
    assert item.done_at is not None
    assert list(selectors.work_queue()) == []


# --- Scoring: drafts, submit, nothing half-saved ------------------------------------------


def test_a_draft_may_leave_questions_open_a_submit_may_not(card, agent, qa_analyst):
    call = ended_call(agent, card.queues.get())
    evaluation = services.evaluation_start(call=call, analyst=qa_analyst)
    first, second, *_ = question_ids(card)
    services.evaluation_save(
        evaluation_id=evaluation.pk, by=qa_analyst, answers={first: 1}, submit=False
    )
    with pytest.raises(ValidationError) as refused:
        services.evaluation_save(
            evaluation_id=evaluation.pk, by=qa_analyst, answers={first: 0}, submit=True
        )
    assert f"q{second}" in refused.value.message_dict
    evaluation.refresh_from_db()
    assert evaluation.state == Evaluation.State.DRAFT
    assert list(evaluation.answers.values_list("value", flat=True)) == [1]  # not 0


def test_bad_answers_are_refused_per_question_and_nothing_is_saved(card, agent, qa_analyst):
    call = ended_call(agent, card.queues.get())
    evaluation = services.evaluation_start(call=call, analyst=qa_analyst)
    greet, disclose, solve, steps = question_ids(card)
    with pytest.raises(ValidationError) as refused:
        services.evaluation_save(
            evaluation_id=evaluation.pk,
            by=qa_analyst,
            answers={greet: 1, disclose: None, solve: 7, steps: 3},
            submit=True,
        )
    assert set(refused.value.message_dict) == {f"q{disclose}", f"q{solve}"}
    assert not Answer.objects.exists()


def test_only_its_analyst_scores_a_draft(card, agent, qa_analyst, manager):
    call = ended_call(agent, card.queues.get())
    evaluation = services.evaluation_start(call=call, analyst=qa_analyst)
    with pytest.raises(PermissionDenied):
        services.evaluation_save(evaluation_id=evaluation.pk, by=manager, answers={}, submit=False)


def test_a_call_nobody_took_cannot_be_evaluated(card, qa_analyst):
    from telephony.models import Call

    call = Call.objects.create(
        sid="CA" + "9" * 32, direction="inbound", from_number="+1", to_number="+2"
    )
    with pytest.raises(ValidationError, match="No agent took this call"):
        services.evaluation_start(call=call, analyst=qa_analyst)


# --- Acknowledgement and disputes ---------------------------------------------------------


def test_the_agent_acknowledges_disputes_and_the_supervisor_decides(
    card, teams, agent, supervisor, qa_analyst
):
    call = ended_call(agent, card.queues.get())
    evaluation = submitted(card, call, qa_analyst, values=(0, 1, 5, 10))
    assert evaluation.score == pytest.approx(250 / 3, abs=0.01)
    services.evaluation_acknowledge(evaluation=evaluation, by=agent)
    assert evaluation.state == Evaluation.State.ACKNOWLEDGED

    greet = question_ids(card)[0]
    dispute = services.dispute_raise(
        evaluation=evaluation, by=agent, question_id=greet, reason="I said good morning, 0:01."
    )
    evaluation.refresh_from_db()
    assert evaluation.state == Evaluation.State.DISPUTED
    with pytest.raises(PermissionDenied):  # the scorer does not judge their own scoring
        services.dispute_review(dispute_id=dispute.pk, by=qa_analyst, upheld=True, value=1)
    services.dispute_review(
        dispute_id=dispute.pk, by=supervisor, upheld=True, value=1, note="Heard it."
    )
    evaluation.refresh_from_db()
    assert (evaluation.state, evaluation.score, evaluation.final_score) == (
        Evaluation.State.RESOLVED,
        pytest.approx(250 / 3, abs=0.01),
        100.0,
    )
    dispute.refresh_from_db()
    assert (dispute.state, dispute.value_before, dispute.value_after) == ("upheld", 0, 1)
    assert [event.what.split(":")[0] for event in evaluation.history.all()] == [
        "Started",
        "Submitted",
        "Acknowledged by the agent",
        "Disputed “Greets and names the company”",
        "Dispute of “Greets and names the company” upheld",
    ]
    assert [event.score for event in evaluation.history.all()][-1] == 100.0


def test_a_second_analyst_may_reject_a_dispute(card, agent, qa_analyst, manager):
    call = ended_call(agent, card.queues.get())
    evaluation = submitted(card, call, qa_analyst, values=(1, 1, 3, 10))
    steps = question_ids(card)[3]
    dispute = services.dispute_raise(
        evaluation=evaluation, by=agent, question_id=steps, reason="All steps done."
    )
    with pytest.raises(ValidationError):  # the same answer again
        services.dispute_raise(evaluation=evaluation, by=agent, question_id=steps, reason="x")
    services.dispute_review(dispute_id=dispute.pk, by=manager, upheld=False, note="Step 4 missed")
    evaluation.refresh_from_db()
    assert evaluation.final_score == evaluation.score
    assert Dispute.objects.get().state == Dispute.State.REJECTED


def test_only_the_evaluated_agent_disputes(card, agent, other_agent, qa_analyst):
    call = ended_call(agent, card.queues.get())
    evaluation = submitted(card, call, qa_analyst)
    with pytest.raises(PermissionDenied):
        services.dispute_raise(
            evaluation=evaluation, by=other_agent, question_id=question_ids(card)[0], reason="x"
        )
    with pytest.raises(PermissionDenied):
        services.evaluation_acknowledge(evaluation=evaluation, by=other_agent)


# --- Calibration and coaching --------------------------------------------------------------


def test_calibration_with_two_analysts_is_blind_then_side_by_side(card, agent, qa_analyst, manager):
    from callcenter import roles
    from tests.conftest import _persona

    second = _persona("qa2", roles.QA_ANALYST)
    call = ended_call(agent, card.queues.get())
    calibration = services.calibration_open(call=call, analysts=[qa_analyst, second], by=manager)
    mine = calibration.evaluations.get(analyst=qa_analyst)
    theirs = calibration.evaluations.get(analyst=second)
    # Blind: neither sees the other's scoring, and the agent sees neither.
    assert theirs not in selectors.evaluations_visible_to(qa_analyst)
    assert not selectors.evaluations_visible_to(agent).exists()
    ids = question_ids(card)
    for evaluation, user, values in (
        (mine, qa_analyst, (1, 1, 5, 10)),
        (theirs, second, (0, 1, 2, None)),
    ):
        services.evaluation_save(
            evaluation_id=evaluation.pk,
            by=user,
            answers=dict(zip(ids, values, strict=True)),
            submit=True,
        )
    comparison = selectors.calibration_comparison(calibration=calibration)
    assert [a.username for a in comparison.analysts] == ["qa", "qa2"]
    assert [(row.values, row.spread) for row in comparison.rows] == [
        ([1, 0], 1),
        ([1, 1], 0),
        ([5, 2], 3),
        ([10, None], 0),
    ]
    assert comparison.waiting_for == []
    assert not selectors.evaluations_visible_to(agent).exists()


def test_calibration_needs_two_analysts(card, agent, qa_analyst):
    call = ended_call(agent, card.queues.get())
    with pytest.raises(ValidationError):
        services.calibration_open(call=call, analysts=[qa_analyst], by=qa_analyst)


def test_coaching_is_done_when_both_confirm(
    card, teams, agent, other_agent, supervisor, qa_analyst
):
    evaluation = submitted(card, ended_call(agent, card.queues.get()), qa_analyst)
    due = timezone.localdate() + timedelta(days=7)
    session = services.coaching_open(
        agent=evaluation.agent,
        coach=supervisor,
        goals="Disclose first",
        due_on=due,
        evaluation=evaluation,
    )
    assert list(session.calls.all()) == [evaluation.call]
    assert session in selectors.coaching_visible_to(agent)
    assert session not in selectors.coaching_visible_to(other_agent)
    services.coaching_confirm(session_id=session.pk, by=supervisor)
    session.refresh_from_db()
    assert not session.done
    services.coaching_confirm(session_id=session.pk, by=agent)
    session.refresh_from_db()
    assert session.done
    bea = ended_call(other_agent, card.queues.get())
    with pytest.raises(PermissionDenied):  # another team's agent
        services.coaching_open(
            agent=selectors.call_agent(call=bea), coach=supervisor, goals="x", due_on=due
        )
