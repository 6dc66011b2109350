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
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from callcenter import live

from .models import AgentProfile, AgentSkill, AgentStateChange, Queue, QueueEntry, QueueSkill

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


# The presence log and the pairing are written as plain SQL: building these statements
# through the ORM cost the router more CPU than choosing the pairing did.
_LOG_MOVE = (
    f"UPDATE {AgentStateChange._meta.db_table} SET ended_at = %(at)s"
    " WHERE agent_id = %(agent)s AND ended_at IS NULL",
    f"INSERT INTO {AgentStateChange._meta.db_table} (agent_id, state, reason, started_at)"
    " VALUES (%(agent)s, %(state)s, %(reason)s, %(at)s)",
)
_OFFER = (
    f"UPDATE {QueueEntry._meta.db_table} SET status = %(status)s, offered_at = %(at)s"
    " WHERE id = %(entry)s",
    f"UPDATE {AgentProfile._meta.db_table} SET current_entry_id = %(entry)s,"
    " state = %(state)s, reason = '', state_since = %(at)s WHERE id = %(agent)s",
)


def _execute(statements: tuple[str, ...], params: dict[str, object]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, params)


def _move(agent: AgentProfile, state: str, reason: str = "", at: datetime | None = None) -> None:
    """Record the move in the state log and on the agent (the caller saves the agent)."""
    now = at or timezone.now()
    live.notify(desk_group(agent.pk), "desk-changed")
    at_value = connection.ops.adapt_datetimefield_value(now)
    _execute(_LOG_MOVE, {"agent": agent.pk, "state": state, "reason": reason, "at": at_value})
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


def _offer(entry_id: int, agent: AgentProfile, now: datetime) -> Pairing:
    """Offer a locked entry to a locked free agent; the unique current_entry makes it one."""
    _move(agent, State.OFFERED, at=now)
    agent.current_entry_id = entry_id
    params = {
        "entry": entry_id,
        "agent": agent.pk,
        "status": QueueEntry.Status.OFFERED,
        "state": State.OFFERED,
        "at": connection.ops.adapt_datetimefield_value(now),
    }
    _execute(_OFFER, params)
    return Pairing(entry_id=entry_id, agent_id=agent.pk)


# Routing runs its two queries as raw SQL: building them through the ORM took longer than
# running them, on every pairing. `lock` is FOR UPDATE SKIP LOCKED where the database has
# it (not SQLite, whose IMMEDIATE transactions serialize routers), so concurrent routers
# pass over the rows another one holds instead of waiting for them.

# The next SCAN waiting entries in routing order (priority, then time waited, then id),
# without the callers already known to have no free agent (`unserved`, added by _waiting).
_WAITING = """
SELECT e.id, e.queue_id, e.customer_id, e.waiting_since, q.sticky_routing, q.widen_after_seconds
FROM {entry} e JOIN {queue} q ON q.id = e.queue_id
WHERE e.status = %s AND (e.not_before IS NULL OR e.not_before <= %s){unserved}
ORDER BY e.priority DESC, e.waiting_since, e.id
LIMIT {scan}{lock}
"""

# The best free agent for one entry. Eligible: every skill the queue requires at its
# minimum level; once the entry is widened and the queue has overflow skills, those
# instead, at any level. Best: the agent who last served the customer when the queue
# routes sticky (`customer` is None otherwise), then the highest sum of levels in those
# skills, then the longest idle. `qualified` counts each agent's required skills held at
# the level in one pass over the skill table, instead of a lookup per agent and skill.
_PICK_AGENT = """
WITH requirement AS (
    SELECT qs.skill_id, qs.min_level FROM {queue_skill} qs
    WHERE qs.queue_id = %(queue)s AND NOT (
        %(widened)s AND EXISTS (SELECT 1 FROM {overflow} o WHERE o.queue_id = %(queue)s)
    )
    UNION ALL
    SELECT o.skill_id, 1 FROM {overflow} o WHERE o.queue_id = %(queue)s AND %(widened)s
),
qualified AS (
    SELECT s.agent_id, COUNT(*) AS skills, SUM(s.level) AS score
    FROM requirement r
    JOIN {agent_skill} s ON s.skill_id = r.skill_id AND s.level >= r.min_level
    GROUP BY s.agent_id
)
SELECT a.id FROM {agent} a LEFT JOIN qualified q ON q.agent_id = a.id
WHERE a.state = %(available)s AND a.current_entry_id IS NULL
    AND COALESCE(q.skills, 0) = (SELECT COUNT(*) FROM requirement)
ORDER BY
    CASE WHEN a.id = (
        SELECT h.served_by_id FROM {entry} h
        WHERE h.customer_id = %(customer)s AND h.served_by_id IS NOT NULL AND h.id <> %(entry)s
        ORDER BY h.connected_at DESC, h.id DESC
        LIMIT 1
    ) THEN 0 ELSE 1 END,
    COALESCE(q.score, 0) DESC,
    a.idle_since,
    a.id
LIMIT 1{lock}
"""


def _lock(alias: str) -> str:
    if connection.features.has_select_for_update_skip_locked:
        return f" FOR UPDATE OF {alias} SKIP LOCKED"
    return ""


class _Waiting(NamedTuple):
    """A waiting entry as routing reads it, with its queue's routing settings."""

    id: int
    queue_id: int
    customer_id: int | None
    waiting_since: datetime
    sticky_routing: bool
    widen_after_seconds: int | None


def _waiting(
    now: datetime, unserved: set[tuple[int, bool]], cutoffs: dict[int, datetime | None]
) -> list[_Waiting]:
    """The next SCAN waiting entries, locked, leaving out those of `unserved` keys."""
    adapt = connection.ops.adapt_datetimefield_value
    params: list[object] = [QueueEntry.Status.WAITING, adapt(now)]
    excluded = ""
    for queue_id, widened in sorted(unserved):
        cutoff = cutoffs[queue_id]
        if cutoff is None:
            excluded += " AND e.queue_id <> %s"
            params.append(queue_id)
        else:
            side = "<=" if widened else ">"
            excluded += f" AND NOT (e.queue_id = %s AND e.waiting_since {side} %s)"
            params += [queue_id, adapt(cutoff)]
    sql = _WAITING.format(
        entry=QueueEntry._meta.db_table,
        queue=Queue._meta.db_table,
        unserved=excluded,
        scan=SCAN,
        lock=_lock("e"),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    entries = []
    for row in rows:
        entry = _Waiting(*row)
        if timezone.is_naive(entry.waiting_since):  # SQLite's driver reads naive UTC
            since = timezone.make_aware(entry.waiting_since, connection.timezone)
            entry = entry._replace(waiting_since=since)
        entries.append(entry)
    return entries


def _pick_agent(entry: _Waiting, widened: bool) -> AgentProfile | None:
    """The best free agent for `entry`, locked; None if no free agent qualifies."""
    sql = _PICK_AGENT.format(
        queue_skill=QueueSkill._meta.db_table,
        overflow=Queue.overflow_skills.through._meta.db_table,
        agent=AgentProfile._meta.db_table,
        agent_skill=AgentSkill._meta.db_table,
        entry=QueueEntry._meta.db_table,
        lock=_lock("a"),
    )
    params = {
        "queue": entry.queue_id,
        "widened": widened,
        "available": State.AVAILABLE,
        "customer": entry.customer_id if entry.sticky_routing else None,
        "entry": entry.id,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    # Only the id is read: the pairing writes the fields it changes (a RawQuerySet would
    # cost more than the query for the same instance).
    return None if row is None else AgentProfile.from_db(connection.alias, ["id"], row)


@transaction.atomic
def route_one() -> Pairing | None:
    """Offer the best waiting entry that has an eligible free agent to the best such agent.

    Entries are taken in order (priority, then time waited), SCAN at a time; one whose
    skills no free agent has is passed over for the next, never dropped. Once a queue has
    no free agent for its widened or its other callers, those are not asked again in this
    pass. Returns None when nothing pairs.
    """
    now = timezone.now()
    # (queue, widened) pairs known to have no free agent: skills decide, not the caller.
    unserved: set[tuple[int, bool]] = set()
    cutoffs: dict[int, datetime | None] = {}
    while batch := _waiting(now, unserved, cutoffs):
        asked = False
        for entry in batch:
            widen = entry.widen_after_seconds
            cutoff = cutoffs.setdefault(
                entry.queue_id, None if widen is None else now - timedelta(seconds=widen)
            )
            key = (entry.queue_id, cutoff is not None and entry.waiting_since <= cutoff)
            if key in unserved:
                continue
            asked = True
            agent = _pick_agent(entry, widened=key[1])
            if agent is None:
                unserved.add(key)
                continue
            return _offer(entry.id, agent, now)
        # Each batch has an entry of a new (queue, widened) pair, as the query leaves out
        # the known ones; if the database ever judged the widen time otherwise, stop here
        # rather than fetch the same batch forever (the next pass starts afresh).
        if not asked:
            break
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
    """Caller and agent are done talking: the entry is done, the agent in wrap-up until
    the queue's wrap-up time is over (`wrap_ups_expired`, swept periodically, ends it)."""
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
    _offer(transfer.pk, target, timezone.now())
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
    return _offer(entry.pk, agent, timezone.now())
