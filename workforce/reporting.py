"""Adherence in the reports section: per agent and per team, per day, week or month,
registered in reports' catalog (reports knows nothing of schedules)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from callcenter.rounding import ratio, shown
from reports.catalog import Report, Request, register_report
from reports.periods import center_zone, period_end, period_of
from reports.selectors import Figure, Row, Scope
from telephony.models import AgentProfile

from .adherence import AgentAdherence, agents_adherence, teams_adherence

FIGURES = {
    "scheduled": Figure("Scheduled", "Time in published shifts (time off excluded).", "s"),
    "in_adherence": Figure(
        "In adherence",
        "Scheduled time spent in the scheduled activity, stretches out of it shorter than "
        "the tolerance forgiven.",
        "s",
    ),
    "adherence": Figure("Adherence", "In adherence ÷ scheduled.", "%"),
    "conformance": Figure("Conformance", "Logged-in time on shift days ÷ scheduled.", "%"),
}


def _figures(scheduled: timedelta, inside: timedelta, logged_in: timedelta) -> Row:
    seconds = scheduled.total_seconds()
    return {
        "scheduled": shown(seconds),
        "in_adherence": shown(inside.total_seconds()),
        "adherence": ratio(inside.total_seconds(), seconds, 100),
        "conformance": ratio(logged_in.total_seconds(), seconds, 100),
    }


def _periods(request: Request) -> list[tuple[str, str, Any, Any]]:
    """(label, start as ISO text, first day, last day) of each period of the range, whole
    local days: schedules are by day, so a shorter interval reports by day."""
    interval = request.interval if request.interval in ("day", "week", "month") else "day"
    zone = center_zone()
    periods = []
    label, key = period_of(request.start, interval, zone)
    while key < request.end:
        stop = period_end(key, interval, zone)
        first = max(key, request.start).astimezone(zone).date()
        last = (min(stop, request.end) - timedelta(microseconds=1)).astimezone(zone).date()
        periods.append((label, key.isoformat(), first, last))
        label, key = period_of(stop, interval, zone)
    return periods


def _agents(request: Request, scope: Scope) -> list[AgentProfile]:
    agents = AgentProfile.objects.select_related("user").order_by("pk")
    if scope.agent_ids is not None:
        agents = agents.filter(pk__in=scope.agent_ids)
    if request.filters.get("agent"):
        agents = agents.filter(pk__in=[a.pk for a in request.filters["agent"]])
    if request.filters.get("team"):
        agents = agents.filter(teams__in=request.filters["team"]).distinct()
    return list(agents)


def _by_period(request: Request, scope: Scope) -> list[tuple[str, str, list[AgentAdherence]]]:
    agents = _agents(request, scope)
    return [
        (label, key, agents_adherence(agents=agents, first=first, last=last))
        for label, key, first, last in _periods(request)
    ]


def agent_rows(request: Request, scope: Scope) -> list[Row]:
    return [
        {
            "period": label,
            "period_start": key,
            "agent": row.agent.pk,
            "agent_name": str(row.agent),
            **_figures(row.scheduled, row.in_adherence, row.logged_in),
        }
        for label, key, rows in _by_period(request, scope)
        for row in rows
    ]


def team_rows(request: Request, scope: Scope) -> list[Row]:
    named = {team.pk for team in request.filters.get("team", [])}
    result = []
    for label, key, rows in _by_period(request, scope):
        for team in teams_adherence(rows=rows):
            if (named and team.team.pk not in named) or (
                scope.team_ids is not None and team.team.pk not in scope.team_ids
            ):
                continue
            result.append(
                {
                    "period": label,
                    "period_start": key,
                    "team": team.team.pk,
                    "team_name": team.team.name,
                    **_figures(
                        sum((r.scheduled for r in team.agents), timedelta(0)),
                        sum((r.in_adherence for r in team.agents), timedelta(0)),
                        sum((r.logged_in for r in team.agents), timedelta(0)),
                    ),
                }
            )
    return result


def adherence_reports_register() -> None:
    register_report(
        "adherence-agents",
        Report(
            label="Adherence by agent",
            keys=[("period", "Period"), ("agent_name", "Agent")],
            figures=list(FIGURES),
            filters=("agent", "team"),
            run=agent_rows,
            owner="agent",
        ),
        FIGURES,
    )
    register_report(
        "adherence-teams",
        Report(
            label="Adherence by team",
            keys=[("period", "Period"), ("team_name", "Team")],
            figures=list(FIGURES),
            filters=("team",),
            run=team_rows,
            owner="team",
        ),
        FIGURES,
    )
