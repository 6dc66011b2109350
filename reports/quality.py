"""First-contact resolution and CSAT per period and queue, agent or team: the contacts'
outcomes and the survey answers come from qa (qa.surveys.fcr), grouped here like every
other report's figures. An agent in two teams counts in both."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from qa.surveys import fcr
from qa.surveys.selectors import satisfaction_answers
from telephony.models import AgentProfile, Queue, Team

from .periods import center_zone, period_of

Row = dict[str, Any]
FIGURES = [
    "fcr_contacts",
    "fcr_resolved",
    "fcr_repeated",
    "fcr_pending",
    "fcr",
    "survey_answers",
    "csat_satisfied",
    "csat",
]
OWNERS = ("queue", "agent", "team")


def _names(by: str, ids: Iterable[int]) -> dict[int, str]:
    if by == "queue":
        return dict(Queue.objects.filter(pk__in=ids).values_list("pk", "name"))
    if by == "team":
        return dict(Team.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {a.pk: str(a) for a in AgentProfile.objects.filter(pk__in=ids).select_related("user")}


def quality_kpis(
    *,
    start: datetime,
    end: datetime,
    interval: str,
    by: str,
    owner_ids: list[int] | None = None,
) -> list[Row]:
    """Per period and owner (`by`: queue, agent or team): FCR's contacts (resolved,
    repeated, pending) and FCR; survey answers, those of 4-5, and CSAT."""
    zone = center_zone()
    teams_of: dict[int, list[int]] = defaultdict(list)
    agent_ids = queue_ids = None
    if by == "team":
        members = AgentProfile.teams.through.objects.all()
        if owner_ids is not None:
            members = members.filter(team_id__in=owner_ids)
        for agent_id, team_id in members.values_list("agentprofile_id", "team_id"):
            teams_of[agent_id].append(team_id)
        agent_ids = list(teams_of)
    elif by == "agent":
        agent_ids = owner_ids
    else:
        queue_ids = owner_ids

    def owners(agent_id: int | None, queue_id: int | None) -> list[int]:
        if by == "team":
            return teams_of.get(agent_id, []) if agent_id is not None else []
        owner = agent_id if by == "agent" else queue_id
        return [owner] if owner is not None else []

    contacts: dict[tuple[datetime, str, int], list[fcr.ContactOutcome]] = defaultdict(list)
    for outcome in fcr.contact_outcomes(
        start=start, end=end, agent_ids=agent_ids, queue_ids=queue_ids
    ):
        label, key = period_of(outcome.at, interval, zone)
        for owner in owners(outcome.agent_id, outcome.queue_id):
            contacts[(key, label, owner)].append(outcome)
    scores: dict[tuple[datetime, str, int], list[int]] = defaultdict(list)
    answers = satisfaction_answers(start=start, end=end, agent_ids=agent_ids, queue_ids=queue_ids)
    for at, agent_id, queue_id, score in fcr.answers_with_owners(answers):
        label, key = period_of(at, interval, zone)
        for owner in owners(agent_id, queue_id):
            scores[(key, label, owner)].append(score)
    groups = sorted(set(contacts) | set(scores))
    names = _names(by, {owner for _key, _label, owner in groups})
    return [
        {
            "period": label,
            "period_start": key.isoformat(),
            by: owner,
            f"{by}_name": names.get(owner, ""),
            **fcr.fcr_figures(contacts.get((key, label, owner), [])),
            **fcr.csat_figures(scores.get((key, label, owner), [])),
        }
        for key, label, owner in groups
    ]
