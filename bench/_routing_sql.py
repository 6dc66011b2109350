"""SQL of bench/routing.py: the raw SKIP LOCKED baseline router, resets, snapshots.

Kept apart so the benchmark script reads as the scenario; everything here runs on plain
psycopg connections in autocommit mode, one statement per transaction unless said otherwise.
Agents and queue entries are always scoped to the benchmark's own rows by id arrays.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg

# How many waiting entries one baseline pairing considers, as acd.SCAN does for the app.
SCAN = 20

# One pairing, one statement (so one transaction in autocommit), doing what a pairing of
# the app must do:
#  1. `served`: the queues that have at least one free agent with every skill they require
#     at the required level. Waiting entries of the other queues are passed over, so a
#     round pairs as completely as the app, which remembers such queues during a pass and
#     scans past their callers (without it, 20 callers of a queue nobody free can take
#     would block every caller behind them);
#  2. `candidates`: the SCAN best routable waiting entries of those queues (priority, then
#     time waited, then id: the order of the acd_waiting_order index), locked FOR UPDATE
#     SKIP LOCKED, each with the agent who last served its customer when the queue routes
#     sticky;
#  3. `pairing`: for each candidate in that order, the best free agent who has every skill
#     the queue requires at the required level (the sticky agent first, then the highest
#     sum of levels in the queue's skills, then the longest idle), locked FOR UPDATE SKIP
#     LOCKED; the first candidate that finds one wins. The LATERAL subquery runs lazily,
#     candidate by candidate, and LIMIT 1 stops at the first hit, so one agent is locked;
#  4. the writes: the entry becomes offered; the agent offered holding it (the unique
#     current_entry column would refuse a second holder, as in the app); and the agent's
#     state log: their open AgentStateChange row closed, an "offered" one opened.
# Not done, unlike the app: the live-page notice after commit, and queue widening to
# overflow skills (the benchmark's queues do not widen).
BASELINE_PAIR = """
WITH served AS MATERIALIZED (
    SELECT q.id
    FROM telephony_queue q
    WHERE EXISTS (
        SELECT 1
        FROM telephony_agentprofile ap
        WHERE ap.state = 'available'
          AND ap.current_entry_id IS NULL
          AND NOT EXISTS (
              SELECT 1
              FROM telephony_queueskill qs
              WHERE qs.queue_id = q.id
                AND NOT EXISTS (
                    SELECT 1
                    FROM telephony_agentskill s
                    WHERE s.agent_id = ap.id
                      AND s.skill_id = qs.skill_id
                      AND s.level >= qs.min_level
                )
          )
    )
),
candidates AS MATERIALIZED (
    SELECT
        e.id,
        e.queue_id,
        CASE WHEN q.sticky_routing AND e.customer_id IS NOT NULL THEN (
            SELECT h.served_by_id
            FROM telephony_queueentry h
            WHERE h.customer_id = e.customer_id AND h.served_by_id IS NOT NULL AND h.id <> e.id
            ORDER BY h.connected_at DESC, h.id DESC
            LIMIT 1
        ) END AS sticky_agent_id
    FROM telephony_queueentry e
    JOIN telephony_queue q ON q.id = e.queue_id
    WHERE e.status = 'waiting' AND (e.not_before IS NULL OR e.not_before <= now())
      AND e.queue_id IN (SELECT id FROM served)
    ORDER BY e.priority DESC, e.waiting_since, e.id
    LIMIT %(scan)s
    FOR UPDATE OF e SKIP LOCKED
),
pairing AS MATERIALIZED (
    SELECT c.id AS entry_id, a.id AS agent_id
    FROM candidates c
    CROSS JOIN LATERAL (
        SELECT ap.id
        FROM telephony_agentprofile ap
        WHERE ap.state = 'available'
          AND ap.current_entry_id IS NULL
          AND NOT EXISTS (
              SELECT 1
              FROM telephony_queueskill qs
              WHERE qs.queue_id = c.queue_id
                AND NOT EXISTS (
                    SELECT 1
                    FROM telephony_agentskill s
                    WHERE s.agent_id = ap.id
                      AND s.skill_id = qs.skill_id
                      AND s.level >= qs.min_level
                )
          )
        ORDER BY
            ap.id IS NOT DISTINCT FROM c.sticky_agent_id DESC,
            (
                SELECT coalesce(sum(s.level), 0)
                FROM telephony_agentskill s
                JOIN telephony_queueskill qs ON qs.skill_id = s.skill_id
                WHERE s.agent_id = ap.id AND qs.queue_id = c.queue_id
            ) DESC,
            ap.idle_since,
            ap.id
        LIMIT 1
        FOR UPDATE OF ap SKIP LOCKED
    ) a
    LIMIT 1
),
offered_entry AS (
    UPDATE telephony_queueentry e
    SET status = 'offered', offered_at = now()
    FROM pairing p
    WHERE e.id = p.entry_id
),
offered_agent AS (
    UPDATE telephony_agentprofile ap
    SET state = 'offered', reason = '', state_since = now(), current_entry_id = p.entry_id
    FROM pairing p
    WHERE ap.id = p.agent_id
),
closed_state AS (
    UPDATE telephony_agentstatechange sc
    SET ended_at = now()
    FROM pairing p
    WHERE sc.agent_id = p.agent_id AND sc.ended_at IS NULL
),
opened_state AS (
    INSERT INTO telephony_agentstatechange (agent_id, state, reason, started_at)
    SELECT p.agent_id, 'offered', '', now() FROM pairing p
)
SELECT entry_id, agent_id FROM pairing
"""

# A fixed, spread-out idle order, the same after every reset: the longest idle goes first.
_IDLE_SINCE = "now() - make_interval(secs => (id * 7919) %% 3600)"

_FREE_AGENTS = f"""
UPDATE telephony_agentprofile
SET current_entry_id = NULL, state = 'available', reason = '', state_since = now(),
    idle_since = {_IDLE_SINCE}
WHERE id = ANY(%(agents)s)
"""
_CLOSE_STATE_LOG = """
UPDATE telephony_agentstatechange SET ended_at = now()
WHERE agent_id = ANY(%(agents)s) AND ended_at IS NULL
"""
_OPEN_STATE_LOG = """
INSERT INTO telephony_agentstatechange (agent_id, state, reason, started_at)
SELECT unnest(%(agents)s::bigint[]), 'available', '', now()
"""


def connect(database_url: str) -> psycopg.Connection:
    """A baseline connection. JIT off: BASELINE_PAIR's cost estimate (~100,000, from the
    correlated skill checks) crosses jit_above_cost, and compiling it took ~25 ms of a
    ~1.5 ms statement; the app's smaller queries never reach the threshold."""
    return psycopg.connect(database_url, autocommit=True, options="-c jit=off")


def pair(conn: psycopg.Connection) -> tuple[int, int] | None:
    """One baseline pairing: (entry id, agent id), or None when nothing pairs."""
    row = conn.execute(BASELINE_PAIR, {"scan": SCAN}).fetchone()
    return None if row is None else (row[0], row[1])


def free_agents(conn: psycopg.Connection, agents: Sequence[int]) -> None:
    """Between rounds: every agent back to available, holding nothing (entries stay offered)."""
    params = {"agents": list(agents)}
    with conn.transaction():
        conn.execute(_FREE_AGENTS, params)
        conn.execute(_CLOSE_STATE_LOG, params)
        conn.execute(_OPEN_STATE_LOG, params)


def reset_phase(conn: psycopg.Connection, agents: Sequence[int], queues: Sequence[int]) -> None:
    """Before a phase: all agents available with a one-row state log, all entries waiting.

    Bulk UPDATEs on the rows that exist (entries that were never connected are the waiting
    pool; connected ones are the sticky-routing history), then VACUUM ANALYZE so every phase
    starts without the previous one's dead row versions.
    """
    params = {"agents": list(agents), "queues": list(queues)}
    with conn.transaction():
        conn.execute(_FREE_AGENTS, params)
        conn.execute(
            "UPDATE telephony_queueentry SET status = 'waiting', offered_at = NULL"
            " WHERE queue_id = ANY(%(queues)s) AND connected_at IS NULL",
            params,
        )
        conn.execute(
            "DELETE FROM telephony_agentstatechange WHERE agent_id = ANY(%(agents)s)", params
        )
        conn.execute(_OPEN_STATE_LOG, params)
    for table in ("telephony_queueentry", "telephony_agentprofile", "telephony_agentstatechange"):
        conn.execute(f"VACUUM ANALYZE {table}")


def park(conn: psycopg.Connection, agents: Sequence[int], queues: Sequence[int]) -> None:
    """After the run: agents offline and entries abandoned, so no other router pairs them."""
    params = {"agents": list(agents), "queues": list(queues)}
    with conn.transaction():
        conn.execute(
            "UPDATE telephony_agentprofile SET current_entry_id = NULL, state = 'offline',"
            " reason = '' WHERE id = ANY(%(agents)s)",
            params,
        )
        conn.execute(
            "UPDATE telephony_queueentry SET status = 'abandoned', offered_at = NULL"
            " WHERE queue_id = ANY(%(queues)s) AND connected_at IS NULL",
            params,
        )


def held(conn: psycopg.Connection, agents: Sequence[int]) -> list[tuple[int, int | None, str]]:
    """(agent, entry held, state) of every agent not plainly available and free."""
    return conn.execute(
        "SELECT id, current_entry_id, state FROM telephony_agentprofile"
        " WHERE id = ANY(%s) AND (current_entry_id IS NOT NULL OR state <> 'available')",
        (list(agents),),
    ).fetchall()


def offered_entries(conn: psycopg.Connection, queues: Sequence[int]) -> list[int]:
    """Ids of the pool's entries in the offered state."""
    rows = conn.execute(
        "SELECT id FROM telephony_queueentry"
        " WHERE queue_id = ANY(%s) AND connected_at IS NULL AND status = 'offered'",
        (list(queues),),
    ).fetchall()
    return [row[0] for row in rows]


def foreign_routables(
    conn: psycopg.Connection, agents: Sequence[int], queues: Sequence[int]
) -> tuple[int, int]:
    """Waiting entries and free agents that are not the benchmark's (a router would take them)."""
    entries = conn.execute(
        "SELECT count(*) FROM telephony_queueentry"
        " WHERE status = 'waiting' AND NOT queue_id = ANY(%s)",
        (list(queues),),
    ).fetchone()
    free = conn.execute(
        "SELECT count(*) FROM telephony_agentprofile"
        " WHERE state = 'available' AND current_entry_id IS NULL AND NOT id = ANY(%s)",
        (list(agents),),
    ).fetchone()
    return (entries[0] if entries else 0, free[0] if free else 0)


def stranded(
    conn: psycopg.Connection, agents: Sequence[int], queues: Sequence[int]
) -> tuple[int, int]:
    """(free agents, routable waiting entries that one of them is qualified for).

    At a round's end both routers have said "nothing pairs", yet entries can be left that a
    free agent could take: they were below the SCAN best entries, all of which were for
    queues with no free qualified agent.
    """
    row = conn.execute(
        """
        WITH free AS (
            SELECT id FROM telephony_agentprofile
            WHERE id = ANY(%(agents)s) AND state = 'available' AND current_entry_id IS NULL
        ),
        served AS (
            SELECT q.id FROM telephony_queue q
            WHERE q.id = ANY(%(queues)s) AND EXISTS (
                SELECT 1 FROM free
                WHERE NOT EXISTS (
                    SELECT 1 FROM telephony_queueskill qs
                    WHERE qs.queue_id = q.id AND NOT EXISTS (
                        SELECT 1 FROM telephony_agentskill s
                        WHERE s.agent_id = free.id AND s.skill_id = qs.skill_id
                          AND s.level >= qs.min_level
                    )
                )
            )
        )
        SELECT
            (SELECT count(*) FROM free),
            (SELECT count(*) FROM telephony_queueentry
             WHERE status = 'waiting' AND (not_before IS NULL OR not_before <= now())
               AND queue_id IN (SELECT id FROM served))
        """,
        {"agents": list(agents), "queues": list(queues)},
    ).fetchone()
    return (row[0], row[1]) if row else (0, 0)


def state_log_mismatches(conn: psycopg.Connection, agents: Sequence[int]) -> int:
    """Agents whose state log does not end in exactly one open row, in their current state
    (a pairing that forgot the AgentStateChange, or wrote it twice)."""
    row = conn.execute(
        """
        SELECT count(*) FROM telephony_agentprofile ap
        WHERE ap.id = ANY(%s) AND NOT (
            SELECT count(*) = 1 AND coalesce(bool_and(sc.state = ap.state), false)
            FROM telephony_agentstatechange sc
            WHERE sc.agent_id = ap.id AND sc.ended_at IS NULL
        )
        """,
        (list(agents),),
    ).fetchone()
    return row[0] if row else 0
