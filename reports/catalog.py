"""The reports there are: their rows (leading columns and figures) and filters. Pages,
the API and the exports all run a report through here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from telephony.models import AgentProfile, Queue

from . import costs, outbound, selectors
from .selectors import Row, Scope


@dataclass(frozen=True)
class Request:
    """A validated report request (see reports.forms.ReportForm)."""

    start: datetime
    end: datetime
    interval: str
    filters: dict[str, list[Any]]


@dataclass(frozen=True)
class Report:
    label: str
    keys: list[tuple[str, str]]  # (column, heading) naming each row
    figures: list[str]  # KPI_DEFINITIONS keys
    filters: tuple[str, ...]
    run: Callable[[Request, Scope], list[Row]]
    owner: str  # the row column a drill-down narrows by
    drillable: tuple[str, ...] = ()  # the figures whose calls a drill-down lists


def _ids(values: list[Any]) -> list[int]:
    return [value.pk for value in values]


def _owners(request: Request, name: str, members: QuerySet) -> list[int] | None:
    """The owners (queues or agents) the request names, narrowed to its teams' members."""
    owner_ids = _ids(request.filters.get(name, [])) or None
    teams = request.filters.get("team", [])
    if teams:
        of_teams = list(members.filter(teams__in=teams).values_list("pk", flat=True))
        owner_ids = [o for o in owner_ids if o in of_teams] if owner_ids else of_teams
    return owner_ids


def _queue_rows(request: Request, scope: Scope) -> list[Row]:
    return selectors.queue_kpis(
        start=request.start,
        end=request.end,
        interval=request.interval,
        queue_ids=scope.narrow(_owners(request, "queue", Queue.objects.all()), scope.queue_ids),
    )


def _agent_rows(request: Request, scope: Scope) -> list[Row]:
    return selectors.agent_kpis(
        start=request.start,
        end=request.end,
        interval=request.interval,
        agent_ids=scope.narrow(
            _owners(request, "agent", AgentProfile.objects.all()), scope.agent_ids
        ),
    )


def _campaign_rows(
    run: Callable[..., list[Row]],
) -> Callable[[Request, Scope], list[Row]]:
    def rows(request: Request, scope: Scope) -> list[Row]:
        named = _ids(request.filters.get("campaign", [])) or None
        return run(
            start=request.start,
            end=request.end,
            interval=request.interval,
            campaign_ids=scope.narrow(named, scope.campaign_ids),
        )

    return rows


CAMPAIGN_FIGURES = [
    "dialed",
    "live_answers",
    "contact_rate",
    "abandoned_calls",
    "abandonment_day",
    "abandonment_30d",
    "conversions",
    "conversion_rate",
    "attempts_per_lead",
    "leads_left",
]
COMPLIANCE_FIGURES = [
    "abandonment_30d",
    "abandonment_target",
    "abandonment_ok",
    "outside_hours",
    "dnc_blocks",
    "hours_blocks",
    "safe_harbor_played",
]


def _cost_rows(request: Request, scope: Scope) -> list[Row]:
    named = _ids(request.filters.get("team", [])) or None
    return costs.cost_kpis(
        start=request.start,
        end=request.end,
        interval=request.interval,
        team_ids=scope.narrow(named, scope.team_ids),
    )


REPORTS: dict[str, Report] = {
    "queues": Report(
        label="Queues",
        keys=[("period", "Period"), ("queue_name", "Queue")],
        figures=selectors.QUEUE_FIGURES,
        filters=("queue", "team"),
        run=_queue_rows,
        owner="queue",
        drillable=selectors.DRILLABLE,
    ),
    "agents": Report(
        label="Agents",
        keys=[("period", "Period"), ("agent_name", "Agent")],
        figures=selectors.AGENT_FIGURES,
        filters=("agent", "team"),
        run=_agent_rows,
        owner="agent",
        drillable=selectors.DRILLABLE,
    ),
    "campaigns": Report(
        label="Campaigns",
        keys=[("period", "Period"), ("campaign_name", "Campaign")],
        figures=CAMPAIGN_FIGURES,
        filters=("campaign",),
        run=_campaign_rows(outbound.campaign_kpis),
        owner="campaign",
        drillable=outbound.DRILLABLE,
    ),
    "compliance": Report(
        label="Compliance",
        keys=[("period", "Period"), ("campaign_name", "Campaign")],
        figures=COMPLIANCE_FIGURES,
        filters=("campaign",),
        run=_campaign_rows(outbound.compliance_kpis),
        owner="campaign",
        drillable=outbound.DRILLABLE,
    ),
    "costs": Report(
        label="Cost per contact",
        keys=[("period", "Period"), ("team_name", "Team")],
        figures=["agent_cost", "telephony_cost", "contacts", "cost_per_contact"],
        filters=("team",),
        run=_cost_rows,
        owner="team",
    ),
}
