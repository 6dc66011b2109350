"""Agents' presence: the states they move through, the log of every move, and the moves
agents make themselves. The ACD makes the others (offered, on call, wrap-up) through
`record_move`, so every state change lands in the same log and tells the agent's desk.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime
from typing import TypeAlias

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from callcenter import live

from ..models import AgentProfile, AgentStateChange
from .wakeups import schedule_routing

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


# What the hand-written statements bind: ids, states and reasons, database-adapted times.
SqlParam: TypeAlias = int | str | None


def desk_group(agent_id: int) -> str:
    """The channel-layer group of the agent's desktop page."""
    return f"agent-{agent_id}-desk"


# The pages that watch the whole floor (a wallboard) join this group; a burst of changes
# reaches them as one notice per window, and they re-fetch what they show.
FLOOR_GROUP = "acd-floor"
FLOOR_EVENT = "floor-changed"
FLOOR_NOTICE_SECONDS = 0.25
# Renewed as each floor notice goes: the wallboards that fetch on one notice share the
# snapshot made under it (floor.selectors.shared).
FLOOR_STAMP_KEY = "telephony:floor-stamp"


def floor_stamp() -> str:
    """The floor's current stamp, "" when there is none (nothing may be shared then)."""
    return live.stamp_of(FLOOR_STAMP_KEY)


def floor_changed() -> None:
    """Tell the pages watching the floor that a queue or an agent changed (after commit)."""
    live.notify(FLOOR_GROUP, FLOOR_EVENT, every=FLOOR_NOTICE_SECONDS, stamp=FLOOR_STAMP_KEY)


# The presence log and the pairing are written as plain SQL: building these statements
# through the ORM cost the router more CPU than choosing the pairing did.
_LOG_MOVE = (
    f"UPDATE {AgentStateChange._meta.db_table} SET ended_at = %(at)s"
    " WHERE agent_id = %(agent)s AND ended_at IS NULL",
    f"INSERT INTO {AgentStateChange._meta.db_table} (agent_id, state, reason, started_at)"
    " VALUES (%(agent)s, %(state)s, %(reason)s, %(at)s)",
)


@functools.cache
def _as_one(statements: tuple[str, ...]) -> str:
    """PostgreSQL runs each data-modifying WITH clause once: several writes, one round trip."""
    *first, last = statements
    return "WITH " + ", ".join(f"w{i} AS ({sql})" for i, sql in enumerate(first)) + " " + last


def _execute(statements: tuple[str, ...], params: Mapping[str, SqlParam]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(statements) > 1:
            cursor.execute(_as_one(statements), params)
            return
        for statement in statements:
            cursor.execute(statement, params)


def record_move(
    agent: AgentProfile,
    state: str,
    reason: str = "",
    at: datetime | None = None,
    *,
    with_writes: tuple[str, ...] = (),
    params: Mapping[str, SqlParam] | None = None,
) -> None:
    """Record an agent's move in the state log and on the agent (the caller saves the
    agent, or passes its own `with_writes` and their `params`, sent along with the log's:
    the router writes its offer that way, in the same round trip)."""
    now = at or timezone.now()
    live.notify(desk_group(agent.pk), "desk-changed")
    floor_changed()
    at_value = connection.ops.adapt_datetimefield_value(now)
    _execute(
        _LOG_MOVE + with_writes,
        {"agent": agent.pk, "state": state, "reason": reason, "at": at_value, **(params or {})},
    )
    agent.state, agent.reason, agent.state_since = state, reason, now
    if state == State.AVAILABLE:
        agent.idle_since = now


@transaction.atomic
def agent_set_state(*, agent: AgentProfile, state: str, reason: str = "") -> AgentProfile:
    """An agent changes their own presence (not ready needs a reason); an agent who
    becomes available is routed to at once."""
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
    record_move(agent, state, reason if state == State.NOT_READY else "")
    agent.save()
    if state == State.AVAILABLE:
        schedule_routing()
    return agent
