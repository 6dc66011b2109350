"""The ACD: agents' presence, and pairing waiting callers with the best free agent.

Pairing is one short transaction that locks the waiting entries it looks at and the agent
it picks with SKIP LOCKED, so any number of web and worker processes can route at once:
rows another router holds are skipped rather than waited for, and the unique
`AgentProfile.current_entry` makes a double offer impossible even if the locking were
wrong. On SQLite, SKIP LOCKED does nothing and IMMEDIATE transactions serialize routers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from callcenter import live

from .models import AgentProfile, AgentSkill, AgentStateChange, QueueEntry

State = AgentProfile.State

# Moves an agent may make themselves; the ACD makes the others (offered, on call, wrap-up).
AGENT_MOVES: dict[str, tuple[str, ...]] = {
    State.OFFLINE: (State.AVAILABLE, State.NOT_READY),
    State.AVAILABLE: (State.NOT_READY, State.OFFLINE),
    State.NOT_READY: (State.AVAILABLE, State.NOT_READY, State.OFFLINE),
    State.WRAP_UP: (State.AVAILABLE, State.NOT_READY),
    State.OFFERED: (),
    State.ON_CALL: (),
}
# How many waiting entries one routing pass considers, best first.
SCAN = 20
# Priority weights: queue priority dominates, then customer tier, then callbacks.
QUEUE_WEIGHT, TIER_WEIGHT, CALLBACK_BONUS = 100, 10, 5


def entry_priority(*, queue_priority: int, tier: int, is_callback: bool) -> int:
    """A waiting entry's priority: queue first, then the customer's tier, then callbacks."""
    return (
        queue_priority * QUEUE_WEIGHT + tier * TIER_WEIGHT + (CALLBACK_BONUS if is_callback else 0)
    )


def desk_group(agent_id: int) -> str:
    """The channel-layer group of the agent's desktop page."""
    return f"agent-{agent_id}-desk"


def _move(agent: AgentProfile, state: str, reason: str = "", at: datetime | None = None) -> None:
    """Record the move in the state log and on the agent (the caller saves the agent)."""
    now = at or timezone.now()
    live.notify(desk_group(agent.pk), "desk-changed")
    AgentStateChange.objects.filter(agent=agent, ended_at__isnull=True).update(ended_at=now)
    AgentStateChange.objects.create(agent=agent, state=state, reason=reason, started_at=now)
    agent.state, agent.reason, agent.state_since = state, reason, now
    if state == State.AVAILABLE:
        agent.idle_since = now


@transaction.atomic
def agent_set_state(*, agent: AgentProfile, state: str, reason: str = "") -> AgentProfile:
    """An agent changes their own presence (not ready needs a reason)."""
    agent = AgentProfile.objects.select_for_update().get(pk=agent.pk)
    if state not in AGENT_MOVES[agent.state]:
        raise ValidationError(
            {
                "state": [
                    f"{agent.get_state_display()} agents cannot switch to "
                    f"{State(state).label.lower() if state in State.values else state}."
                ]
            }
        )
    if state == State.NOT_READY and reason not in AgentProfile.Reason.values:
        raise ValidationError({"reason": ["Say why you are not ready."]})
    _move(agent, state, reason if state == State.NOT_READY else "")
    agent.save()
    return agent


@dataclass(frozen=True)
class Pairing:
    entry_id: int
    agent_id: int


def _offer(entry: QueueEntry, agent: AgentProfile, now: datetime) -> Pairing:
    """Offer a locked entry to a locked free agent; the unique current_entry makes it one."""
    entry.status, entry.offered_at = QueueEntry.Status.OFFERED, now
    entry.save(update_fields=["status", "offered_at"])
    agent.current_entry = entry
    _move(agent, State.OFFERED, at=now)
    agent.save(update_fields=["current_entry", "state", "reason", "state_since"])
    return Pairing(entry_id=entry.pk, agent_id=agent.pk)


def _requirements(entry: QueueEntry, widened: bool) -> list[tuple[int, int]]:
    """(skill, minimum level) pairs an agent needs for this entry; overflow skills once widened."""
    requirements = list(entry.queue.required_skills.values_list("skill_id", "min_level"))
    if widened:
        overflow = entry.queue.overflow_skills.values_list("id", flat=True)
        requirements = [(skill_id, 1) for skill_id in overflow] or requirements
    return requirements


def _eligible_agents(requirements: list[tuple[int, int]]):
    """Free agents with these skills, best first (highest levels, then longest idle)."""
    agents = AgentProfile.objects.filter(state=State.AVAILABLE, current_entry__isnull=True)
    for skill_id, min_level in requirements:
        agents = agents.filter(
            Exists(
                AgentSkill.objects.filter(
                    agent=OuterRef("pk"), skill_id=skill_id, level__gte=min_level
                )
            )
        )
    skill_ids = [skill_id for skill_id, _level in requirements]
    score = (
        AgentSkill.objects.filter(agent=OuterRef("pk"), skill_id__in=skill_ids)
        .values("agent")
        .annotate(total=Sum("level"))
        .values("total")
    )
    agents = agents.annotate(
        skill_score=Coalesce(Subquery(score, output_field=IntegerField()), Value(0))
    )
    return agents.order_by("-skill_score", "idle_since", "id")


def _sticky_agent_id(entry: QueueEntry) -> int | None:
    """The agent who last served this customer, if the queue prefers them."""
    if not entry.queue.sticky_routing or entry.customer_id is None:
        return None
    return (
        QueueEntry.objects.filter(customer_id=entry.customer_id, served_by__isnull=False)
        .exclude(pk=entry.pk)
        .order_by("-connected_at", "-id")
        .values_list("served_by_id", flat=True)
        .first()
    )


def _pick_agent(entry: QueueEntry, requirements: list[tuple[int, int]]) -> AgentProfile | None:
    agents = _eligible_agents(requirements)
    sticky = _sticky_agent_id(entry)
    if sticky is not None:
        preferred = agents.filter(pk=sticky).select_for_update(skip_locked=True, of=("self",))
        agent = preferred.first()
        if agent is not None:
            return agent
    return agents.select_for_update(skip_locked=True, of=("self",)).first()


def _widened(entry: QueueEntry, now: datetime) -> bool:
    widen = entry.queue.widen_after_seconds
    return widen is not None and entry.waiting_since <= now - timedelta(seconds=widen)


@transaction.atomic
def route_one() -> Pairing | None:
    """Offer the best waiting entry that has an eligible free agent to the best such agent.

    Entries are taken in order (priority, then time waited), SCAN at a time; one whose
    skills no free agent has is passed over for the next, never dropped, and once a queue
    has no free agent its other entries are not asked again in this pass. Returns None
    when nothing pairs.
    """
    now = timezone.now()
    waiting = (
        QueueEntry.objects.filter(status=QueueEntry.Status.WAITING)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .select_related("queue")
        .order_by("-priority", "waiting_since", "id")
        .select_for_update(skip_locked=True, of=("self",))
    )
    # (queue, widened) pairs known to have no free agent: skills decide, not the caller.
    unserved: set[tuple[int, bool]] = set()
    requirements: dict[tuple[int, bool], list[tuple[int, int]]] = {}
    seen: list[int] = []
    while batch := list(
        waiting.exclude(pk__in=seen).exclude(
            queue_id__in=[queue for queue, widened in unserved if not widened]
        )[:SCAN]
    ):
        for entry in batch:
            key = (entry.queue_id, _widened(entry, now))
            if key in unserved:
                continue
            if key not in requirements:
                requirements[key] = _requirements(entry, widened=key[1])
            agent = _pick_agent(entry, requirements[key])
            if agent is None:
                unserved.add(key)
                continue
            return _offer(entry, agent, now)
        seen.extend(entry.pk for entry in batch)
    return None


def route(*, limit: int = 50) -> list[Pairing]:
    """Pair as many waiting entries with free agents as possible (up to `limit`)."""
    pairings = []
    while len(pairings) < limit:
        pairing = route_one()
        if pairing is None:
            break
        pairings.append(pairing)
    return pairings


@transaction.atomic
def offer_missed(*, entry_id: int) -> None:
    """The agent did not take the offer: they go not ready, the caller back to their place."""
    entry = QueueEntry.objects.select_for_update().get(pk=entry_id)
    if entry.status != QueueEntry.Status.OFFERED:
        return  # already answered, abandoned or handled: a late timeout
    agent = AgentProfile.objects.select_for_update().filter(current_entry=entry).first()
    # A caller goes back to their place; a transfer's caller never left the first agent.
    if entry.transferred_from_id is None:
        entry.status = QueueEntry.Status.WAITING
    else:
        entry.status, entry.ended_at = QueueEntry.Status.DONE, timezone.now()
    entry.missed_offers += 1
    entry.save(update_fields=["status", "ended_at", "missed_offers"])
    if agent is not None:
        agent.current_entry = None
        _move(agent, State.NOT_READY, AgentProfile.Reason.MISSED)
        agent.save()


@transaction.atomic
def offer_accepted(*, entry_id: int) -> AgentProfile | None:
    """The agent answered: the call is connected."""
    entry = QueueEntry.objects.select_for_update().get(pk=entry_id)
    agent = AgentProfile.objects.select_for_update().filter(current_entry=entry).first()
    if entry.status != QueueEntry.Status.OFFERED or agent is None:
        return None
    now = timezone.now()
    entry.status, entry.connected_at, entry.served_by = QueueEntry.Status.CONNECTED, now, agent
    entry.save(update_fields=["status", "connected_at", "served_by"])
    _move(agent, State.ON_CALL, at=now)
    agent.save()
    return agent


def _end_entry(entry_id: int, *, if_in: tuple[str, ...], status: str) -> AgentProfile | None:
    """End an entry still in one of the `if_in` states; an agent it was with is free."""
    entry = QueueEntry.objects.select_for_update().get(pk=entry_id)
    if entry.status not in if_in:
        return None
    agent = AgentProfile.objects.select_for_update().filter(current_entry=entry).first()
    entry.status, entry.ended_at = status, timezone.now()
    entry.save(update_fields=["status", "ended_at"])
    if agent is not None:
        agent.current_entry = None
        _move(agent, State.AVAILABLE)
        agent.save(update_fields=["current_entry", "state", "reason", "state_since", "idle_since"])
    return agent


@transaction.atomic
def entry_abandoned(*, entry_id: int) -> None:
    """The caller hung up while waiting (or ringing): free any agent it was offered to."""
    _end_entry(
        entry_id,
        if_in=(QueueEntry.Status.WAITING, QueueEntry.Status.OFFERED),
        status=QueueEntry.Status.ABANDONED,
    )


@transaction.atomic
def conversation_ended(*, entry_id: int) -> AgentProfile | None:
    """Caller and agent are done talking: the entry is done, the agent in wrap-up."""
    entry = QueueEntry.objects.select_for_update().select_related("queue").get(pk=entry_id)
    if entry.status != QueueEntry.Status.CONNECTED:
        return None
    agent = AgentProfile.objects.select_for_update().filter(current_entry=entry).first()
    now = timezone.now()
    entry.status, entry.ended_at = QueueEntry.Status.DONE, now
    entry.save(update_fields=["status", "ended_at"])
    if agent is None:
        return None
    agent.current_entry = None
    agent.wrap_up_until = now + timedelta(seconds=entry.queue.wrap_up_seconds)
    _move(agent, State.WRAP_UP, at=now)
    agent.save()
    return agent


@transaction.atomic
def wrap_ups_expired() -> int:
    """Agents whose wrap-up time is over are available again; returns how many.

    A deadline on the agent, swept by a periodic task, rather than a delayed message per
    call: it survives worker restarts, and an agent who already moved on is not matched.
    """
    now = timezone.now()
    agents = AgentProfile.objects.select_for_update(skip_locked=True).filter(
        state=State.WRAP_UP, wrap_up_until__lte=now
    )
    moved = 0
    for agent in agents:
        _move(agent, State.AVAILABLE, at=now)
        agent.save(update_fields=["state", "reason", "state_since", "idle_since"])
        moved += 1
    return moved


@transaction.atomic
def transfer_offer(
    *, entry: QueueEntry, to_agent: AgentProfile, kind: str, conference: str
) -> QueueEntry:
    """Offer a connected call to one named agent: a new entry, offered to them directly.

    The agent chose the colleague, so skills do not apply; the colleague must be free.
    """
    target = AgentProfile.objects.select_for_update().get(pk=to_agent.pk)
    if target.state != State.AVAILABLE or target.current_entry_id is not None:
        raise ValidationError({"to_agent": [f"{target} is not available."]})
    transfer = QueueEntry.objects.create(
        queue=entry.queue,
        call=entry.call,
        customer=entry.customer,
        priority=entry.priority,
        waiting_since=entry.waiting_since,
        caller_call_sid=entry.caller_call_sid,
        on_hold=True,
        transferred_from=entry,
        transfer_kind=kind,
        conference=conference,
    )
    _offer(transfer, target, timezone.now())
    return transfer


@transaction.atomic
def transfer_withdrawn(*, entry_id: int) -> AgentProfile | None:
    """The first agent called a transfer off: the colleague is free again, not at fault."""
    return _end_entry(
        entry_id,
        if_in=(QueueEntry.Status.OFFERED, QueueEntry.Status.CONNECTED),
        status=QueueEntry.Status.DONE,
    )


# --- Outbound campaigns: an answered lead goes to the agent who owns it ------------------


@transaction.atomic
def offer_to_agent(*, entry_id: int, agent_id: int) -> Pairing | None:
    """Offer a waiting entry to one particular agent if they are free (preview dialing,
    a callback an agent promised); None leaves the entry to normal routing."""
    entry = QueueEntry.objects.select_for_update().get(pk=entry_id)
    agent = (
        AgentProfile.objects.select_for_update(skip_locked=True)
        .filter(pk=agent_id, state=State.AVAILABLE, current_entry__isnull=True)
        .first()
    )
    if entry.status != QueueEntry.Status.WAITING or agent is None:
        return None
    return _offer(entry, agent, timezone.now())
