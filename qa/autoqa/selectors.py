"""Reads of automated QA: whose scores a user may see, a call's results, an agent's
trend, and the dashboard's hit rates and flagged calls."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Avg, Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from qa.models import AutoQaScore, RuleResult, Utterance
from qa.selectors import calls_audible_to
from telephony.models import AgentProfile, Call, Queue

from .engine import Line

VIEW_SCORES = "qa.view_autoqascore"


def may_see_scores(user: User | AnonymousUser) -> bool:
    return user.has_perm(VIEW_SCORES)


def scores_visible_to(user: User | AnonymousUser) -> QuerySet[AutoQaScore]:
    """Current scores of the calls `user` may hear: QA analysts and managers all,
    supervisors their teams', agents their own (the recordings' own rule)."""
    if not may_see_scores(user):
        return AutoQaScore.objects.none()
    return AutoQaScore.objects.filter(is_current=True, call__in=calls_audible_to(user))


def transcript_lines(*, transcript_ids: Sequence[int]) -> dict[int, list[Line]]:
    """The transcripts' utterances as the checks read them, by transcript (one query)."""
    lines: dict[int, list[Line]] = defaultdict(list)
    for transcript_id, pk, speaker, start_ms, end_ms, text in (
        Utterance.objects.filter(transcript_id__in=transcript_ids)
        .values_list("transcript_id", "id", "speaker", "start_ms", "end_ms", "text")
        .order_by()
        .iterator(chunk_size=5000)
    ):
        lines[transcript_id].append(Line(pk, speaker, start_ms, end_ms, text))
    return lines


def _results() -> Prefetch:
    return Prefetch(
        "results",
        queryset=RuleResult.objects.select_related("rule", "utterance").order_by("rule__name"),
    )


def call_scores(*, call: Call) -> dict[int, AutoQaScore]:
    """A call's current scores, by the recording whose transcript was scored."""
    scores = (
        AutoQaScore.objects.filter(call=call, is_current=True)
        .select_related("transcript")
        .prefetch_related(_results())
    )
    return {score.transcript.recording_id: score for score in scores}


@dataclass(frozen=True)
class Week:
    week: datetime
    calls: int
    average: float
    flagged: int


FLAGGED = Q(compliance_miss=True) | Q(angry_customer=True) | Q(long_silence=True)


def _weekly(scores: QuerySet[AutoQaScore]) -> list[Week]:
    rows = (
        scores.annotate(week=TruncWeek("call_started_at"))
        .values("week")
        .annotate(calls=Count("id"), average=Avg("score"), flagged=Count("id", filter=FLAGGED))
        .order_by("week")
    )
    return [Week(**row) for row in rows]


def agent_trend(*, agent: AgentProfile, weeks: int = 8) -> list[Week]:
    """The agent's calls, average score and flagged calls per week, oldest first."""
    since = timezone.now() - timedelta(weeks=weeks)
    return _weekly(
        AutoQaScore.objects.filter(is_current=True, agent=agent, call_started_at__gte=since)
    )


@dataclass(frozen=True)
class HitRate:
    rule: str
    group: str
    hits: int
    checked: int

    @property
    def rate(self) -> float:
        return self.hits / self.checked if self.checked else 0.0


def _hit_rates(results: QuerySet[RuleResult], group: str) -> list[HitRate]:
    rows = (
        results.values("rule__name", group)
        .annotate(
            hits=Count("id", filter=Q(outcome=RuleResult.Outcome.HIT)),
            checked=Count("id"),
        )
        .order_by("rule__name", group)
    )
    return [
        HitRate(
            rule=row["rule__name"],
            group=_label(row[group]),
            hits=row["hits"],
            checked=row["checked"],
        )
        for row in rows
    ]


def _label(value: object) -> str:
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d}"
    return "—" if value in (None, "") else str(value)


@dataclass(frozen=True)
class Dashboard:
    by_queue: list[HitRate]
    by_agent: list[HitRate]
    by_week: list[HitRate]
    weeks: list[Week]
    flagged: list[AutoQaScore]


def dashboard(
    *,
    user: User,
    queue: Queue | None = None,
    agent: AgentProfile | None = None,
    since: datetime | None = None,
) -> Dashboard:
    """Per-rule hit rates by queue, agent and week (rules by name, across versions), the
    weekly average, and the flagged calls to review, newest first, over `user`'s calls."""
    scores = scores_visible_to(user)
    if queue is not None:
        scores = scores.filter(queue=queue)
    if agent is not None:
        scores = scores.filter(agent=agent)
    if since is not None:
        scores = scores.filter(call_started_at__gte=since)
    results = RuleResult.objects.filter(score__in=scores).exclude(
        outcome=RuleResult.Outcome.NOT_APPLICABLE
    )
    return Dashboard(
        by_queue=_hit_rates(results, "score__queue__name"),
        by_agent=_hit_rates(results, "score__agent__user__username"),
        by_week=_hit_rates(results.annotate(week=TruncWeek("score__call_started_at")), "week"),
        weeks=_weekly(scores),
        flagged=list(
            scores.filter(FLAGGED).select_related("call__customer", "queue", "agent__user")[:100]
        ),
    )
