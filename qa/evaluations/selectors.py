"""Reads of evaluations: who sees which evaluation (built on who may hear which call), the
analysts' work queue, the scorecard a call is scored on, calibration's comparison."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from telephony.acd.selectors import agents_supervised_by
from telephony.models import AgentProfile, Call, QueueEntry

from ..models import (
    Answer,
    Calibration,
    CoachingSession,
    Dispute,
    Evaluation,
    Scorecard,
    ScorecardQuestion,
    WorkItem,
)
from ..selectors import calls_audible_to

SCORE = "qa.score_call"
SEE_OWN = "qa.view_own_evaluation"
SEE_TEAM = "qa.view_team_evaluation"
SEE_ANY = "qa.view_any_evaluation"
REVIEW = "qa.review_dispute"
COACH = "qa.coach_agent"


def may_see_evaluations(user: User | AnonymousUser) -> bool:
    return any(user.has_perm(perm) for perm in (SEE_OWN, SEE_TEAM, SEE_ANY))


def evaluations_visible_to(user: User | AnonymousUser) -> QuerySet[Evaluation]:
    """Evaluations `user` may see, of calls they may hear: analysts and managers all;
    supervisors their teams' agents' submitted ones; agents their own submitted ones.
    Calibration scorings are the analysts' alone."""
    evaluations = Evaluation.objects.filter(call__in=calls_audible_to(user))
    if user.has_perm(SEE_ANY):
        # Blind: another analyst's calibration scoring shows only on the comparison.
        return evaluations.filter(Q(calibration__isnull=True) | Q(analyst_id=user.pk))
    allowed = Q(pk__in=[])
    if user.has_perm(SEE_TEAM):
        allowed |= Q(agent__in=agents_supervised_by(user.pk))
    if user.has_perm(SEE_OWN):
        allowed |= Q(agent__user_id=user.pk)
    return evaluations.filter(allowed, calibration__isnull=True).exclude(
        state=Evaluation.State.DRAFT
    )


def evaluation_detail(*, user: User | AnonymousUser, pk: int) -> Evaluation | None:
    """One evaluation `user` may see, with its answers, disputes, comments and history."""
    return (
        evaluations_visible_to(user)
        .select_related("call__customer", "call__queue", "agent__user", "scorecard", "analyst")
        .prefetch_related(
            Prefetch("answers", queryset=Answer.objects.select_related("question__section")),
            Prefetch("disputes", queryset=Dispute.objects.select_related("reviewer", "answer")),
            "comments__author",
            "history__by",
        )
        .filter(pk=pk)
        .first()
    )


def call_agent(*, call: Call) -> AgentProfile | None:
    """The agent who took the call (the last one to serve it, after transfers)."""
    entry = (
        QueueEntry.objects.filter(call=call, served_by__isnull=False)
        .select_related("served_by__user")
        .order_by("-connected_at", "-id")
        .first()
    )
    return entry.served_by if entry else None


def scorecard_for(*, call: Call) -> Scorecard | None:
    """The current, active card of the call's queue; else one for any call."""
    cards = Scorecard.objects.filter(is_current=True, active=True).annotate(
        queue_count=Count("queues")
    )
    return (
        cards.filter(queues=call.queue_id).order_by("name").first() if call.queue_id else None
    ) or cards.filter(queue_count=0).order_by("name").first()


def scorecard_questions(*, scorecard: Scorecard) -> list[ScorecardQuestion]:
    """The card's questions in order, each with its section."""
    return list(scorecard.questions.select_related("section"))


def claim_is_live(now: datetime | None = None) -> Q:
    return Q(claimed_by__isnull=False, claim_expires_at__gt=now or timezone.now())


def work_queue() -> QuerySet[WorkItem]:
    """Sampled calls still to score that nobody holds (a lapsed claim holds nothing),
    oldest first."""
    return (
        WorkItem.objects.filter(done_at__isnull=True)
        .exclude(claim_is_live())
        .select_related("call__customer", "agent__user", "queue", "rule")
    )


def claims_of(*, user: User) -> QuerySet[WorkItem]:
    """The analyst's live claims."""
    return (
        WorkItem.objects.filter(done_at__isnull=True, claimed_by=user)
        .filter(claim_is_live())
        .select_related("call__customer", "agent__user", "queue", "rule")
    )


def calls_to_pick(
    *,
    user: User,
    agent: AgentProfile | None = None,
    since: datetime | None = None,
    number: str = "",
) -> QuerySet[Call]:
    """Ended calls an analyst may pick to score, newest first: by agent, date, number."""
    calls = calls_audible_to(user).filter(queue_entries__served_by__isnull=False)
    if agent is not None:
        calls = calls.filter(queue_entries__served_by=agent)
    if since is not None:
        calls = calls.filter(created_at__gte=since)
    if number:
        calls = calls.filter(Q(from_number__contains=number) | Q(to_number__contains=number))
    return calls.distinct().select_related("customer", "queue").order_by("-created_at")


def drafts_of(*, user: User) -> QuerySet[Evaluation]:
    return Evaluation.objects.filter(analyst=user, state=Evaluation.State.DRAFT).select_related(
        "call", "agent__user", "scorecard"
    )


def open_disputes_for(*, user: User) -> QuerySet[Dispute]:
    """Disputes `user` may decide: of evaluations they see but did not score."""
    if not user.has_perm(REVIEW):
        return Dispute.objects.none()
    return (
        Dispute.objects.filter(
            state=Dispute.State.OPEN, evaluation__in=evaluations_visible_to(user)
        )
        .exclude(evaluation__analyst=user)
        .select_related("evaluation__agent__user", "answer__question")
    )


@dataclass(frozen=True)
class QuestionSpread:
    question: ScorecardQuestion
    values: list[int | None]  # each analyst's answer in the order of `Comparison.analysts`
    spread: int | None  # highest minus lowest applicable answer


@dataclass(frozen=True)
class Comparison:
    analysts: list[User]
    scores: list[float | None]
    rows: list[QuestionSpread]
    waiting_for: list[User]


def calibration_comparison(*, calibration: Calibration) -> Comparison:
    """Each submitted analyst's answers side by side and the spread per question."""
    submitted = list(
        calibration.evaluations.exclude(state=Evaluation.State.DRAFT)
        .select_related("analyst")
        .prefetch_related("answers")
        .order_by("analyst__username")
    )
    analysts = [evaluation.analyst for evaluation in submitted]
    answers = [{a.question_id: a.value for a in e.answers.all()} for e in submitted]
    rows = []
    for question in scorecard_questions(scorecard=calibration.scorecard):
        values = [given.get(question.pk) for given in answers]
        applicable = [value for value in values if value is not None]
        spread = max(applicable) - min(applicable) if applicable else None
        rows.append(QuestionSpread(question, values, spread))
    done = {analyst.pk for analyst in analysts}
    return Comparison(
        analysts=analysts,
        scores=[evaluation.score for evaluation in submitted],
        rows=rows,
        waiting_for=[user for user in calibration.analysts.all() if user.pk not in done],
    )


def coaching_visible_to(user: User | AnonymousUser) -> QuerySet[CoachingSession]:
    """Coaching sessions `user` may see: their own as agent, their teams' or their own as
    coach; managers and analysts all."""
    sessions = CoachingSession.objects.select_related("agent__user", "coach", "evaluation")
    if user.has_perm(SEE_ANY):
        return sessions
    allowed = Q(agent__user_id=user.pk) | Q(coach_id=user.pk)
    if user.has_perm(SEE_TEAM):
        allowed |= Q(agent__in=agents_supervised_by(user.pk))
    return sessions.filter(allowed)
