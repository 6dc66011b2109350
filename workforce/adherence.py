"""Schedule adherence from the presence log: each agent's scheduled activity (on the
phones, break, lunch) against the state they were actually in.

Adherence = time in the scheduled activity ÷ scheduled time, a stretch out of it shorter
than the tolerance forgiven (an agent a minute late back from a break is not flagged);
conformance = time logged in on the shift's day ÷ scheduled time (DOMAIN §12).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from reports.periods import center_zone
from telephony.models import AgentProfile, AgentStateChange, Team

from .models import Schedule, Shift
from .selectors import day_range

State = AgentProfile.State
ON_THE_PHONES = {State.AVAILABLE, State.OFFERED, State.ON_CALL, State.WRAP_UP}
DEFAULT_TOLERANCE = timedelta(minutes=5)

Span = tuple[datetime, datetime]


def _fits(activity: str, state: str, reason: str) -> bool:
    if activity == "phones":
        return state in ON_THE_PHONES
    return state == State.NOT_READY and reason == activity


def _planned(shift: Shift) -> list[tuple[datetime, datetime, str]]:
    """The shift cut into on-the-phones and off-the-phones pieces."""
    pieces, moment = [], shift.start
    for activity in sorted(shift.activities.all(), key=lambda a: a.start):
        if activity.start > moment:
            pieces.append((moment, activity.start, "phones"))
        pieces.append((activity.start, activity.end, activity.kind))
        moment = activity.end
    if moment < shift.end:
        pieces.append((moment, shift.end, "phones"))
    return pieces


def _overlap(a: Span, b: Span) -> timedelta:
    return max(timedelta(0), min(a[1], b[1]) - max(a[0], b[0]))


def _adherent(
    piece: tuple[datetime, datetime, str],
    log: list[tuple[datetime, datetime, str, str]],
    tolerance: timedelta,
) -> timedelta:
    """Time of one planned piece spent as planned, short stretches out forgiven."""
    start, end, activity = piece
    matched = sorted(
        (max(s, start), min(e, end))
        for s, e, state, reason in log
        if _fits(activity, state, reason) and s < end and e > start
    )
    inside, moment = timedelta(0), start
    for s, e in [*matched, (end, end)]:
        gap = s - moment
        if timedelta(0) < gap < tolerance:
            inside += gap
        inside += max(timedelta(0), e - max(s, moment))
        moment = max(moment, e)
    return min(inside, end - start)


@dataclass(frozen=True)
class AgentAdherence:
    agent: AgentProfile
    scheduled: timedelta
    in_adherence: timedelta
    logged_in: timedelta

    @property
    def adherence(self) -> float | None:
        return self.in_adherence / self.scheduled if self.scheduled else None

    @property
    def conformance(self) -> float | None:
        return self.logged_in / self.scheduled if self.scheduled else None


def agents_adherence(
    *,
    agents: Iterable[AgentProfile],
    first: date,
    last: date,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> list[AgentAdherence]:
    """Each agent's adherence and conformance over their published shifts of those days."""
    zone = center_zone()
    start, end = day_range(first, last, zone)
    now = timezone.now()
    rows = []
    for agent in agents:
        shifts = list(
            Shift.objects.filter(
                agent=agent,
                schedule__status=Schedule.Status.PUBLISHED,
                is_time_off=False,
                start__gte=start,
                start__lt=min(end, now),
            ).prefetch_related("activities")
        )
        if not shifts:
            continue
        # A night shift of the last day runs past the range: its presence is read too.
        until_last = max(end, *(shift.end for shift in shifts))
        log = [
            (row.started_at, row.ended_at or now, row.state, row.reason)
            for row in AgentStateChange.objects.filter(
                agent=agent, started_at__lt=until_last
            ).exclude(ended_at__lt=start)
        ]
        scheduled = in_adherence = logged_in = timedelta(0)
        counted_until = start
        for shift in sorted(shifts, key=lambda s: s.start):
            until = min(shift.end, now)  # a shift under way counts so far
            for piece in _planned(shift):
                if piece[0] >= until:
                    continue
                cut = (piece[0], min(piece[1], until), piece[2])
                scheduled += cut[1] - cut[0]
                in_adherence += _adherent(cut, log, tolerance)
            day_start, day_end = day_range(
                shift.start.astimezone(zone).date(), shift.start.astimezone(zone).date(), zone
            )
            # The shift's day, stretched to its end when it runs past midnight; what an
            # earlier night shift already counted is not counted twice.
            window = (max(day_start, counted_until), min(max(day_end, shift.end), now))
            counted_until = max(day_end, shift.end)
            logged_in += sum(
                (
                    _overlap((s, e), window)
                    for s, e, state, _reason in log
                    if state != State.OFFLINE
                ),
                timedelta(0),
            )
        rows.append(AgentAdherence(agent, scheduled, in_adherence, logged_in))
    return rows


@dataclass(frozen=True)
class TeamAdherence:
    team: Team
    agents: list[AgentAdherence]

    @property
    def adherence(self) -> float | None:
        scheduled = sum((row.scheduled for row in self.agents), timedelta(0))
        inside = sum((row.in_adherence for row in self.agents), timedelta(0))
        return inside / scheduled if scheduled else None

    @property
    def conformance(self) -> float | None:
        scheduled = sum((row.scheduled for row in self.agents), timedelta(0))
        logged = sum((row.logged_in for row in self.agents), timedelta(0))
        return logged / scheduled if scheduled else None


def teams_adherence(*, rows: list[AgentAdherence]) -> list[TeamAdherence]:
    """The agents' figures summed per team (time-weighted, not an average of ratios)."""
    by_agent = {row.agent.pk: row for row in rows}
    teams = []
    for team in Team.objects.prefetch_related("agents"):
        members = [by_agent[agent.pk] for agent in team.agents.all() if agent.pk in by_agent]
        if members:
            teams.append(TeamAdherence(team, members))
    return teams


@dataclass(frozen=True)
class OutNow:
    agent: AgentProfile
    scheduled: str
    state: str
    since: datetime


def out_of_adherence_now(
    *, agent_ids: Collection[int] | None = None, tolerance: timedelta = DEFAULT_TOLERANCE
) -> list[OutNow]:
    """Agents (of `agent_ids`, or all) whose state now is not their scheduled activity, for
    longer than the tolerance."""
    now = timezone.now()
    out = []
    shifts = Shift.objects.filter(**({} if agent_ids is None else {"agent_id__in": agent_ids}))
    shifts = (
        shifts.filter(
            schedule__status=Schedule.Status.PUBLISHED,
            is_time_off=False,
            start__lte=now,
            end__gt=now,
        )
        .select_related("agent__user")
        .prefetch_related("activities")
    )
    for shift in shifts:
        piece = next(p for p in _planned(shift) if p[0] <= now < p[1])
        agent = shift.agent
        if _fits(piece[2], agent.state, agent.reason):
            continue
        since = max(agent.state_since, piece[0])
        if now - since >= tolerance:
            out.append(OutNow(agent, piece[2], agent.get_state_display(), since))
    return out


def out_of_adherence_since(agent_ids: list[int]) -> dict[int, datetime]:
    """For the wallboard's agents table (floor's registry)."""
    return {out.agent.pk: out.since for out in out_of_adherence_now(agent_ids=agent_ids)}
