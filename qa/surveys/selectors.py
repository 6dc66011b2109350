"""Reads of post-call surveys: which plan a call falls under, whose answers a user may
see, and the answers CSAT is computed from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.urls import reverse

from telephony.acd.selectors import agents_supervised_by, queues_supervised_by
from telephony.models import AgentProfile, Call, QueueEntry

from ..models import Survey, SurveyAnswer, SurveyPlan
from ..selectors import calls_audible_to


def plan_for(*, call: Call, entry: QueueEntry, channel: str) -> SurveyPlan | None:
    """The active plan of `channel` a conversation falls under: its campaign's (a call
    placed for a campaign) before its queue's; None when neither opted in."""
    plans = SurveyPlan.objects.filter(active=True, channel=channel).prefetch_related("questions")
    by_campaign = plans.filter(campaigns__attempts__call=call).first()
    if by_campaign is not None:
        return by_campaign
    return plans.filter(queues=entry.queue_id).first()


def last_conversation(call: Call) -> QueueEntry | None:
    """The call's last answered queue entry (the agent and queue a survey is about): a
    transfer's colleague over the first agent; a callback's leg through its entry."""
    return (
        QueueEntry.objects.filter(Q(call=call) | Q(caller_call_sid=call.sid))
        .filter(served_by__isnull=False)
        .select_related("queue", "served_by", "customer")
        .order_by("-connected_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class QualityScope:
    """Whose calls a user may see survey answers and FCR of: None means everyone's."""

    agent_ids: list[int] | None
    queue_ids: list[int] | None

    def calls(self, *, agent_field: str, queue_field: str) -> Q:
        """The condition on a query's agent and queue fields."""
        if self.agent_ids is None and self.queue_ids is None:
            return Q()
        return Q(**{f"{agent_field}__in": self.agent_ids or []}) | Q(
            **{f"{queue_field}__in": self.queue_ids or []}
        )


def quality_scope(user: User | AnonymousUser) -> QualityScope | None:
    """QA analysts and managers see all; supervisors their teams' agents and queues;
    agents their own calls; anyone else nothing (None)."""
    if not user.is_authenticated or not user.has_perm("qa.view_survey"):
        return None
    if user.has_perm("qa.view_any_survey"):
        return QualityScope(agent_ids=None, queue_ids=None)
    if user.has_perm("qa.view_team_survey"):
        return QualityScope(
            agent_ids=list(agents_supervised_by(user.pk).values_list("pk", flat=True)),
            queue_ids=list(queues_supervised_by(user.pk).values_list("pk", flat=True)),
        )
    own = list(AgentProfile.objects.filter(user=user).values_list("pk", flat=True))
    return QualityScope(agent_ids=own, queue_ids=[])


def surveys_visible_to(user: User | AnonymousUser) -> QuerySet[Survey]:
    """The surveys of the calls `user` may see, newest first, with their answers."""
    scope = quality_scope(user)
    if scope is None:
        return Survey.objects.none()
    return (
        Survey.objects.filter(scope.calls(agent_field="agent", queue_field="queue"))
        .select_related("call", "agent__user", "queue", "customer", "plan")
        .prefetch_related("answers__question")
        .order_by("-created_at", "-id")
    )


def call_survey(*, user: User | AnonymousUser, call: Call) -> Survey | None:
    """The call's survey, if `user` may see its answers."""
    return surveys_visible_to(user).filter(call=call).first()


def comments_audible_to(user: User | AnonymousUser) -> QuerySet[Survey]:
    """Surveys whose spoken comment `user` may hear: they may see the survey's answers and
    hear the call's recordings (a customer's voice is heard under the same rules)."""
    return surveys_visible_to(user).filter(call__in=calls_audible_to(user))


def satisfaction_answers(
    *,
    start: datetime,
    end: datetime,
    agent_ids: list[int] | None = None,
    queue_ids: list[int] | None = None,
) -> QuerySet[SurveyAnswer]:
    """Answers to the satisfaction question (each survey's first) given in [start, end),
    of the agents or queues named (None: all): what CSAT counts."""
    answers = SurveyAnswer.objects.filter(question__position=1, at__gte=start, at__lt=end)
    if agent_ids is not None:
        answers = answers.filter(survey__agent_id__in=agent_ids)
    if queue_ids is not None:
        answers = answers.filter(survey__queue_id__in=queue_ids)
    return answers


def survey_call_page(survey_id: int) -> str:
    """(crm.timeline) A survey's timeline entry links to its call's page."""
    call_id = Survey.objects.values_list("call_id", flat=True).get(pk=survey_id)
    return reverse("qa:call_detail", args=[call_id])
