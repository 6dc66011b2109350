"""ACD routing under concurrency: is the ACD at least half as fast as bare SQL, and safe?

Each decision of a routing pass (`telephony.routing.RoutingPass.next()`, what `routing.route()`
runs) pairs the best waiting QueueEntry with the best free agent who has the queue's skills,
in one transaction that locks with SELECT ... FOR UPDATE SKIP LOCKED, so several web and
worker processes can route at once. This script measures it on
PostgreSQL against a baseline doing the same pairing in one raw SQL statement.

The scenario, in a dedicated database (loaded once, by bulk_create and COPY, then reused):

- 10 skills and 8 queues requiring 1 or 2 of them at minimum levels 1-5; one small VIP queue
  has a higher queue priority, half the queues route sticky (last agent who served the
  customer first), none widens to overflow skills;
- 1,000 agents, each with the skills of a "home" queue (levels at or above its minimums) plus
  0-2 random extra skills, so each queue has free agents in proportion to its callers;
- 10,000 waiting entries over those queues in proportion, priority from
  `routing.entry_priority` (queue priority, customer tier, callback), waiting up to 30 minutes,
  40% with a customer (1,000 customers, each with one past, served entry for sticky routing),
  1% callbacks scheduled far in the future (never routable).

Two phases on the same data, reset in between by bulk UPDATEs (and VACUUM ANALYZE):

- baseline: 4 processes, each on its own psycopg connection, loop over one statement per
  pairing (bench/_routing_sql.py, BASELINE_PAIR) doing the essential work of the app's:
  leave out the queues with no free qualified agent (as a pass does, so it pairs as
  completely), lock the 20 best remaining waiting entries SKIP LOCKED, take the first one
  with a free qualified agent (sticky agent, then skill score, then longest idle; locked
  SKIP LOCKED), mark both offered and write the agent's state log (close the open
  AgentStateChange, open an "offered" one). No live notice, no widening;
- app: 4 processes, each with Django and its own connection, loop over the decisions of
  routing passes, as `routing.route()` makes them: a pass ends at its first None or its
  routing.PASS_LIMIT-th pairing, and the next decision starts a new one (a pass remembers the
  queues it found without a free agent, and reads the routing stamp from Redis each time).

A round ends when every process has had a None (no pairing left for the free agents); then
all agents are freed again (the offered entries stay offered) and the next round starts.
A phase stops after --seconds of routing, --pairings pairings, or an empty round. At each
round's end the agents' rows and state logs are read back; after the phase, the offered
entries. "round ends" shows, for both, what was left when nothing more paired (free agents,
and waiting entries one of them could take), averaged over the rounds that ended that way
only (the last round, cut short by a limit, is left out).

Reading the output: per phase, pairings, rounds, routing seconds (round resets excluded),
pairings per second, decision time (one RoutingPass.next() call, or one baseline statement)
at p50 and p99 over all calls, and the p99 of the calls that made a pairing. "statements" is
how many SQL statements one pairing of a fresh pass sends (counted single-process after the
phases).
PASS/FAIL lines follow: throughput ratio app/baseline >= 0.5, app p99 decision time < 50 ms,
zero double offers (an entry paired twice, or an agent twice in one round, across all
processes' returned pairings) and zero mismatches between the returned pairings and the
database (agents holding entries at each round's end, entries offered after the phase),
every agent's state log ending in one open row in their state at each round's end, and
no error in any process. Exit code 1 on any FAIL.

    .venv/bin/python bench/routing.py [--workers 4] [--seconds 30] [--pairings 6000]

The database comes from BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
callcenter_bench), created and migrated if needed and shared with the other benchmarks; the
rows this script owns are named bench-routing-* (BR-* for customers). Live notices go
through Redis at BENCH_REDIS_URL (default redis://127.0.0.1:6379/0). About 1 minute.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import math
import multiprocessing
import os
import random
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier, Event
from pathlib import Path
from typing import Any

import psycopg
from _common import create_database_if_missing
from psycopg.conninfo import conninfo_to_dict

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/, for _routing_sql

import _routing_sql as rsql

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/callcenter_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
PREFIX = "bench-routing"
ACCOUNT_PREFIX = "BR-"
SEED = 20_250_301
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
CUSTOMERS = 1_000
SKILLS = (
    "billing", "tech", "sales", "retention", "spanish",
    "french", "premium", "mobile", "broadband", "tv",
)  # fmt: skip


@dataclass(frozen=True)
class QueueSpec:
    name: str
    priority: int
    callers: float  # relative share of the waiting entries
    agents: float  # relative share of the agents having this as their home queue
    sticky: bool
    requires: tuple[tuple[str, int], ...]  # (skill, min level)


QUEUES = (
    # The VIP queue's callers come first: it has more qualified agents than callers, or its
    # callers would fill the 20-entry window the ACD looks at and block every round early.
    QueueSpec("vip", 2, 0.4, 6, True, (("premium", 5), ("billing", 3))),
    QueueSpec("billing", 0, 20, 19, True, (("billing", 3),)),
    QueueSpec("tech", 0, 20, 19, False, (("tech", 4),)),
    QueueSpec("sales", 0, 14, 13, False, (("sales", 2),)),
    QueueSpec("retention", 0, 10, 10, True, (("retention", 5), ("billing", 2))),
    QueueSpec("spanish-support", 0, 12, 11, True, (("spanish", 4), ("tech", 3))),
    QueueSpec("french-support", 0, 6, 6, False, (("french", 4),)),
    QueueSpec("broadband", 0, 16, 16, False, (("broadband", 2), ("mobile", 1))),
)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    create_database_if_missing(database_url)
    setup_django(database_url)

    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    load_seconds = ensure_data(args.agents, args.entries)
    ids = benchmark_ids()

    with psycopg.connect(database_url, autocommit=True) as control:
        foreign = rsql.foreign_routables(control, ids.agents, ids.queues)
        if any(foreign):
            print(f"FAIL the database has {foreign[0]} other waiting entries and {foreign[1]}")
            print("     other free agents: a router would pair them too; not touching them")
            return 1
        phases = []
        for kind in ("baseline", "app"):
            rsql.reset_phase(control, ids.agents, ids.queues)
            result = run_phase(kind, database_url, args, ids)
            result.mismatches += check_database(control, ids, result)
            phases.append(result)
        rsql.reset_phase(control, ids.agents, ids.queues)
        statements = count_statements(calls=40)
        rsql.park(control, ids.agents, ids.queues)

    return report(
        database=conninfo_to_dict(database_url).get("dbname", "?"),
        args=args,
        load_seconds=load_seconds,
        baseline=phases[0],
        app=phases[1],
        statements=statements,
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=1_000, help="agents to load")
    parser.add_argument("--entries", type=int, default=10_000, help="waiting entries to load")
    parser.add_argument("--workers", type=int, default=4, help="routing processes per phase")
    parser.add_argument("--seconds", type=float, default=30.0, help="routing time limit/phase")
    parser.add_argument("--pairings", type=int, default=6_000, help="pairing limit per phase")
    args = parser.parse_args(argv)
    if min(args.agents, args.entries, args.workers, args.pairings) < 1 or args.seconds <= 0:
        parser.error("all sizes and limits must be positive")
    return args


# --- Setup ------------------------------------------------------------------------------


def setup_django(database_url: str) -> None:
    """Django on the benchmark database, as production runs it (also in each worker)."""
    sys.path.insert(0, str(PROJECT_ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "callcenter.settings"
    # Never the project's own database, whatever the shell exports.
    os.environ["DATABASE_URL"] = database_url
    # Redis carries the agents' live notices, as in production (the embedded layer relays
    # them through one SQLite file that every process would write to).
    os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    # With DEBUG on, Django records every query in connection.queries: a cost only the app
    # side would pay.
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-key-not-a-secret")

    import django

    django.setup()


# --- Data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchIds:
    agents: list[int]
    queues: list[int]


def benchmark_ids() -> BenchIds:
    from telephony.models import AgentProfile, Queue

    agents = AgentProfile.objects.filter(client_identity__startswith=f"{PREFIX}-")
    queues = Queue.objects.filter(name__startswith=f"{PREFIX}-")
    return BenchIds(
        agents=list(agents.order_by("id").values_list("id", flat=True)),
        queues=list(queues.order_by("id").values_list("id", flat=True)),
    )


def ensure_data(agents: int, entries: int) -> float | None:
    """Load the scenario unless exactly it is there; the load time, None if reused.

    Other benchmarks TRUNCATE ... CASCADE tables this data hangs from, so it may be gone.
    """
    from crm.models import Customer
    from telephony.models import AgentProfile, QueueEntry, Team

    ours = QueueEntry.objects.filter(queue__name__startswith=f"{PREFIX}-")
    present = (
        AgentProfile.objects.filter(client_identity__startswith=f"{PREFIX}-").count(),
        ours.filter(connected_at__isnull=True).count(),
        ours.filter(connected_at__isnull=False).count(),
        Customer.objects.filter(account_number__startswith=ACCOUNT_PREFIX).count(),
    )
    marker = f"{PREFIX}-data-{data_fingerprint(agents, entries)}"
    if present == (agents, entries, CUSTOMERS, CUSTOMERS) and Team.objects.filter(name=marker):
        return None
    started = time.perf_counter()
    delete_data()
    load(agents, entries)
    Team.objects.create(name=marker)
    return time.perf_counter() - started


def data_fingerprint(agents: int, entries: int) -> str:
    """Changes whenever the generated scenario would: then the data is loaded again."""
    scenario = repr((SEED, SKILLS, QUEUES, CUSTOMERS, agents, entries)).encode()
    return hashlib.sha256(scenario).hexdigest()[:12]


def delete_data() -> None:
    """Remove every row of an earlier (maybe partial) load; queues and skills are kept."""
    from django.db import connection, transaction

    agents = "SELECT id FROM telephony_agentprofile WHERE client_identity LIKE %(prefix)s"
    with transaction.atomic(), connection.cursor() as cur:
        params = {"prefix": f"{PREFIX}-%", "accounts": f"{ACCOUNT_PREFIX}%"}
        cur.execute(
            f"UPDATE telephony_agentprofile SET current_entry_id = NULL WHERE id IN ({agents})",
            params,
        )
        for statement in (
            f"DELETE FROM telephony_agentstatechange WHERE agent_id IN ({agents})",
            "DELETE FROM telephony_queueentry WHERE queue_id IN"
            " (SELECT id FROM telephony_queue WHERE name LIKE %(prefix)s)",
            f"DELETE FROM telephony_agentskill WHERE agent_id IN ({agents})",
            "DELETE FROM telephony_agentprofile WHERE client_identity LIKE %(prefix)s",
            "DELETE FROM auth_user WHERE username LIKE %(prefix)s",
            "DELETE FROM crm_customer WHERE account_number LIKE %(accounts)s",
            "DELETE FROM telephony_team WHERE name LIKE %(prefix)s",
        ):
            cur.execute(statement, params)


def load(agents: int, entries: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from crm.models import Customer
    from telephony.acd import routing
    from telephony.models import AgentProfile, AgentSkill, Queue, QueueEntry, QueueSkill, Skill

    rng = random.Random(SEED)
    now = datetime.now(UTC)
    with transaction.atomic():
        skills = {
            name: Skill.objects.get_or_create(name=f"{PREFIX}-{name}")[0].pk for name in SKILLS
        }
        queues: dict[str, Queue] = {}
        for spec in QUEUES:
            queue, _ = Queue.objects.update_or_create(
                name=f"{PREFIX}-{spec.name}",
                defaults={
                    "priority": spec.priority,
                    "sticky_routing": spec.sticky,
                    "widen_after_seconds": None,
                },
            )
            queue.overflow_skills.clear()
            QueueSkill.objects.filter(queue=queue).delete()
            QueueSkill.objects.bulk_create(
                QueueSkill(queue=queue, skill_id=skills[skill], min_level=level)
                for skill, level in spec.requires
            )
            queues[spec.name] = queue

        users = get_user_model().objects.bulk_create(
            get_user_model()(username=f"{PREFIX}-{i:05d}", password="!") for i in range(agents)
        )
        profiles = AgentProfile.objects.bulk_create(
            AgentProfile(
                user=user,
                client_identity=f"{PREFIX}-{i:05d}",
                state=AgentProfile.State.AVAILABLE,
                idle_since=now,
            )
            for i, user in enumerate(users)
        )
        weights = [spec.callers for spec in QUEUES]
        agent_skills = []
        for profile in profiles:
            home = rng.choices(QUEUES, [spec.agents for spec in QUEUES])[0]
            levels = {skill: rng.randint(level, 10) for skill, level in home.requires}
            for extra in rng.sample(SKILLS, rng.randint(0, 2)):
                levels[extra] = max(levels.get(extra, 0), rng.randint(1, 10))
            agent_skills += [
                AgentSkill(agent=profile, skill_id=skills[skill], level=level)
                for skill, level in levels.items()
            ]
        AgentSkill.objects.bulk_create(agent_skills)

        customers = Customer.objects.bulk_create(
            Customer(
                name=f"Routing Customer {i}",
                account_number=f"{ACCOUNT_PREFIX}{i:06d}",
                tier=rng.choices((0, 1, 2, 3), weights=(70, 20, 8, 2))[0],
            )
            for i in range(CUSTOMERS)
        )

        # Every concrete column, by the model: ours where given, else the field's default.
        fields = [f for f in QueueEntry._meta.concrete_fields if not f.primary_key]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)

        def row(**values: object) -> tuple[object, ...]:
            return tuple(
                values.pop(f.attname) if f.attname in values else f.get_default() for f in fields
            )

        with (
            connection.cursor() as cur,
            cur.cursor.copy(f"COPY telephony_queueentry ({columns}) FROM STDIN") as copy,
        ):
            # The waiting pool: never connected (that is how resets find it again).
            for _ in range(entries):
                spec = rng.choices(QUEUES, weights)[0]
                customer = rng.choice(customers) if rng.random() < 0.4 else None
                callback = rng.random() < 0.1
                scheduled = callback and rng.random() < 0.1
                copy.write_row(
                    row(
                        queue_id=queues[spec.name].pk,
                        customer_id=customer.pk if customer else None,
                        kind="callback" if callback else "call",
                        callback_number="+14155550100" if callback else "",
                        status="waiting",
                        priority=routing.entry_priority(
                            queue_priority=spec.priority,
                            tier=customer.tier if customer else 0,
                            is_callback=callback,
                        ),
                        waiting_since=now - timedelta(seconds=rng.uniform(0, 1800)),
                        not_before=now + timedelta(days=365) if scheduled else None,
                    )
                )
            # History: each customer was served once before, by some agent (sticky routing).
            for customer in customers:
                spec = rng.choices(QUEUES, weights)[0]
                connected = now - timedelta(days=rng.uniform(1, 60))
                copy.write_row(
                    row(
                        queue_id=queues[spec.name].pk,
                        customer_id=customer.pk,
                        status="done",
                        waiting_since=connected - timedelta(minutes=2),
                        offered_at=connected - timedelta(seconds=10),
                        connected_at=connected,
                        ended_at=connected + timedelta(minutes=5),
                        served_by_id=rng.choice(profiles).pk,
                    )
                )
    with connection.cursor() as cur:
        for table in ("telephony_queueentry", "telephony_agentprofile", "telephony_agentskill"):
            cur.execute(f"ANALYZE {table}")


# --- Phases -----------------------------------------------------------------------------


@dataclass
class Sync:
    """What the processes of one phase share."""

    start: Barrier  # workers + the main process
    round_end: Barrier  # workers
    stop: Event
    round: Any  # multiprocessing Value("i"): the current round
    round_pairings: Any  # Value("i"): pairings made in the current round
    total: Any  # Value("i"): pairings made in the phase
    deadline: Any  # Value("d"): time.monotonic() at which routing stops
    reset_seconds: Any  # Value("d"): time spent between rounds (checks and resets)
    end: Any  # Value("d"): time.monotonic() when the last round ended


@dataclass
class WorkerResult:
    pairings: list[tuple[int, int, int]] = field(default_factory=list)  # (round, entry, agent)
    latencies_ns: list[int] = field(default_factory=list)
    pairing_latencies_ns: list[int] = field(default_factory=list)
    snapshots: list[tuple[int, list[tuple[int, int | None, str]]]] = field(default_factory=list)
    # (free agents, stranded entries, the round ended with nothing left to pair)
    round_ends: list[tuple[int, int, bool]] = field(default_factory=list)
    state_log_mismatches: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class PhaseResult:
    kind: str
    pairings: list[tuple[int, int, int]]
    latencies_ns: list[int]
    pairing_latencies_ns: list[int]
    rounds: int
    seconds: float
    errors: list[str]
    double_offers: int
    mismatches: int
    round_ends: list[tuple[int, int, bool]]
    state_log_mismatches: int

    @property
    def rate(self) -> float:
        return len(self.pairings) / self.seconds if self.seconds > 0 else 0.0


def run_phase(kind: str, database_url: str, args: argparse.Namespace, ids: BenchIds) -> PhaseResult:
    """Route with `args.workers` processes until a limit; gather and cross-check the results."""
    from django.db import connections

    connections.close_all()  # spawned children open their own; nothing inherited anyway
    ctx = multiprocessing.get_context("spawn")
    sync = Sync(
        start=ctx.Barrier(args.workers + 1, timeout=120),
        round_end=ctx.Barrier(args.workers, timeout=args.seconds + 120),
        stop=ctx.Event(),
        round=ctx.Value("i", 1),
        round_pairings=ctx.Value("i", 0),
        total=ctx.Value("i", 0),
        deadline=ctx.Value("d", 0.0),
        reset_seconds=ctx.Value("d", 0.0),
        end=ctx.Value("d", 0.0),
    )
    results_queue = ctx.Queue()
    processes = [
        ctx.Process(
            target=worker,
            args=(kind, database_url, args.seconds, args.pairings, ids, sync, results_queue),
            name=f"{kind}-{i}",
        )
        for i in range(args.workers)
    ]
    for process in processes:
        process.start()
    errors: list[str] = []
    started = 0.0
    try:
        if sync.start.wait() == 0:
            sync.deadline.value = time.monotonic() + args.seconds
        sync.start.wait()
        started = time.monotonic()
    except Exception as error:  # a worker failed to start: its own error is in its result
        errors.append(f"main: start barrier: {error!r}")
    results: list[WorkerResult] = []
    for _ in processes:
        try:
            results.append(results_queue.get(timeout=args.seconds + 180))
        except Exception as error:
            errors.append(f"main: no result from a worker: {error!r}")
    for process in processes:
        process.join(timeout=30)
        if process.exitcode != 0:
            errors.append(f"{process.name} exited with {process.exitcode}")

    pairings = [p for r in results for p in r.pairings]
    errors += [e for r in results for e in r.errors]
    snapshots = [s for r in results for s in r.snapshots]
    entry_counts = Counter(entry for _round, entry, _agent in pairings)
    agent_counts = Counter((rnd, agent) for rnd, _entry, agent in pairings)
    double_offers = sum(n - 1 for n in entry_counts.values() if n > 1) + sum(
        n - 1 for n in agent_counts.values() if n > 1
    )
    # Each round's end: the agents holding entries must be exactly that round's pairings.
    mismatches = 0
    rounds = {rnd for rnd, _rows in snapshots}
    for rnd, rows in snapshots:
        in_db = {(entry, agent) for agent, entry, state in rows if state == "offered" and entry}
        mismatches += len(rows) - len(in_db)  # offered without an entry, or worse
        returned = {(entry, agent) for r, entry, agent in pairings if r == rnd}
        mismatches += len(in_db ^ returned)
    if len(rounds) != len(snapshots) or (
        pairings and max(r for r, _e, _a in pairings) > len(rounds)
    ):
        errors.append("round bookkeeping: a round without exactly one end-of-round check")
    return PhaseResult(
        kind=kind,
        pairings=pairings,
        latencies_ns=[t for r in results for t in r.latencies_ns],
        pairing_latencies_ns=[t for r in results for t in r.pairing_latencies_ns],
        rounds=len(rounds),
        seconds=max(0.0, sync.end.value - started - sync.reset_seconds.value),
        errors=errors,
        double_offers=double_offers,
        mismatches=mismatches,
        round_ends=[end for r in results for end in r.round_ends],
        state_log_mismatches=sum(r.state_log_mismatches for r in results),
    )


def check_database(control: psycopg.Connection, ids: BenchIds, result: PhaseResult) -> int:
    """Entries offered in the database vs returned: each paired entry offered, no other one."""
    offered = set(rsql.offered_entries(control, ids.queues))
    returned = Counter(entry for _round, entry, _agent in result.pairings)
    return len(offered ^ set(returned))


class _Rollback(Exception):
    """Raised to undo a warm-up pairing."""


def worker(
    kind: str,
    database_url: str,
    seconds: float,
    limit: int,
    ids: BenchIds,
    sync: Sync,
    results: Queue[WorkerResult],
) -> None:
    """One routing process: warm up, then route until the phase stops; send back the results."""
    result = WorkerResult()
    try:
        setup_django(database_url)
        with psycopg.connect(database_url, autocommit=True) as control:
            route = app_router() if kind == "app" else baseline_router(database_url)
            if sync.start.wait() == 0:
                sync.deadline.value = time.monotonic() + seconds
            sync.start.wait()
            route_until_stopped(route, limit, ids, sync, control, result)
    except Exception:
        result.errors.append(f"{multiprocessing.current_process().name}: {traceback.format_exc()}")
        sync.start.abort()
        sync.round_end.abort()
        sync.stop.set()
    finally:
        results.put(result)


def app_router() -> Callable[[], tuple[int, int] | None]:
    from django.db import transaction

    from telephony.acd import routing as acd_routing

    # Not named `routing`: that would shadow the module this function needs afresh.
    current, paired = acd_routing.RoutingPass(), 0

    def route() -> tuple[int, int] | None:
        nonlocal current, paired
        pairing = current.next()
        paired += pairing is not None
        if pairing is None or paired == acd_routing.PASS_LIMIT:  # the pass is over, as in route()
            current, paired = acd_routing.RoutingPass(), 0
        return None if pairing is None else (pairing.entry_id, pairing.agent_id)

    # Warm-up: connection, imports, query compilation; rolled back, so nothing is paired.
    for _ in range(3):
        with contextlib.suppress(_Rollback), transaction.atomic():
            acd_routing.RoutingPass().next()
            raise _Rollback
    return route


def baseline_router(database_url: str) -> Callable[[], tuple[int, int] | None]:
    conn = rsql.connect(database_url)

    def route() -> tuple[int, int] | None:
        return rsql.pair(conn)

    # Warm-up past psycopg's prepare threshold (5), rolled back: the statement is prepared.
    for _ in range(6):
        with conn.transaction(force_rollback=True):
            route()
    return route


def route_until_stopped(
    route: Callable[[], tuple[int, int] | None],
    limit: int,
    ids: BenchIds,
    sync: Sync,
    control: psycopg.Connection,
    result: WorkerResult,
) -> None:
    """Route until None (then wait for the round's end), the deadline, or the pairing limit."""
    while True:
        if not sync.stop.is_set() and time.monotonic() < sync.deadline.value:
            started = time.perf_counter_ns()
            try:
                pairing = route()
            except Exception as error:  # e.g. an IntegrityError on current_entry: a bug
                result.errors.append(f"{multiprocessing.current_process().name}: {error!r}")
                pairing = None
            elapsed = time.perf_counter_ns() - started
            result.latencies_ns.append(elapsed)
            if pairing is not None:
                result.pairing_latencies_ns.append(elapsed)
                result.pairings.append((sync.round.value, *pairing))
                with sync.total.get_lock():
                    sync.total.value += 1
                    if sync.total.value >= limit:
                        sync.stop.set()
                with sync.round_pairings.get_lock():
                    sync.round_pairings.value += 1
                continue
        # Nothing more for this process in this round (or time is up): wait for the others.
        if sync.round_end.wait() == 0:
            end_round(ids, sync, control, result)
        sync.round_end.wait()
        if sync.stop.is_set():
            return


def end_round(ids: BenchIds, sync: Sync, control: psycopg.Connection, result: WorkerResult) -> None:
    """Run by one process while all wait: record who holds what, then stop or free everyone."""
    ended = time.monotonic()
    # Nothing left to pair: every process had its None, not cut short by a limit.
    exhausted = not sync.stop.is_set() and ended < sync.deadline.value
    result.snapshots.append((sync.round.value, rsql.held(control, ids.agents)))
    result.round_ends.append((*rsql.stranded(control, ids.agents, ids.queues), exhausted))
    result.state_log_mismatches += rsql.state_log_mismatches(control, ids.agents)
    if sync.stop.is_set() or ended >= sync.deadline.value or sync.round_pairings.value == 0:
        sync.stop.set()
        sync.end.value = ended
        return
    rsql.free_agents(control, ids.agents)
    sync.round.value += 1
    sync.round_pairings.value = 0
    sync.reset_seconds.value += time.monotonic() - ended


# --- Profile ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementCount:
    per_pairing: float
    kinds: dict[str, float]  # first SQL word -> average per pairing


def count_statements(calls: int) -> StatementCount:
    """SQL statements per pairing, each the first of a new pass, single process (the count,
    not the time)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from telephony.acd import routing

    totals: Counter[str] = Counter()
    pairings = 0
    for _ in range(calls):
        with CaptureQueriesContext(connection) as captured:
            pairing = routing.RoutingPass().next()
        if pairing is None:
            break
        pairings += 1
        totals.update(query["sql"].split(None, 1)[0].upper() for query in captured)
    if not pairings:
        return StatementCount(0.0, {})
    kinds = {kind: n / pairings for kind, n in totals.most_common()}
    return StatementCount(sum(totals.values()) / pairings, kinds)


# --- Report -----------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with `fraction` of values at or below it."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def report(
    *,
    database: str,
    args: argparse.Namespace,
    load_seconds: float | None,
    baseline: PhaseResult,
    app: PhaseResult,
    statements: StatementCount,
) -> int:
    loaded = "already loaded" if load_seconds is None else f"loaded in {load_seconds:.1f} s"
    print(f"database    {database}")
    print(
        f"scenario    {args.agents:,} agents, {len(SKILLS)} skills, {len(QUEUES)} queues, "
        f"{args.entries:,} waiting entries ({loaded})"
    )
    print(
        f"limits      {args.workers} processes per phase, {args.seconds:g} s of routing or "
        f"{args.pairings:,} pairings"
    )
    print(
        f"{'phase':<9} {'pairings':>8} {'rounds':>6} {'seconds':>7} {'pairs/s':>8} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'p99 paired':>10} {'errors':>6}"
    )
    for phase in (baseline, app):
        p50 = percentile(phase.latencies_ns, 0.5) / 1e6
        p99 = percentile(phase.latencies_ns, 0.99) / 1e6
        p99_paired = percentile(phase.pairing_latencies_ns, 0.99) / 1e6
        print(
            f"{phase.kind:<9} {len(phase.pairings):>8,} {phase.rounds:>6} {phase.seconds:>7.2f} "
            f"{phase.rate:>8.1f} {p50:>7.2f} {p99:>7.2f} {p99_paired:>10.2f} "
            f"{len(phase.errors):>6}"
        )
    for phase in (baseline, app):
        # Only rounds that ran out of pairings: one cut short by a limit has leftovers that
        # say nothing about how completely the router pairs.
        exhausted = [(free, stranded) for free, stranded, done in phase.round_ends if done]
        cut = len(phase.round_ends) - len(exhausted)
        if exhausted:
            free = sum(f for f, _s in exhausted) / len(exhausted)
            stranded = sum(s for _f, s in exhausted) / len(exhausted)
            print(
                f"round ends  {phase.kind}: over {len(exhausted)} rounds that ended with nothing "
                f"left to pair ({cut} cut short by a limit, not counted), on average {free:.1f} "
                f"agents still free and {stranded:.1f} waiting entries one of them could take"
            )
        else:
            print(f"round ends  {phase.kind}: no round ended with nothing left to pair")
    kinds = ", ".join(f"{kind} {n:.1f}" for kind, n in statements.kinds.items())
    print(f"statements  {statements.per_pairing:.1f} per pairing of a new pass ({kinds})")
    for phase in (baseline, app):
        for error in phase.errors[:5]:
            print(f"error       {phase.kind}: {error.strip()}")

    ratio = app.rate / baseline.rate if baseline.rate else 0.0
    app_p99 = percentile(app.latencies_ns, 0.99) / 1e6
    doubles = baseline.double_offers + app.double_offers
    mismatches = baseline.mismatches + app.mismatches
    state_logs = baseline.state_log_mismatches + app.state_log_mismatches
    errors = len(baseline.errors) + len(app.errors)
    checks = (
        (f"ratio app/baseline {ratio:.2f} (target >= {TARGET_RATIO})", ratio >= TARGET_RATIO),
        (
            f"p99 decision time {app_p99:.1f} ms (app, target < {TARGET_P99_MS:g} ms)",
            app_p99 < TARGET_P99_MS,
        ),
        (
            f"double offers {doubles} (app {app.double_offers}, baseline "
            f"{baseline.double_offers}; target 0)",
            doubles == 0,
        ),
        (
            f"database mismatches {mismatches} (returned pairings vs rows; target 0)",
            mismatches == 0,
        ),
        (
            f"state log mismatches {state_logs} (app {app.state_log_mismatches}, baseline "
            f"{baseline.state_log_mismatches}: agents at a round's end without exactly one "
            "open AgentStateChange in their state; target 0)",
            state_logs == 0,
        ),
        (f"errors {errors} (target 0)", errors == 0),
        (
            "pairings made in both phases",
            bool(app.pairings) and bool(baseline.pairings),
        ),
    )
    for text, passed in checks:
        print(f"{'PASS' if passed else 'FAIL'} {text}")
    return 0 if all(passed for _text, passed in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
