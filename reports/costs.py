"""Cost per contact, per team: the team's agent time at its hourly cost plus the carrier
minutes of the calls its agents handled at the price of their direction, divided by the
contacts (calls) they handled. An agent in two teams counts in both."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db.models import F

from callcenter.rounding import ratio, shown
from telephony.models import AgentProfile, Call, Team

from .models import AgentInterval, TeamCost, TelephonyPrice
from .periods import center_zone, period_of

Row = dict[str, Any]
_TIME = ("available_seconds", "ringing_seconds", "on_call_seconds", "wrap_up_state_seconds")


def cost_kpis(
    *, start: datetime, end: datetime, interval: str, team_ids: list[int] | None = None
) -> list[Row]:
    """Per period and team: agent cost, telephony cost, contacts, cost per contact."""
    zone = center_zone()
    teams = Team.objects.all() if team_ids is None else Team.objects.filter(pk__in=team_ids)
    names = dict(teams.values_list("pk", "name"))
    rates = {c.team_id: float(c.hourly_cost) for c in TeamCost.objects.filter(team__in=teams)}
    prices = {p.direction: float(p.per_minute) for p in TelephonyPrice.objects.all()}
    members: dict[int, list[int]] = defaultdict(list)
    for agent_id, team_id in AgentProfile.teams.through.objects.filter(
        team_id__in=list(names)
    ).values_list("agentprofile_id", "team_id"):
        members[agent_id].append(team_id)
    totals: dict[tuple[datetime, str, int], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    facts = AgentInterval.objects.filter(
        interval_start__gte=start, interval_start__lt=end, agent_id__in=list(members)
    ).values_list("interval_start", "agent_id", *_TIME, "not_ready_seconds", "handled")
    for at, agent_id, *seconds, handled in facts:
        label, key = period_of(at, interval, zone)
        for team_id in members[agent_id]:
            slot = totals[(key, label, team_id)]
            slot[0] += sum(seconds) / 3600 * rates.get(team_id, 0.0)
            slot[2] += handled
    # Carrier minutes are billed per started minute, on the call's own leg.
    calls = (
        Call.objects.filter(
            ended_at__gte=start,
            ended_at__lt=end,
            queue_entries__served_by_id__in=list(members),
        )
        .annotate(agent_id=F("queue_entries__served_by_id"))
        .values_list("id", "ended_at", "direction", "duration_seconds", "agent_id")
        .distinct()
    )
    for _call_id, ended, direction, duration, agent_id in calls:
        label, key = period_of(ended, interval, zone)  # type: ignore[arg-type]  # filtered
        minutes = math.ceil((duration or 0) / 60)
        for team_id in members[agent_id]:
            totals[(key, label, team_id)][1] += minutes * prices.get(direction, 0.0)
    result = []
    for (key, label, team_id), (agent_cost, telephony_cost, contacts) in sorted(totals.items()):
        total = agent_cost + telephony_cost
        result.append(
            {
                "period": label,
                "period_start": key.isoformat(),
                "team": team_id,
                "team_name": names.get(team_id, ""),
                "agent_cost": shown(agent_cost),
                "telephony_cost": shown(telephony_cost),
                "contacts": int(contacts),
                "cost_per_contact": ratio(total, contacts),
            }
        )
    return result
