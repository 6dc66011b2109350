"""The floor as it stands now: per-queue and per-agent live figures, by the KPI
definitions (docs: DOMAIN.md's table, which historical reports use too), and who sees what.

"Today" is since midnight in the call center's time zone (TIME_ZONE). Every figure is an
aggregate over indexed rows: one query for all queues, one for all agents, whatever the
number of calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.selectors import counters_of_campaigns
from telephony.acd.presence import floor_stamp
from telephony.acd.selectors import agents_supervised_by, queues_supervised_by
from telephony.models import (
    AgentProfile,
    AgentSkill,
    AgentStateChange,
    Queue,
    QueueEntry,
    QueueSkill,
)

from .adherence import out_of_adherence_since
from .models import Alert

State = AgentProfile.State
Status = QueueEntry.Status

# Who sees every queue and agent; others see the teams they supervise and those teams'
# queues.
WHOLE_FLOOR = "floor.view_whole_floor"
WALLBOARD = "floor.view_wallboard"

# Supervisors' pages other than the wallboard listen here for alerts raised or cleared
# (the wallboard hears them in FLOOR_GROUP, beside the floor's changes).
ALERTS_GROUP = "floor-alerts"

ZERO = timedelta(0)

T = TypeVar("T")


def midnight(now: datetime) -> datetime:
    """The start of `now`'s day in the call center's time zone."""
    return timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))


def _seconds(value: timedelta | None) -> float:
    return value.total_seconds() if value else 0.0


def _ratio(part: float, whole: float) -> float | None:
    """`part` ÷ `whole` as a percentage with one decimal, or None when there is no whole."""
    return round(100 * part / whole, 1) if whole else None


# --- Who sees what -------------------------------------------------------------------------


def floor_queues(*, user: User | AnonymousUser) -> QuerySet[Queue]:
    """The queues `user` sees on the wallboard: all for the whole floor, else their teams'."""
    if user.has_perm(WHOLE_FLOOR):
        return Queue.objects.all()
    if not user.has_perm(WALLBOARD):
        return Queue.objects.none()
    return queues_supervised_by(user.pk)


def floor_agents(*, user: User | AnonymousUser) -> QuerySet[AgentProfile]:
    """The agents `user` sees on the wallboard: all for the whole floor, else their teams'."""
    if user.has_perm(WHOLE_FLOOR):
        return AgentProfile.objects.all()
    if not user.has_perm(WALLBOARD):
        return AgentProfile.objects.none()
    return agents_supervised_by(user.pk)


def agents_on_floor(
    *,
    user: User | AnonymousUser,
    team: int | None = None,
    queue: int | None = None,
    state: str | None = None,
) -> QuerySet[AgentProfile]:
    """The agents `user` sees, narrowed to a team, the agents qualified for a queue they
    see, or a state."""
    agents = floor_agents(user=user)
    if team is not None:
        agents = agents.filter(teams=team)
    if queue is not None:
        seen = floor_queues(user=user).filter(pk=queue).first()
        agents = agents.filter(pk__in=seen.qualified_agents()) if seen else agents.none()
    if state:
        agents = agents.filter(state=state)
    return agents


def floor_campaigns(*, user: User | AnonymousUser) -> QuerySet[Campaign]:
    """The outbound campaigns on the wallboard (running or paused), for the whole floor."""
    if not user.has_perm(WHOLE_FLOOR) and not user.has_perm("campaigns.control_campaign"):
        return Campaign.objects.none()
    return Campaign.objects.filter(status__in=[Campaign.Status.RUNNING, Campaign.Status.PAUSED])


# --- Shared snapshots ----------------------------------------------------------------------


def snapshot_scope(*, user: User | AnonymousUser) -> str | None:
    """Whose floor `user` sees: the whole floor, or a supervisor's own (None: neither)."""
    if user.has_perm(WHOLE_FLOOR):
        return "floor"
    if user.has_perm(WALLBOARD):
        return f"supervisor-{user.pk}"
    return None


def shared(what: str, *, user: User | AnonymousUser, build: Callable[[], T]) -> T:
    """`build()`, made once per floor notice for all the wallboards that see the same floor
    (`what` names the figures and their filters): one notice makes every open wallboard
    fetch at once, and each fetch would otherwise read the whole floor again.

    The stamp is read before building, and renewed as each notice goes, after the changes
    it tells of committed: what is built under it shows them all. Without a stamp or a
    shared cache (settings.WALLBOARD_SHARED_SNAPSHOT_SECONDS), each fetch builds its own.
    """
    seconds = settings.WALLBOARD_SHARED_SNAPSHOT_SECONDS
    scope = snapshot_scope(user=user)
    stamp = floor_stamp() if seconds and scope else ""
    if not stamp:
        return build()
    key = f"floor:snapshot:{stamp}:{scope}:{what}"
    found = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, timeout=seconds)
    return found


# --- Queues --------------------------------------------------------------------------------


@dataclass
class QueueLive:
    id: int
    name: str
    waiting: int
    longest_wait_seconds: int
    oldest_waiting_since: datetime | None
    callbacks_pending: int
    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    answered_in_target: int
    service_level_seconds: int
    service_level_target: int
    service_level_warning: int
    service_level: float | None
    service_level_colour: str
    abandonment_rate: float | None
    asa_seconds: int | None
    aht_seconds: int | None
    handled: int
    agents_by_state: dict[str, int] = field(default_factory=dict)
    not_ready_by_reason: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def service_level_colour(*, level: float | None, target: int, warning: int) -> str:
    """green at or above the queue's target, amber down to its warning level, red below;
    "none" with no calls to judge by."""
    if level is None:
        return "none"
    if level >= target:
        return "green"
    return "amber" if level >= warning else "red"


def _wrap_up_of_entry(now: datetime) -> Subquery:
    # The agent's wrap-up begins at the instant their conversation ends
    # (acd.offers.conversation_ended), which ties it to its entry.
    wrap_up = AgentStateChange.objects.filter(
        agent_id=OuterRef("served_by_id"), state=State.WRAP_UP, started_at=OuterRef("ended_at")
    ).annotate(
        length=ExpressionWrapper(
            Coalesce(F("ended_at"), Value(now)) - F("started_at"), output_field=DurationField()
        )
    )
    return Subquery(wrap_up.values("length")[:1], output_field=DurationField())


def queue_figures(*, queues: QuerySet[Queue], now: datetime | None = None) -> list[QueueLive]:
    """Each queue's figures now and today, by the KPI definitions.

    offered: entries that entered the queue today (a callback request is the caller's entry
    turned callback, so counted once; a transfer to a named agent never queued); short
    abandon: left within SHORT_ABANDON_SECONDS; service level (T): answered within T ÷
    (offered - short abandons); abandonment: abandoned after the threshold ÷ (offered -
    short abandons); ASA: Σ(answer - enqueue) ÷ answered; AHT: Σ(talk + hold + wrap-up) ÷
    handled (conversations ended today).
    """
    now = now or timezone.now()
    since = midnight(now)
    short = timedelta(seconds=settings.SHORT_ABANDON_SECONDS)
    queue_list = list(queues.order_by("name"))
    ids = [queue.pk for queue in queue_list]
    waited = ExpressionWrapper(F("connected_at") - F("waiting_since"), output_field=DurationField())
    talk = ExpressionWrapper(F("ended_at") - F("connected_at"), output_field=DurationField())
    answered = Q(connected_at__isnull=False)
    abandoned = Q(kind=QueueEntry.Kind.CALL, status=Status.ABANDONED)
    stayed = Q(ended_at__gt=F("waiting_since") + short)
    handled = Q(status=Status.DONE, connected_at__isnull=False, ended_at__gte=since)
    # Each queue has its own threshold T.
    in_target = Q(pk__in=[])
    for queue in queue_list:
        threshold = timedelta(seconds=queue.service_level_seconds)
        in_target |= Q(queue_id=queue.pk, connected_at__lte=F("waiting_since") + threshold)
    today = (
        QueueEntry.objects.filter(
            queue_id__in=ids, waiting_since__gte=since, transferred_from__isnull=True
        )
        .values("queue_id")
        .annotate(
            offered=Count("id"),
            answered=Count("id", filter=answered),
            abandoned=Count("id", filter=abandoned & stayed),
            short_abandoned=Count("id", filter=abandoned & ~stayed),
            in_target=Count("id", filter=answered & in_target),
            wait=Sum(waited, filter=answered),
        )
        .order_by()
    )
    by_queue: dict[int, Any] = {row["queue_id"]: row for row in today}
    handle: dict[int, Any] = {
        row["queue_id"]: row
        for row in QueueEntry.objects.filter(handled, queue_id__in=ids)
        .values("queue_id")
        .annotate(
            handled=Count("id"),
            talk=Sum(talk),
            wrap_up=Sum(_wrap_up_of_entry(now)),
        )
        .order_by()
    }
    now_rows: dict[int, Any] = {
        row["queue_id"]: row
        for row in QueueEntry.objects.filter(
            queue_id__in=ids, status__in=[Status.WAITING, Status.OFFERED]
        )
        .values("queue_id")
        .annotate(
            waiting=Count("id", filter=Q(kind=QueueEntry.Kind.CALL)),
            oldest=Min("waiting_since", filter=Q(kind=QueueEntry.Kind.CALL)),
            callbacks=Count("id", filter=Q(kind=QueueEntry.Kind.CALLBACK)),
        )
        .order_by()
    }
    by_state = _agents_by_state(ids)
    figures = []
    for queue in queue_list:
        row: dict[str, Any] = by_queue.get(queue.pk, {})
        offered, short_abandoned = row.get("offered", 0), row.get("short_abandoned", 0)
        counted = offered - short_abandoned
        level = _ratio(row.get("in_target", 0), counted)
        answered_count = row.get("answered", 0)
        work: dict[str, Any] = handle.get(queue.pk, {})
        handled_count = work.get("handled", 0)
        live: dict[str, Any] = now_rows.get(queue.pk, {})
        oldest = live.get("oldest")
        states, reasons = by_state[queue.pk]
        figures.append(
            QueueLive(
                id=queue.pk,
                name=queue.name,
                waiting=live.get("waiting", 0),
                longest_wait_seconds=int((now - oldest).total_seconds()) if oldest else 0,
                oldest_waiting_since=oldest,
                callbacks_pending=live.get("callbacks", 0),
                offered=offered,
                answered=answered_count,
                abandoned=row.get("abandoned", 0),
                short_abandoned=short_abandoned,
                answered_in_target=row.get("in_target", 0),
                service_level_seconds=queue.service_level_seconds,
                service_level_target=queue.service_level_percent,
                service_level_warning=queue.service_level_warning_percent,
                service_level=level,
                service_level_colour=service_level_colour(
                    level=level,
                    target=queue.service_level_percent,
                    warning=queue.service_level_warning_percent,
                ),
                abandonment_rate=_ratio(row.get("abandoned", 0), counted),
                asa_seconds=round(_seconds(row.get("wait")) / answered_count)
                if answered_count
                else None,
                aht_seconds=round(
                    (_seconds(work.get("talk")) + _seconds(work.get("wrap_up"))) / handled_count
                )
                if handled_count
                else None,
                handled=handled_count,
                agents_by_state=states,
                not_ready_by_reason=reasons,
            )
        )
    return figures


def _agents_by_state(queue_ids: list[int]) -> dict[int, tuple[dict[str, int], dict[str, int]]]:
    """Each queue's qualified agents by state, and the not ready ones by reason: three
    queries whatever the number of queues. Qualified as `Queue.qualified_agents` says:
    every skill the queue requires, each at its minimum level."""
    requirements: dict[int, list[tuple[int, int]]] = {queue: [] for queue in queue_ids}
    for queue, skill, min_level in QueueSkill.objects.filter(queue_id__in=queue_ids).values_list(
        "queue_id", "skill_id", "min_level"
    ):
        requirements[queue].append((skill, min_level))
    required = {skill for needs in requirements.values() for skill, _ in needs}
    levels = {
        (agent, skill): level
        for agent, skill, level in AgentSkill.objects.filter(skill_id__in=required).values_list(
            "agent_id", "skill_id", "level"
        )
    }
    agents = list(AgentProfile.objects.values_list("pk", "state", "reason"))
    counted = {}
    for queue, needs in requirements.items():
        states = dict.fromkeys(State.values, 0)
        reasons: dict[str, int] = {}
        for agent, state, reason in agents:
            if all(levels.get((agent, skill), 0) >= level for skill, level in needs):
                states[state] += 1
                if state == State.NOT_READY:
                    reasons[reason or "other"] = reasons.get(reason or "other", 0) + 1
        counted[queue] = (states, reasons)
    return counted


# --- Agents --------------------------------------------------------------------------------


@dataclass
class AgentLive:
    id: int
    name: str
    state: str
    state_label: str
    reason: str
    state_since: datetime
    teams: list[str]
    call_customer: str
    call_number: str
    call_queue: str
    call_connected_at: datetime | None
    call_on_hold: bool
    handled_today: int
    aht_seconds: int | None
    occupancy: float | None
    out_of_adherence_since: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _time_in_states_today(
    agent_ids: list[int], *, since: datetime, now: datetime
) -> dict[tuple[int, str], float]:
    """Seconds each agent spent in each state today (a state still running counts to now)."""
    end = Least(Coalesce(F("ended_at"), Value(now)), Value(now))
    start = Greatest(F("started_at"), Value(since))
    rows = (
        AgentStateChange.objects.filter(agent_id__in=agent_ids, started_at__lt=now)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=since))
        .values("agent_id", "state")
        .annotate(spent=Sum(ExpressionWrapper(end - start, output_field=DurationField())))
        .order_by()
    )
    return {(row["agent_id"], row["state"]): _seconds(row["spent"]) for row in rows}


def agent_figures(
    *, agents: QuerySet[AgentProfile], now: datetime | None = None
) -> list[AgentLive]:
    """Each agent's state now, the call in hand, and today's figures.

    handled: calls the agent answered today; AHT: Σ(talk + hold + wrap-up) today ÷ handled
    (on a call covers talk and hold); occupancy: (talk + hold + wrap-up) ÷ (that + available
    idle). Ringing counts in neither.
    """
    now = now or timezone.now()
    since = midnight(now)
    agent_list = list(
        agents.select_related(
            "user", "current_entry__queue", "current_entry__customer", "current_entry__call"
        )
        .prefetch_related("teams")
        .order_by("user__username")
    )
    ids = [agent.pk for agent in agent_list]
    handled = dict(
        QueueEntry.objects.filter(served_by_id__in=ids, connected_at__gte=since)
        .values_list("served_by_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    spent = _time_in_states_today(ids, since=since, now=now)
    out_of_adherence = out_of_adherence_since(ids)
    figures = []
    for agent in agent_list:
        work = spent.get((agent.pk, State.ON_CALL), 0.0) + spent.get((agent.pk, State.WRAP_UP), 0.0)
        idle = spent.get((agent.pk, State.AVAILABLE), 0.0)
        count = handled.get(agent.pk, 0)
        entry = agent.current_entry
        call = entry if entry is not None and entry.status == Status.CONNECTED else None
        figures.append(
            AgentLive(
                id=agent.pk,
                name=str(agent),
                state=agent.state,
                state_label=agent.get_state_display(),
                reason=agent.reason,
                state_since=agent.state_since,
                teams=[team.name for team in agent.teams.all()],
                call_customer=call.customer.name if call and call.customer else "",
                call_number=call.call.from_number if call and call.call else "",
                call_queue=call.queue.name if call else "",
                call_connected_at=call.connected_at if call else None,
                call_on_hold=bool(call and call.on_hold),
                handled_today=count,
                aht_seconds=round(work / count) if count else None,
                occupancy=_ratio(work, work + idle),
                out_of_adherence_since=out_of_adherence.get(agent.pk),
            )
        )
    return figures


# --- Alerts ------------------------------------------------------------------------------


def alerts_seen(*, user: User | AnonymousUser) -> QuerySet[Alert]:
    """The alerts, open or cleared, on the queues and agents `user` sees."""
    alerts = Alert.objects.select_related("rule")
    if user.has_perm(WHOLE_FLOOR):
        return alerts
    subjects = [f"queue:{pk}" for pk in floor_queues(user=user).values_list("pk", flat=True)]
    subjects += [f"agent:{pk}" for pk in floor_agents(user=user).values_list("pk", flat=True)]
    return alerts.filter(subject__in=subjects)


def alerts_open(*, user: User | AnonymousUser) -> list[Alert]:
    """The alerts `user` sees that have not cleared, newest first."""
    return list(alerts_seen(user=user).filter(cleared_at__isnull=True))


def alerts_today(*, user: User | AnonymousUser, limit: int = 200) -> list[Alert]:
    """The alerts `user` sees raised since midnight (or still open), newest first."""
    since = midnight(timezone.now())
    recent = Q(raised_at__gte=since) | Q(cleared_at__isnull=True)
    return list(alerts_seen(user=user).filter(recent)[:limit])


# --- Campaigns -----------------------------------------------------------------------------


def campaign_figures(*, campaigns: QuerySet[Campaign]) -> list[dict[str, Any]]:
    """The outbound campaigns' live counters (campaigns.selectors.counters_of_campaigns)."""
    listed = list(campaigns.order_by("name"))
    counters = counters_of_campaigns(campaigns=listed)
    return [
        {"id": campaign.pk, "name": campaign.name, "status": campaign.status}
        | counters[campaign.pk]
        for campaign in listed
    ]


# --- The wallboard's snapshot ----------------------------------------------------------------

# How the agents' table may be sorted: a column's name and its key.
AGENT_SORTS = {
    "name": lambda a: a.name.lower(),
    "state": lambda a: (a.state, a.state_since),
    "time": lambda a: a.state_since,
    "handled": lambda a: -a.handled_today,
    "aht": lambda a: -(a.aht_seconds or 0),
    "occupancy": lambda a: -(a.occupancy or 0.0),
}


@dataclass
class Snapshot:
    now: datetime
    queues: list[QueueLive]
    agents: list[AgentLive]
    campaigns: list[dict[str, Any]]
    alerts: list[Alert]


def floor_snapshot(
    *,
    user: User | AnonymousUser,
    team: int | None = None,
    queue: int | None = None,
    state: str | None = None,
    sort: str = "name",
) -> Snapshot:
    """Everything the wallboard shows `user`, now: their queues, their agents (filtered and
    sorted as asked), the outbound campaigns (shared by the wallboards seeing the same),
    and the open alerts."""

    def build() -> Snapshot:
        now = timezone.now()
        agents = agent_figures(
            agents=agents_on_floor(user=user, team=team, queue=queue, state=state), now=now
        )
        agents.sort(key=AGENT_SORTS.get(sort, AGENT_SORTS["name"]))
        return Snapshot(
            now=now,
            queues=queue_figures(queues=floor_queues(user=user), now=now),
            agents=agents,
            campaigns=campaign_figures(campaigns=floor_campaigns(user=user)),
            alerts=[],
        )

    snapshot = shared(f"page:{team}:{queue}:{state}:{sort}", user=user, build=build)
    # The page's clocks tick from the server's time now, not the snapshot's; alerts are
    # read fresh, as each user's own.
    return replace(snapshot, now=timezone.now(), alerts=alerts_open(user=user))
