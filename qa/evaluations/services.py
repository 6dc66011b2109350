"""Writes of evaluations: scorecard versions, sampling into the work queue, claims,
scoring (draft and submit), acknowledgement, disputes, calibration and coaching."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from callcenter import live
from telephony.acd.presence import desk_group
from telephony.acd.selectors import agents_supervised_by
from telephony.models import AgentProfile, Call, QueueEntry

from ..models import (
    Answer,
    AutoQaScore,
    Calibration,
    CoachingSession,
    Dispute,
    Evaluation,
    EvaluationComment,
    EvaluationEvent,
    SamplingRule,
    Scorecard,
    ScorecardQuestion,
    ScorecardSection,
    WorkItem,
)
from . import scoring, selectors

# The event an agent's open pages (their desk, their evaluations) re-fetch on.
AGENT_EVENT = "evaluations-changed"

Answers = Mapping[int, int | None]  # question id: value, None for N/A


# --- Scorecards ------------------------------------------------------------------------


def scorecard_in_use(*, scorecard: Scorecard) -> bool:
    return scorecard.pk is not None and (
        Evaluation.objects.filter(scorecard=scorecard).exists()
        or Calibration.objects.filter(scorecard=scorecard).exists()
    )


@transaction.atomic
def scorecard_keep_version(*, scorecard: Scorecard) -> Scorecard:
    """Before a card in use is edited: copy it as it stands in the database into a
    retired version that its evaluations (and calibrations) keep; the edited row becomes
    the next version. Returns the retired copy."""
    stored = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    kept_version = stored.version
    Scorecard.objects.filter(pk=stored.pk).update(version=kept_version + 1)
    scorecard.version = kept_version + 1
    queues = list(stored.queues.all())
    copy = stored
    copy.pk = None
    copy.version, copy.is_current = kept_version, False
    copy.save()
    copy.queues.set(queues)
    questions: dict[int, int] = {}
    for section in ScorecardSection.objects.filter(scorecard_id=scorecard.pk):
        section_questions = list(section.questions.all())
        section.pk, section.scorecard = None, copy
        section.save()
        for question in section_questions:
            old = question.pk
            question.pk, question.scorecard, question.section = None, copy, section
            question.save()
            questions[old] = question.pk
    evaluations = Evaluation.objects.filter(scorecard_id=scorecard.pk)
    for old, new in questions.items():
        Answer.objects.filter(evaluation__in=evaluations, question_id=old).update(question_id=new)
    evaluations.update(scorecard=copy)
    Calibration.objects.filter(scorecard_id=scorecard.pk).update(scorecard=copy)
    return copy


def scorecard_preview(*, scorecard: Scorecard, answers: Answers) -> scoring.Result:
    """How the card scores these answers (unanswered questions left out, as N/A)."""
    return scoring.score(_items(selectors.scorecard_questions(scorecard=scorecard), answers))


def _items(questions: Iterable[ScorecardQuestion], answers: Answers) -> list[scoring.Item]:
    return [
        scoring.Item(
            section=question.section_id,
            section_weight=question.section.weight,
            weight=question.weight,
            kind=question.kind,
            value=answers.get(question.pk),
            critical=question.critical,
            max_points=question.max_points,
        )
        for question in questions
        if question.pk in answers
    ]


# --- Sampling and the work queue -------------------------------------------------------


def week_start(now: datetime) -> datetime:
    """Monday 00:00 of `now`'s week, in the call center's time zone."""
    local = timezone.localtime(now)
    monday = local - timedelta(days=local.weekday())
    return monday.replace(hour=0, minute=0, second=0, microsecond=0)


def _served_entries(rule: SamplingRule, since: datetime) -> QuerySet[QueueEntry]:
    """Each ended, unsampled call's serving entries since `since` in the rule's queues."""
    entries = QueueEntry.objects.filter(
        served_by__isnull=False,
        call__ended_at__isnull=False,
        call__created_at__gte=since,
        call__qa_work_item__isnull=True,
    )
    queue_ids = list(rule.queues.values_list("pk", flat=True))
    return entries.filter(queue_id__in=queue_ids) if queue_ids else entries


def _sample(rule: SamplingRule, entries: Iterable[QueueEntry], reason: str) -> int:
    """Work items for the entries' calls (each entry served, of a call: see the query)."""
    items = {
        entry.call_id: WorkItem(
            call=entry.call,
            agent=entry.served_by,
            queue_id=entry.queue_id,
            rule=rule,
            reason=reason,
            call_started_at=entry.call.created_at,  # type: ignore[union-attr]  # never None here
        )
        for entry in entries
    }
    # A call another rule (or a concurrent run) sampled first stays sampled once.
    made = WorkItem.objects.bulk_create(items.values(), ignore_conflicts=True)
    return len(made)


@transaction.atomic
def sampling_run(*, now: datetime | None = None) -> int:
    """Run every active rule over this week's calls; returns the calls sampled."""
    now = now or timezone.now()
    since = week_start(now)
    sampled = 0
    rules = SamplingRule.objects.filter(active=True).exclude(kind=SamplingRule.Kind.LOW_CSAT)
    for rule in rules:
        entries = _served_entries(rule, since).select_related("call", "served_by")
        if rule.kind == SamplingRule.Kind.AUTO_QA_FLAGGED:
            flagged = AutoQaScore.objects.filter(is_current=True).filter(
                Q(auto_failed=True)
                | Q(compliance_miss=True)
                | Q(angry_customer=True)
                | Q(long_silence=True)
            )
            entries = entries.filter(call__in=flagged.values("call"))
            sampled += _sample(rule, entries, "Flagged by automated QA")
        elif rule.kind == SamplingRule.Kind.LONGER_THAN:
            entries = entries.filter(call__duration_seconds__gt=(rule.minutes or 0) * 60)
            sampled += _sample(rule, entries, f"Longer than {rule.minutes} minutes")
        elif rule.kind == SamplingRule.Kind.RANDOM:
            sampled += _sample_random(rule, entries, since)
    return sampled


def _sample_random(rule: SamplingRule, entries: QuerySet[QueueEntry], since: datetime) -> int:
    wanted = rule.calls_per_agent or 0
    by_agent: dict[int, list[QueueEntry]] = {}
    for entry in entries:
        by_agent.setdefault(entry.served_by_id, []).append(entry)  # type: ignore[arg-type]
    sampled = 0
    for agent_id, agent_entries in by_agent.items():
        have = WorkItem.objects.filter(
            rule=rule, agent_id=agent_id, call_started_at__gte=since
        ).count()
        if have >= wanted:
            continue
        calls = {entry.call_id: entry for entry in agent_entries}
        picked = random.sample(list(calls.values()), min(wanted - have, len(calls)))
        sampled += _sample(rule, picked, f"{wanted} random calls a week")
    return sampled


@transaction.atomic
def sampling_low_csat(*, call: Call, answer: int) -> WorkItem | None:
    """A survey answer came in: the call goes to the work queue when a low-CSAT rule of
    its queue counts the answer as low."""
    rules = SamplingRule.objects.filter(
        active=True, kind=SamplingRule.Kind.LOW_CSAT, csat_at_most__gte=answer
    )
    rules = rules.filter(Q(queues=call.queue_id) | Q(queues__isnull=True)).distinct()
    rule = rules.order_by("name").first()
    agent = selectors.call_agent(call=call)
    if rule is None or agent is None:
        return None
    item, _ = WorkItem.objects.get_or_create(
        call=call,
        defaults={
            "agent": agent,
            "queue_id": call.queue_id,
            "rule": rule,
            "reason": f"Low CSAT answer ({answer} of 5)",
            "call_started_at": call.created_at,
        },
    )
    return item


@transaction.atomic
def work_item_claim(*, item_id: int, analyst: User) -> WorkItem:
    """Hold a sampled call for `analyst` for QA_CLAIM_MINUTES; at most QA_MAX_OPEN_CLAIMS
    live claims each."""
    if not analyst.has_perm(selectors.SCORE):
        raise PermissionDenied("Only QA analysts claim calls.")
    item = WorkItem.objects.select_for_update().get(pk=item_id)
    now = timezone.now()
    if item.done_at is not None:
        raise ValidationError("This call is already scored.")
    live = item.claim_expires_at is not None and item.claim_expires_at > now
    if live and item.claimed_by_id != analyst.pk:
        raise ValidationError(f"{item.claimed_by} holds this call.")
    already_mine = live and item.claimed_by_id == analyst.pk
    held = selectors.claims_of(user=analyst).count()
    if not already_mine and held >= settings.QA_MAX_OPEN_CLAIMS:
        raise ValidationError(
            f"You hold {settings.QA_MAX_OPEN_CLAIMS} calls: score or release one first."
        )
    item.claimed_by = analyst
    item.claim_expires_at = now + timedelta(minutes=settings.QA_CLAIM_MINUTES)
    item.save(update_fields=["claimed_by", "claim_expires_at"])
    return item


@transaction.atomic
def work_item_release(*, item_id: int, analyst: User) -> None:
    """Give a claimed call back to the work queue."""
    WorkItem.objects.filter(pk=item_id, claimed_by=analyst).update(
        claimed_by=None, claim_expires_at=None
    )


# --- Scoring ---------------------------------------------------------------------------


def _record(evaluation: Evaluation, by: User | None, what: str) -> None:
    score = evaluation.final_score if evaluation.final_score is not None else evaluation.score
    EvaluationEvent.objects.create(evaluation=evaluation, by=by, what=what, score=score)


def _tell_agent(evaluation: Evaluation) -> None:
    live.notify(desk_group(evaluation.agent_id), AGENT_EVENT)


@transaction.atomic
def evaluation_start(
    *,
    call: Call,
    analyst: User,
    scorecard: Scorecard | None = None,
    calibration: Calibration | None = None,
) -> Evaluation:
    """A draft evaluation of `call` by `analyst` on the call's current scorecard (or the
    one given); an analyst's open draft of the same call is taken up again."""
    if not analyst.has_perm(selectors.SCORE):
        raise PermissionDenied("Only QA analysts score calls.")
    if not selectors.calls_audible_to(analyst).filter(pk=call.pk).exists():
        raise PermissionDenied("You may not hear this call.")
    agent = selectors.call_agent(call=call)
    if agent is None:
        raise ValidationError("No agent took this call: there is nobody to evaluate.")
    scorecard = scorecard or selectors.scorecard_for(call=call)
    if scorecard is None:
        raise ValidationError("No active scorecard applies to this call's queue.")
    if calibration is None:
        draft = Evaluation.objects.filter(
            call=call, analyst=analyst, state=Evaluation.State.DRAFT, calibration=None
        ).first()
        if draft:
            return draft
        WorkItem.objects.filter(call=call, done_at__isnull=True).filter(
            Q(claimed_by__isnull=True) | Q(claim_expires_at__lte=timezone.now())
        ).update(
            claimed_by=analyst,
            claim_expires_at=timezone.now() + timedelta(minutes=settings.QA_CLAIM_MINUTES),
        )
    evaluation = Evaluation.objects.create(
        call=call, agent=agent, scorecard=scorecard, analyst=analyst, calibration=calibration
    )
    _record(evaluation, analyst, "Started")
    return evaluation


def _check_answers(questions: list[ScorecardQuestion], answers: Answers, submit: bool) -> None:
    errors: dict[str, str] = {}
    for question in questions:
        field = f"q{question.pk}"
        if question.pk not in answers:
            if submit:
                errors[field] = "Answer this question to submit."
            continue
        value = answers[question.pk]
        if value is None:
            if not question.allow_na:
                errors[field] = "This question has no N/A: answer it."
        elif not question.lowest <= value <= question.highest:
            errors[field] = f"Give {question.lowest} to {question.highest}."
    unknown = set(answers) - {question.pk for question in questions}
    if unknown:
        errors["__all__"] = "Some answers are for questions this scorecard does not have."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def evaluation_save(*, evaluation_id: int, by: User, answers: Answers, submit: bool) -> Evaluation:
    """Save the analyst's answers (a draft may leave questions unanswered); submitting
    needs every question answered, scores the card, and tells the agent. Refused answers
    save nothing."""
    evaluation = (
        Evaluation.objects.select_for_update().select_related("scorecard").get(pk=evaluation_id)
    )
    if evaluation.analyst_id != by.pk:
        raise PermissionDenied("Only the analyst who started it scores this evaluation.")
    if evaluation.state != Evaluation.State.DRAFT:
        raise ValidationError("This evaluation is submitted: it no longer changes.")
    questions = selectors.scorecard_questions(scorecard=evaluation.scorecard)
    _check_answers(questions, answers, submit)
    result = scoring.score(_items(questions, answers))
    if submit and result.score is None:
        raise ValidationError("Every answer is N/A: there is nothing to score.")
    evaluation.answers.exclude(question_id__in=list(answers)).delete()
    for question_id, value in answers.items():
        Answer.objects.update_or_create(
            evaluation=evaluation, question_id=question_id, defaults={"value": value}
        )
    evaluation.score = evaluation.final_score = result.score
    evaluation.critical_failed = result.critical_failed
    if submit:
        evaluation.state = Evaluation.State.SUBMITTED
        evaluation.submitted_at = timezone.now()
    evaluation.save()
    if submit:
        what = "Submitted, critical fail" if result.critical_failed else "Submitted"
        _record(evaluation, by, what)
        WorkItem.objects.filter(call_id=evaluation.call_id, done_at__isnull=True).update(
            done_at=evaluation.submitted_at
        )
        if evaluation.calibration_id is None:
            _tell_agent(evaluation)
    return evaluation


@transaction.atomic
def evaluation_comment_add(
    *, evaluation: Evaluation, by: User, text: str, at_ms: int | None
) -> EvaluationComment:
    """A comment at a moment of the recording, by the analyst (any time) or by those who
    see the evaluation once it is submitted."""
    if evaluation.state == Evaluation.State.DRAFT and evaluation.analyst_id != by.pk:
        raise PermissionDenied("A draft is its analyst's.")
    if not text.strip():
        raise ValidationError({"text": "Write the comment."})
    return EvaluationComment.objects.create(
        evaluation=evaluation, author=by, text=text.strip(), at_ms=at_ms
    )


def _own(evaluation: Evaluation, user: User) -> None:
    if evaluation.agent.user_id != user.pk or evaluation.calibration_id is not None:
        raise PermissionDenied("Only the evaluated agent does this.")


@transaction.atomic
def evaluation_acknowledge(*, evaluation: Evaluation, by: User) -> Evaluation:
    """The agent has read their evaluation."""
    _own(evaluation, by)
    if evaluation.state == Evaluation.State.DRAFT:
        raise ValidationError("This evaluation is not submitted yet.")
    if evaluation.acknowledged_at is None:
        evaluation.acknowledged_at = timezone.now()
        if evaluation.state == Evaluation.State.SUBMITTED:
            evaluation.state = Evaluation.State.ACKNOWLEDGED
        evaluation.save(update_fields=["acknowledged_at", "state"])
        _record(evaluation, by, "Acknowledged by the agent")
    return evaluation


@transaction.atomic
def dispute_raise(*, evaluation: Evaluation, by: User, question_id: int, reason: str) -> Dispute:
    """The agent contests one answer, with a reason; the evaluation is disputed until
    every dispute is decided."""
    _own(evaluation, by)
    if evaluation.state == Evaluation.State.DRAFT:
        raise ValidationError("This evaluation is not submitted yet.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the answer is wrong."})
    answer = evaluation.answers.filter(question_id=question_id).first()
    if answer is None:
        raise ValidationError({"question": "Choose a question of this evaluation."})
    if answer.disputes.filter(state=Dispute.State.OPEN).exists():
        raise ValidationError({"question": "This answer is already disputed."})
    dispute = Dispute.objects.create(
        evaluation=evaluation, answer=answer, reason=reason.strip(), value_before=answer.value
    )
    evaluation.state = Evaluation.State.DISPUTED
    evaluation.acknowledged_at = evaluation.acknowledged_at or timezone.now()
    evaluation.save(update_fields=["state", "acknowledged_at"])
    _record(evaluation, by, f"Disputed “{answer.question.text}”: {dispute.reason}")
    return dispute


@transaction.atomic
def dispute_review(
    *, dispute_id: int, by: User, upheld: bool, value: int | None = None, note: str = ""
) -> Dispute:
    """A supervisor of the agent, or an analyst other than the scorer, decides: upheld
    changes the answer (and the final score); rejected keeps it. The history keeps both."""
    dispute = (
        Dispute.objects.select_for_update().select_related("answer__question").get(pk=dispute_id)
    )
    evaluation = Evaluation.objects.select_for_update().get(pk=dispute.evaluation_id)
    if not selectors.open_disputes_for(user=by).filter(pk=dispute.pk).exists():
        raise PermissionDenied("You may not decide this dispute.")
    question = dispute.answer.question
    if upheld:
        if value is None and not question.allow_na:
            raise ValidationError({"value": "Give the corrected answer."})
        if value is not None and not question.lowest <= value <= question.highest:
            raise ValidationError({"value": f"Give {question.lowest} to {question.highest}."})
        if value == dispute.answer.value:
            raise ValidationError({"value": "Upheld means a different answer."})
        dispute.answer.value = value
        dispute.answer.save(update_fields=["value"])
    dispute.state = Dispute.State.UPHELD if upheld else Dispute.State.REJECTED
    dispute.reviewer, dispute.review_note = by, note.strip()
    dispute.value_after = dispute.answer.value
    dispute.reviewed_at = timezone.now()
    dispute.save()
    answers = {a.question_id: a.value for a in evaluation.answers.all()}
    questions = selectors.scorecard_questions(scorecard=evaluation.scorecard)
    result = scoring.score(_items(questions, answers))
    evaluation.final_score, evaluation.critical_failed = result.score, result.critical_failed
    if not evaluation.disputes.filter(state=Dispute.State.OPEN).exists():
        evaluation.state = Evaluation.State.RESOLVED
    evaluation.save(update_fields=["final_score", "critical_failed", "state"])
    verdict = "upheld" if upheld else "rejected"
    _record(evaluation, by, f"Dispute of “{question.text}” {verdict}" + (f": {note}" * bool(note)))
    _tell_agent(evaluation)
    return dispute


# --- Calibration and coaching ----------------------------------------------------------


@transaction.atomic
def calibration_open(
    *, call: Call, analysts: Iterable[User], by: User, scorecard: Scorecard | None = None
) -> Calibration:
    """Several analysts score `call` blind, each on a draft of their own."""
    analysts = list(analysts)
    if len(analysts) < 2:
        raise ValidationError({"analysts": "Calibrate with at least two analysts."})
    scorecard = scorecard or selectors.scorecard_for(call=call)
    if scorecard is None:
        raise ValidationError("No active scorecard applies to this call's queue.")
    calibration = Calibration.objects.create(call=call, scorecard=scorecard, opened_by=by)
    calibration.analysts.set(analysts)
    for analyst in analysts:
        evaluation_start(call=call, analyst=analyst, scorecard=scorecard, calibration=calibration)
    return calibration


@transaction.atomic
def coaching_open(
    *,
    agent: AgentProfile,
    coach: User,
    goals: str,
    due_on: date,
    notes: str = "",
    evaluation: Evaluation | None = None,
    calls: Iterable[Call] = (),
) -> CoachingSession:
    """A coaching session for an agent the coach may see, from an evaluation or calls."""
    if not coach.has_perm(selectors.COACH) or not (
        coach.has_perm(selectors.SEE_ANY)
        or agents_supervised_by(coach.pk).filter(pk=agent.pk).exists()
    ):
        raise PermissionDenied("You coach only your teams' agents.")
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": "Give a due date from today on."})
    session = CoachingSession.objects.create(
        agent=agent, coach=coach, goals=goals, due_on=due_on, notes=notes, evaluation=evaluation
    )
    session.calls.set([*calls, *([evaluation.call] if evaluation else [])])
    live.notify(desk_group(agent.pk), AGENT_EVENT)
    return session


@transaction.atomic
def coaching_confirm(*, session_id: int, by: User) -> CoachingSession:
    """The coach or the agent confirms the session took place; done once both have."""
    session = CoachingSession.objects.select_for_update().select_related("agent").get(pk=session_id)
    now = timezone.now()
    if by.pk == session.agent.user_id:
        session.agent_confirmed_at = session.agent_confirmed_at or now
    elif by.pk == session.coach_id:
        session.coach_confirmed_at = session.coach_confirmed_at or now
    else:
        raise PermissionDenied("Only the coach and the agent confirm a session.")
    session.save(update_fields=["agent_confirmed_at", "coach_confirmed_at"])
    return session
