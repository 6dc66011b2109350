"""The ACD's routing: pairing waiting callers with the best free agent.

Pairing is one short transaction that locks the waiting entries it looks at and the agent
it picks with SKIP LOCKED, so any number of web and worker processes can route at once:
rows another router holds are skipped rather than waited for, and the unique
`AgentProfile.current_entry` makes a double offer impossible even if the locking were
wrong. On SQLite, SKIP LOCKED does nothing and IMMEDIATE transactions serialize routers.
A routing pass (`route`) makes such decisions one after another until nothing pairs, and
remembers meanwhile which queues have no free agent. Offers to one named agent (a
transfer to a colleague, a campaign's lead for its agent) are made here too.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from ..models import AgentProfile, AgentSkill, Queue, QueueEntry, QueueSkill
from .presence import SqlParam, record_move
from .wakeups import routing_stamp

logger = logging.getLogger(__name__)

State = AgentProfile.State

# How many waiting entries one routing decision considers, best first.
SCAN = 20
# How many pairings one routing pass makes at most (the task that runs it then queues
# another), so that it rings the agents it paired without delay.
PASS_LIMIT = 50
# Priority weights: queue priority dominates, then customer tier, then callbacks.
QUEUE_WEIGHT, TIER_WEIGHT, CALLBACK_BONUS = 100, 10, 5


def entry_priority(*, queue_priority: int, tier: int, is_callback: bool) -> int:
    """A waiting entry's priority: queue first, then the customer's tier, then callbacks."""
    return (
        queue_priority * QUEUE_WEIGHT + tier * TIER_WEIGHT + (CALLBACK_BONUS if is_callback else 0)
    )


# The offer, written with the agent's move in the presence log (see `record_move`).
_OFFER = (
    f"UPDATE {QueueEntry._meta.db_table} SET status = %(status)s, offered_at = %(at)s"
    " WHERE id = %(entry)s",
    f"UPDATE {AgentProfile._meta.db_table} SET current_entry_id = %(entry)s,"
    " state = %(state)s, reason = '', state_since = %(at)s WHERE id = %(agent)s",
)


@dataclass(frozen=True)
class Pairing:
    entry_id: int
    agent_id: int


def _offer(entry_id: int, agent: AgentProfile, now: datetime) -> Pairing:
    """Offer a locked entry to a locked free agent; the unique current_entry makes it one."""
    params: dict[str, SqlParam] = {"entry": entry_id, "status": QueueEntry.Status.OFFERED}
    record_move(agent, State.OFFERED, at=now, with_writes=_OFFER, params=params)
    agent.current_entry_id = entry_id
    return Pairing(entry_id=entry_id, agent_id=agent.pk)


# Routing runs its queries as raw SQL: building them through the ORM took longer than
# running them, on every pairing. `lock` is FOR UPDATE SKIP LOCKED where the database has
# it (not SQLite, whose IMMEDIATE transactions serialize routers), so concurrent routers
# pass over the rows another one holds instead of waiting for them. Fixed states are
# written into the text, not bound: PostgreSQL's plan for a prepared statement can then
# use the partial index of waiting entries, instead of being planned again on every call.

# The next SCAN waiting entries in routing order (priority, then time waited, then id),
# without the callers already known to have no free agent (`unserved`, added by _waiting).
_WAITING = """
SELECT e.id, e.queue_id, e.customer_id, e.waiting_since, q.sticky_routing, q.widen_after_seconds
FROM {entry} e JOIN {queue} q ON q.id = e.queue_id
WHERE e.status = '{waiting}' AND (e.not_before IS NULL OR e.not_before <= %s){unserved}
ORDER BY e.priority DESC, e.waiting_since, e.id
LIMIT {scan}{lock}
"""

# A queue's skill requirements as routing reads them: its own (skill, minimum level) pairs,
# and its overflow skills (any level) for callers who have waited past the widen time.
_REQUIREMENTS = """
SELECT r.queue_id, r.skill_id, r.min_level, 0 FROM {queue_skill} r WHERE r.queue_id IN ({queues})
UNION ALL
SELECT o.queue_id, o.skill_id, 1, 1 FROM {overflow} o WHERE o.queue_id IN ({queues})
"""

# Sticky routing: the agent who last served the customer sorts first.
_LAST_SERVED_FIRST = """CASE WHEN a.id = (
    SELECT h.served_by_id FROM {entry} h
    WHERE h.customer_id = %(customer)s AND h.served_by_id IS NOT NULL AND h.id <> %(entry)s
    ORDER BY h.connected_at DESC, h.id DESC
    LIMIT 1
) THEN 0 ELSE 1 END"""


@functools.cache
def _pick_agent_sql(requirements: int, sticky: bool, lock: str) -> str:
    """The best free agent for one entry, for a queue requiring `requirements` skills.

    Eligible: every required skill at its minimum level, one join per skill, so the
    database starts from the agents who hold one of them (an index) rather than from every
    agent. Best: the agent who last served the customer when the queue routes sticky, then
    the highest sum of levels in those skills, then the longest idle.
    """
    skill = AgentSkill._meta.db_table
    joins = "".join(
        f" JOIN {skill} s{i} ON s{i}.agent_id = a.id AND s{i}.skill_id = %(skill{i})s"
        f" AND s{i}.level >= %(level{i})s"
        for i in range(requirements)
    )
    order = [_LAST_SERVED_FIRST.format(entry=QueueEntry._meta.db_table)] if sticky else []
    if requirements:
        order.append(" + ".join(f"s{i}.level" for i in range(requirements)) + " DESC")
    order += ["a.idle_since", "a.id"]
    return (
        f"SELECT a.id FROM {AgentProfile._meta.db_table} a{joins}"
        # The agent is free (AgentProfile.is_free):
        f" WHERE a.state = '{State.AVAILABLE}' AND a.current_entry_id IS NULL"
        f" ORDER BY {', '.join(order)} LIMIT 1{lock}"
    )


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
    params: list[SqlParam] = [adapt(now)]
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
        waiting=QueueEntry.Status.WAITING,
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


_Requirement = tuple[tuple[int, int], ...]  # (skill, minimum level) pairs


class _Requirements(NamedTuple):
    own: _Requirement
    overflow: _Requirement


def _requirements(queue_ids: set[int]) -> dict[int, _Requirements]:
    """Each queue's own and overflow skill requirements."""
    ids = sorted(queue_ids)
    sql = _REQUIREMENTS.format(
        queue_skill=QueueSkill._meta.db_table,
        overflow=Queue.overflow_skills.through._meta.db_table,
        queues=", ".join(["%s"] * len(ids)),
    )
    found: dict[int, tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {
        queue_id: ([], []) for queue_id in ids
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, ids + ids)
        for queue_id, skill_id, min_level, overflow in cursor.fetchall():
            found[queue_id][overflow].append((skill_id, min_level))  # 0 own, 1 overflow
    return {
        queue_id: _Requirements(tuple(own), tuple(overflow))
        for queue_id, (own, overflow) in found.items()
    }


def _pick_agent(entry: _Waiting, requirement: _Requirement) -> AgentProfile | None:
    """The best free agent for `entry` meeting `requirement`, locked; None if none is free."""
    sticky = entry.sticky_routing and entry.customer_id is not None
    params: dict[str, SqlParam] = {"customer": entry.customer_id, "entry": entry.id}
    for i, (skill_id, min_level) in enumerate(requirement):
        params[f"skill{i}"], params[f"level{i}"] = skill_id, min_level
    with connection.cursor() as cursor:
        cursor.execute(_pick_agent_sql(len(requirement), sticky, _lock("a")), params)
        row = cursor.fetchone()
    # Only the id is read: the pairing writes the fields it changes (a RawQuerySet would
    # cost more than the query for the same instance).
    return None if row is None else AgentProfile.from_db(connection.alias, ["id"], row)


# Renewed after every commit that may let a waiting caller pair (an agent freed, a caller
# back in line; see offers.schedule_routing): routing passes under way then look afresh.
class RoutingPass:
    """A run of routing decisions, each pairing one caller, that share what they learn.

    Pairing only ever takes agents, so a queue found to have no free agent for its widened
    or its other callers stays so for the rest of the pass, and is not asked again; its
    skill requirements are read once. Unless something changes meanwhile: every commit
    that frees an agent or puts a caller back in line renews a stamp in the shared cache,
    and the pass then forgets what it learned. That matters because the pass started by
    such a commit skips the callers this pass holds locked at that moment; this pass is the
    one that must look again (once more even when its decision found nothing). (The
    embedded mode's cache is per process; there SQLite serializes passes, so the new pass
    sees every caller.) Widening is judged when the pass first meets the queue.
    """

    def __init__(self) -> None:
        self._stamp = routing_stamp()
        self._forget()

    def _forget(self) -> None:
        # (queue, widened) pairs known to have no free agent: skills decide, not the caller.
        self.unserved: set[tuple[int, bool]] = set()
        self.cutoffs: dict[int, datetime | None] = {}
        self.requirements: dict[int, _Requirements] = {}

    def _afresh_if_changed(self) -> bool:
        stamp = routing_stamp()
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        self._forget()
        return True

    def next(self) -> Pairing | None:
        """Offer the best waiting entry that has an eligible free agent to the best such
        agent; None when nothing pairs."""
        self._afresh_if_changed()
        pairing = self._decide()
        if pairing is None and self._afresh_if_changed():
            pairing = self._decide()
        return pairing

    @transaction.atomic
    def _decide(self) -> Pairing | None:
        """One decision. Entries are taken in order (priority, then time waited), SCAN at a
        time; one whose skills no free agent has is passed over for the next, never dropped.
        """
        now = timezone.now()
        unserved, cutoffs, requirements = self.unserved, self.cutoffs, self.requirements
        while batch := _waiting(now, unserved, cutoffs):
            if unknown := {entry.queue_id for entry in batch} - requirements.keys():
                requirements |= _requirements(unknown)
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
                # Widened callers may go to the queue's overflow skills, where it has any.
                need = requirements[entry.queue_id]
                agent = _pick_agent(entry, need.overflow if key[1] and need.overflow else need.own)
                if agent is None:
                    unserved.add(key)
                    continue
                return _offer(entry.id, agent, now)
            # Each batch has an entry of a new (queue, widened) pair, as the query leaves
            # out the known ones; if the database ever judged the widen time otherwise, stop
            # here rather than fetch the same batch forever (the next pass starts afresh).
            if not asked:
                break
        return None


def route(*, limit: int = PASS_LIMIT) -> list[Pairing]:
    """Pair as many waiting entries with free agents as possible (up to `limit`), in one
    pass."""
    routing = RoutingPass()
    pairings: list[Pairing] = []
    while len(pairings) < limit:
        pairing = routing.next()
        if pairing is None:
            break
        pairings.append(pairing)
    return pairings


@transaction.atomic
def transfer_offer(
    *, entry: QueueEntry, to_agent: AgentProfile, kind: str, conference: str
) -> QueueEntry:
    """Offer a connected call to one named agent: a new entry, offered to them directly.

    The agent chose the colleague, so skills do not apply; the colleague must be free.
    """
    target = AgentProfile.objects.select_for_update().get(pk=to_agent.pk)
    if not target.is_free:
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
def offer_to_agent(*, entry_id: int, agent_id: int) -> Pairing | None:
    """Offer a waiting entry to one particular agent if they are free (preview dialing,
    a callback an agent promised); None leaves the entry to normal routing."""
    entry = QueueEntry.objects.select_for_update().get(pk=entry_id)
    agent = AgentProfile.objects.select_for_update(skip_locked=True).filter(pk=agent_id).first()
    if entry.status != QueueEntry.Status.WAITING or agent is None or not agent.is_free:
        return None
    return _offer(entry.pk, agent, timezone.now())
