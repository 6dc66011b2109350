"""The reports there are: their rows (leading columns and figures) and filters. Pages,
the API and the exports all run a report through here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from campaigns.models import LeadImport
from telephony.models import AgentProfile, Queue

from . import costs, outbound, quality, selectors
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


def _team_rows(request: Request, scope: Scope) -> list[Row]:
    named = _ids(request.filters.get("team", [])) or None
    return selectors.team_kpis(
        start=request.start,
        end=request.end,
        interval=request.interval,
        team_ids=scope.narrow(named, scope.team_ids),
    )


def _line_rows(request: Request, scope: Scope) -> list[Row]:
    # A line's calls reach any team's queues: only those who see every queue see lines.
    named = _ids(request.filters.get("line", [])) or None
    return selectors.line_kpis(
        start=request.start,
        end=request.end,
        interval=request.interval,
        line_ids=named if scope.queue_ids is None else [],
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


def _lead_list_rows(request: Request, scope: Scope) -> list[Row]:
    """Lists of the campaigns named (and the user may see), and those named."""
    campaign_ids = scope.narrow(
        _ids(request.filters.get("campaign", [])) or None, scope.campaign_ids
    )
    named = _ids(request.filters.get("lead_list", [])) or None
    if campaign_ids is not None:
        of_campaigns = list(
            LeadImport.objects.filter(campaign_id__in=campaign_ids).values_list("pk", flat=True)
        )
        named = [n for n in named if n in of_campaigns] if named else of_campaigns
    return outbound.lead_list_kpis(
        start=request.start, end=request.end, interval=request.interval, list_ids=named
    )


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


def _quality_rows(by: str) -> Callable[[Request, Scope], list[Row]]:
    """FCR and CSAT rows by queue, agent or team, narrowed to the user's scope."""
    members = {"queue": Queue.objects.all(), "agent": AgentProfile.objects.all()}

    def rows(request: Request, scope: Scope) -> list[Row]:
        if by == "team":
            named = _ids(request.filters.get("team", [])) or None
            owner_ids = scope.narrow(named, scope.team_ids)
        else:
            allowed = scope.queue_ids if by == "queue" else scope.agent_ids
            owner_ids = scope.narrow(_owners(request, by, members[by]), allowed)
        return quality.quality_kpis(
            start=request.start,
            end=request.end,
            interval=request.interval,
            by=by,
            owner_ids=owner_ids,
        )

    return rows


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
    "teams": Report(
        label="Teams (inbound)",
        keys=[("period", "Period"), ("team_name", "Team")],
        figures=selectors.QUEUE_FIGURES,
        filters=("team",),
        run=_team_rows,
        owner="team",
    ),
    "lines": Report(
        label="Lines (number dialled)",
        keys=[("period", "Period"), ("line_name", "Line")],
        figures=selectors.QUEUE_FIGURES,
        filters=("line",),
        run=_line_rows,
        owner="line",
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
    "lead-lists": Report(
        label="Lead lists",
        keys=[("period", "Period"), ("lead_list_name", "Lead list")],
        figures=CAMPAIGN_FIGURES,
        filters=("campaign", "lead_list"),
        run=_lead_list_rows,
        owner="lead_list",
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
    # First-contact resolution and CSAT.
    **{
        f"quality-{by}s": Report(
            label=f"FCR and CSAT by {by}",
            keys=[("period", "Period"), (f"{by}_name", by.capitalize())],
            figures=quality.FIGURES,
            filters=(by,) if by == "team" else (by, "team"),
            run=_quality_rows(by),
            owner=by,
        )
        for by in quality.OWNERS
    },
}


def register_report(name: str, report: Report, figures: dict[str, selectors.Figure]) -> None:
    """Add a report an app above reports computes (reports imports none of them): its
    figures' definitions join the others, and pages, API and exports run it like ours.
    Called from the app's ready()."""
    if name in REPORTS:
        raise ValueError(f"A report named {name} exists.")
    selectors.KPI_DEFINITIONS.update(figures)
    REPORTS[name] = report
