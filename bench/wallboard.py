"""Live wallboard under load: 200 open wallboards all end with the database's figures, and
show each change within 1 s (p99)?

The product's design: a change to the floor sends a small notice to the wallboards' group
(`telephony.acd.presence.floor_changed`, coalesced to one per FLOOR_NOTICE_SECONDS). A wall
display's feed (`floor.consumers.FloorFiguresConsumer`, /ws/floor/figures/) answers each
notice with the figures themselves, read once per notice for every display of the same
floor (`floor.selectors.shared`) and sent as one text to each; the wallboard page instead
fetches its snapshot over HTTP on each notice. This script serves the app as production
does (README): HTTP on gunicorn sync workers, websockets on daphne (Redis channel layer),
PostgreSQL, Redis; and opens 200 wallboard clients (asyncio, aiohttp), each signed in as a
manager of its own, in three designs:
- figures (the target): hold the figures of each message of the feed (the first comes on
  opening);
- notice, as the page behaves (static/js/live.js, the wallboard's hx-sync="this:queue
  last"): on a notice, fetch /api/realtime/queues/ and /api/realtime/agents/ (one fetch at
  a time, the last notice queued);
- naive (bench/_wallboard_asgi.py): every event, with its payload (the changed agent's
  figures and every queue's), pushed to every client, which applies what it receives.
Every client holds what came, and reopens a socket that fails or closes after 1, 2, 4...
s, fetching anew (the feed: its first message).

The scenario (the same, seeded, for each design): 40 agents and 4 queues; 1,000 changes in
bursts (10 of 100, a second apart), each one committed service call of the ACD as the
telephony webhooks make them: a caller enters a queue (a Call and `caller_enqueue`),
abandons (`entry_abandoned`), is offered to a free agent (`offer_to_agent`), is answered
(`offer_accepted`), hangs up (`conversation_ended`: the agent wraps up), and agents become
available or not ready with a reason (`agent_set_state`). The driver is this process,
with Django, as a web or worker process would be.

What is measured:
- lost N: clients whose final figures (after the last change and a settling time) differ
  from the database's, read by the same selectors; compared per agent: state, reason, since
  when, calls handled, the call's queue; per queue: waiting, callbacks, offered, answered,
  abandoned, short abandons, handled, agents by state and not-ready reason (figures that
  tick with the clock, such as the longest wait, are left out);
- the time from a change's commit to every client showing it: a client shows an agent's
  change once it holds that agent with this state_since or a later one, a queue's once it
  holds that queue's counters (offered + answered + abandoned + handled) at this count or
  more; p50/p99 over the changes, of the slowest client each; a change some client never
  showed counts as infinitely late;
- messages, snapshots held (those fetched: and their time) and reconnects per client, and
  CPU (% of one core) of gunicorn, daphne and the clients' process. The machine is
  shared: what other processes take shows in these times.

PASS/FAIL (the figures feed): lost 0 with every client connected at the end, p99 < 1 s.
Exit 1 on a miss. The page's and the naive design's figures are printed beside it,
without a target.

    .venv/bin/python bench/wallboard.py [--clients 200] [--changes 1000] [--bursts 10]

The database comes from BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
callcenter_bench), created and migrated if needed; the rows this script owns are named
bench-wall-*; Redis from BENCH_REDIS_URL (default redis://127.0.0.1:6379/0). A few
minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import http.client
import json
import math
import multiprocessing
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any

from _common import create_database_if_missing
from psycopg.conninfo import conninfo_to_dict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = PROJECT_ROOT / "bench"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/callcenter_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
HOST = "127.0.0.1"
PYTHON = sys.executable

QUEUES_PATH = "/api/realtime/queues/"
AGENTS_PATH = "/api/realtime/agents/"
NOTICE_PATH = "/ws/floor/"
FIGURES_PATH = "/ws/floor/figures/"
NAIVE_PATH = "/bench/ws/naive-floor/"  # bench/_wallboard_asgi.py
SOCKET_PATHS = {"figures": FIGURES_PATH, "notice": NOTICE_PATH, "naive": NAIVE_PATH}
NAIVE_GROUP = "bench-naive-floor"  # bench/_wallboard_asgi.py

PREFIX = "bench-wall-"
LINE_NUMBER = "+18005550177"
TARGET_LOST = 0
READY_SECONDS = 120.0  # for every client's first snapshot
TARGET_P99_S = 1.0
SEED = 20261204
DESIGNS = {
    "figures": "the figures after each notice, pushed (product, the wall displays' feed)",
    "notice": "notice + snapshot fetched (product, the wallboard page)",
    "naive": "every event to every client",
}

# The figures a client and the database must agree on (those that do not tick).
AGENT_FIELDS = ("state", "reason", "state_since", "handled_today", "call_queue")
QUEUE_FIELDS = (
    "waiting", "callbacks_pending", "offered", "answered", "abandoned", "short_abandoned",
    "handled", "agents_by_state", "not_ready_by_reason",
)  # fmt: skip
# A queue's counters only grow: a client shows a queue's change once their sum has.
PROGRESS_FIELDS = ("offered", "answered", "abandoned", "short_abandoned", "handled")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    create_database_if_missing(database_url)
    env = bench_environment(database_url)
    setup_django(env)

    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    floor = ensure_floor(args.agents, args.queues)
    sessions = client_sessions(args.clients)
    print(f"database   {conninfo_to_dict(database_url).get('dbname', '?')}")
    print(
        f"scenario   {args.agents} agents, {args.queues} queues; {args.changes:,} changes in "
        f"{args.bursts} bursts, {args.pause:g} s apart; {args.clients} wallboard clients; "
        f"settle {args.settle:g} s"
    )
    print(f"setup      {time.perf_counter() - started:.1f} s (migrations, data, sessions)")
    server_env = {
        **env,
        "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), str(BENCH_DIR)]),
    }
    http_port, ws_port = free_port(), free_port()
    # Production's split (README): HTTP on gunicorn sync workers, websockets on daphne
    # without persistent database connections (each ASGI request has its own thread).
    web = [PYTHON, "-m", "gunicorn", "--worker-class=sync", f"--workers={args.workers}"]
    web += ["--no-control-socket", f"--bind={HOST}:{http_port}", "callcenter.wsgi:application"]
    sockets = [PYTHON, "-m", "daphne", "-b", HOST, "-p", str(ws_port), "-v0"]
    sockets.append("_wallboard_asgi:application")
    print(
        f"servers    HTTP gunicorn, {args.workers} sync workers (port {http_port}); websockets "
        f"daphne, 1 process, Redis channel layer (port {ws_port})"
    )
    ports = Ports(http_port, ws_port)
    results = []
    with (
        tempfile.TemporaryFile() as web_log,
        tempfile.TemporaryFile() as ws_log,
        serving(web, server_env, http_port, web_log) as web_pid,
        serving(sockets, {**server_env, "CONN_MAX_AGE": "0"}, ws_port, ws_log) as ws_pid,
    ):
        try:
            warm_up(ports, sessions[0])
            for design in args.designs:
                print()
                results.append(run_design(design, args, floor, sessions, ports, (web_pid, ws_pid)))
        finally:
            print_logs({"gunicorn": web_log, "daphne": ws_log})
    return report(results)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200, help="open wallboards")
    parser.add_argument("--changes", type=int, default=1000, help="floor changes in all")
    parser.add_argument("--bursts", type=int, default=10, help="bursts the changes come in")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between bursts")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds after the last")
    parser.add_argument("--agents", type=int, default=40)
    parser.add_argument("--queues", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument(
        "--designs",
        nargs="+",
        choices=list(DESIGNS),
        default=list(DESIGNS),
        help="designs to run (the verdict needs figures)",
    )
    args = parser.parse_args(argv)
    if "figures" not in args.designs:
        parser.error("the verdict is on the figures design: run it")
    if min(args.clients, args.changes, args.bursts, args.agents, args.queues) < 1:
        parser.error("counts must be positive")
    if args.clients > 1000 or args.changes > 20_000 or args.pause > 10 or args.settle > 30:
        parser.error("at most 1,000 clients, 20,000 changes, 10 s pauses, 30 s settling")
    return args


# --- Setup ---------------------------------------------------------------------------------


def bench_environment(database_url: str) -> dict[str, str]:
    """This script's and the server's environment: production-like, on the bench database."""
    env = dict(os.environ)
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_BASE_URL"):
        env.pop(name, None)  # simulator mode: nothing reaches Twilio
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        DEBUG="false",
        SECRET_KEY="benchmark-only-key-not-a-secret",
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS=HOST,
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="callcenter.settings",
    )
    return env


def setup_django(env: dict[str, str]) -> None:
    sys.path.insert(0, str(PROJECT_ROOT))
    for name in set(os.environ) - set(env):
        del os.environ[name]
    os.environ.update(env)

    import django

    django.setup()
    from callcenter.celery import app

    # The ACD asks Celery to route after each change; no worker runs here (the scenario
    # offers calls itself), so those requests stay in this process.
    app.conf.broker_url = "memory://"


@dataclass(frozen=True)
class Ports:
    http: int
    ws: int


@dataclass(frozen=True)
class Floor:
    agent_ids: list[int]
    queue_ids: list[int]


def ensure_floor(agents: int, queues: int) -> Floor:
    """The benchmark's queues and agents (made once)."""
    from django.contrib.auth.models import User
    from django.db import transaction

    from telephony.models import AgentProfile, Queue

    with transaction.atomic():
        queue_ids = []
        for index in range(queues):
            queue, _ = Queue.objects.get_or_create(name=f"{PREFIX}queue-{index}")
            queue_ids.append(queue.pk)
        agent_ids = []
        for index in range(agents):
            user, _ = User.objects.get_or_create(username=f"{PREFIX}agent-{index:03d}")
            profile, _ = AgentProfile.objects.get_or_create(
                user=user, defaults={"client_identity": f"{PREFIX}agent-{index:03d}"}
            )
            agent_ids.append(profile.pk)
    return Floor(agent_ids, queue_ids)


def client_sessions(count: int) -> list[str]:
    """A signed-in session for each wallboard, each a manager of their own (the API's
    per-user throttle would refuse one user's 200 boards), made once."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone

    from callcenter.roles import MANAGER

    names = [f"{PREFIX}manager-{index:04d}" for index in range(count)]
    with transaction.atomic():
        existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        made = User.objects.bulk_create(
            User(username=name) for name in names if name not in existing
        )
        Group.objects.get(name=MANAGER).user_set.add(*made)
    Session.objects.filter(expire_date__lt=timezone.now()).delete()
    keys = []
    for user in User.objects.filter(username__in=names).order_by("username"):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    return keys


def reset_floor(floor: Floor) -> None:
    """Every benchmark agent available with no call, the benchmark's queues empty: no
    notice (no wallboard is open yet)."""
    from django.db import transaction
    from django.utils import timezone

    from telephony.models import AgentProfile, AgentStateChange, Call, QueueEntry

    now = timezone.now()
    with transaction.atomic():
        AgentProfile.objects.filter(pk__in=floor.agent_ids).update(current_entry=None)
        QueueEntry.objects.filter(queue_id__in=floor.queue_ids).delete()
        Call.objects.filter(to_number=LINE_NUMBER).delete()
        AgentStateChange.objects.filter(agent_id__in=floor.agent_ids).delete()
        AgentProfile.objects.filter(pk__in=floor.agent_ids).update(
            state=AgentProfile.State.AVAILABLE, reason="", state_since=now, idle_since=now
        )
        AgentStateChange.objects.bulk_create(
            AgentStateChange(agent_id=agent, state=AgentProfile.State.AVAILABLE, started_at=now)
            for agent in floor.agent_ids
        )


# --- The scenario ----------------------------------------------------------------------------


@dataclass
class Change:
    """One committed change and what shows it: (key, value) pairs a client must reach."""

    action: str
    committed: float  # time.time() after the commit
    marks: list[tuple[str, float]]


class Scenario:
    """Changes to the floor through the ACD's services, chosen by a seeded generator from
    what is possible now (a free agent for an offer, a caller on a call to end...)."""

    def __init__(self, floor: Floor, seed: int) -> None:
        self.floor = floor
        self.rng = random.Random(seed)
        self.state = dict.fromkeys(floor.agent_ids, "available")
        self.entry_of: dict[int, int] = {}  # agent -> entry offered or connected
        self.waiting: list[tuple[int, int]] = []  # (entry, queue)
        self.queue_of: dict[int, int] = {}  # entry -> queue
        self.progress = dict.fromkeys(floor.queue_ids, 0)

    def _agents(self, state: str) -> list[int]:
        return [agent for agent, now in self.state.items() if now == state]

    def step(self) -> Change:
        """Make one change, committed on return."""
        options: list[tuple[str, float]] = []
        if len(self.waiting) < 12:
            options.append(("enqueue", 3.0))
        if self.waiting:
            options.append(("abandon", 0.5))
            if self._agents("available"):
                options.append(("offer", 3.0))
        for action, state, weight in (
            ("answer", "offered", 3.0),
            ("hang_up", "on_call", 2.0),
            ("wrap_up_done", "wrap_up", 2.0),
            ("not_ready", "available", 1.0),
            ("ready", "not_ready", 1.5),
        ):
            if self._agents(state):
                options.append((action, weight))
        actions, weights = zip(*options, strict=True)
        action = self.rng.choices(actions, weights)[0]
        marks = getattr(self, action)()
        return Change(action, time.time(), marks)

    def _agent_mark(self, agent_id: int) -> tuple[str, float]:
        from telephony.models import AgentProfile

        since = AgentProfile.objects.values_list("state_since", flat=True).get(pk=agent_id)
        return (f"a{agent_id}", since.timestamp())

    def _queue_mark(self, queue_id: int) -> tuple[str, float]:
        self.progress[queue_id] += 1
        return (f"q{queue_id}", float(self.progress[queue_id]))

    def enqueue(self) -> list[tuple[str, float]]:
        from telephony.acd.waiting import caller_enqueue
        from telephony.models import Call, Queue

        queue = Queue.objects.get(pk=self.rng.choice(self.floor.queue_ids))
        call = Call.objects.create(
            sid=f"CA{uuid.uuid4().hex}",
            direction=Call.Direction.INBOUND,
            from_number=f"+1212555{self.rng.randrange(10_000):04d}",
            to_number=LINE_NUMBER,
        )
        entry = caller_enqueue(call=call, queue=queue)
        self.waiting.append((entry.pk, queue.pk))
        self.queue_of[entry.pk] = queue.pk
        return [self._queue_mark(queue.pk)]

    def abandon(self) -> list[tuple[str, float]]:
        from telephony.acd.offers import entry_abandoned

        entry, queue = self.waiting.pop(self.rng.randrange(len(self.waiting)))
        entry_abandoned(entry_id=entry)
        return [self._queue_mark(queue)]

    def offer(self) -> list[tuple[str, float]]:
        from telephony.acd.routing import offer_to_agent

        entry, _ = self.waiting.pop(0)
        agent = self.rng.choice(self._agents("available"))
        if offer_to_agent(entry_id=entry, agent_id=agent) is None:
            raise RuntimeError(f"agent {agent} was not offered entry {entry}")
        self.state[agent], self.entry_of[agent] = "offered", entry
        return [self._agent_mark(agent)]

    def answer(self) -> list[tuple[str, float]]:
        from telephony.acd.offers import offer_accepted

        agent = self.rng.choice(self._agents("offered"))
        entry = self.entry_of[agent]
        if offer_accepted(entry_id=entry) is None:
            raise RuntimeError(f"entry {entry} was not answered")
        self.state[agent] = "on_call"
        return [self._agent_mark(agent), self._queue_mark(self.queue_of[entry])]

    def hang_up(self) -> list[tuple[str, float]]:
        from telephony.acd.offers import conversation_ended

        agent = self.rng.choice(self._agents("on_call"))
        entry = self.entry_of.pop(agent)
        if conversation_ended(entry_id=entry) is None:
            raise RuntimeError(f"entry {entry} did not end")
        self.state[agent] = "wrap_up"
        return [self._agent_mark(agent), self._queue_mark(self.queue_of[entry])]

    def _presence(self, agent: int, state: str, reason: str = "") -> list[tuple[str, float]]:
        from telephony.acd.presence import agent_set_state
        from telephony.models import AgentProfile

        agent_set_state(agent=AgentProfile(pk=agent), state=state, reason=reason)
        self.state[agent] = state
        return [self._agent_mark(agent)]

    def wrap_up_done(self) -> list[tuple[str, float]]:
        return self._presence(self.rng.choice(self._agents("wrap_up")), "available")

    def not_ready(self) -> list[tuple[str, float]]:
        reason = self.rng.choice(["break", "lunch", "training", "meeting"])
        return self._presence(self.rng.choice(self._agents("available")), "not_ready", reason)

    def ready(self) -> list[tuple[str, float]]:
        return self._presence(self.rng.choice(self._agents("not_ready")), "available")


class NaiveSender:
    """The naive design's server side: after each change, its payload (the changed agent's
    figures and every queue's) to every wallboard, in order, one group message per event."""

    def __init__(self, floor: Floor) -> None:
        self.floor = floor
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.queue: asyncio.Queue[dict | None] = asyncio.Queue()
        self.done = asyncio.run_coroutine_threadsafe(self._send_all(), self.loop)
        self.sent = 0

    async def _send_all(self) -> None:
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        while (payload := await self.queue.get()) is not None:
            await layer.group_send(NAIVE_GROUP, {"type": "floor.event", "payload": payload})
            self.sent += 1

    def event(self, change: Change) -> None:
        from floor import selectors
        from floor.serializers import AgentLiveSerializer, QueueLiveSerializer
        from telephony.models import AgentProfile, Queue

        agents = [int(key[1:]) for key, _ in change.marks if key.startswith("a")]
        payload = {
            "queues": QueueLiveSerializer(
                [
                    f.as_dict()
                    for f in selectors.queue_figures(
                        queues=Queue.objects.filter(pk__in=self.floor.queue_ids)
                    )
                ],
                many=True,
            ).data,
            "agents": AgentLiveSerializer(
                [
                    f.as_dict()
                    for f in selectors.agent_figures(
                        agents=AgentProfile.objects.filter(pk__in=agents)
                    )
                ],
                many=True,
            ).data,
        }
        # JSON now: the layer's msgpack takes no OrderedDict or Decimal.
        self.loop.call_soon_threadsafe(self.queue.put_nowait, json.loads(json.dumps(payload)))

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.queue.put_nowait, None)
        self.done.result(timeout=60)
        self.loop.call_soon_threadsafe(self.loop.stop)


def database_figures(floor: Floor) -> dict[str, Any]:
    """The floor by the database, as the API serializes it (the compared fields only)."""
    from floor import selectors
    from floor.serializers import AgentLiveSerializer, QueueLiveSerializer
    from telephony.models import AgentProfile, Queue

    queues = selectors.queue_figures(queues=Queue.objects.filter(pk__in=floor.queue_ids))
    agents = selectors.agent_figures(agents=AgentProfile.objects.filter(pk__in=floor.agent_ids))
    return projected(
        json.loads(json.dumps(QueueLiveSerializer([q.as_dict() for q in queues], many=True).data)),
        json.loads(json.dumps(AgentLiveSerializer([a.as_dict() for a in agents], many=True).data)),
        floor,
    )


def projected(queues: list[dict], agents: list[dict], floor: Floor) -> dict[str, Any]:
    """The compared figures of the benchmark's queues and agents, by key."""
    mine = {f"q{q}" for q in floor.queue_ids} | {f"a{a}" for a in floor.agent_ids}
    rows = {f"q{q['id']}": {f: q[f] for f in QUEUE_FIELDS} for q in queues}
    rows |= {f"a{a['id']}": {f: a[f] for f in AGENT_FIELDS} for a in agents}
    return {key: row for key, row in rows.items() if key in mine}


# --- The clients -----------------------------------------------------------------------------


def mark_of(key: str, row: dict) -> float:
    """How far a held row shows its changes: an agent's state_since, a queue's counters."""
    if key.startswith("a"):
        return parse_time(row["state_since"])
    return float(sum(row[f] for f in PROGRESS_FIELDS))


def parse_time(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()


@dataclass
class Held:
    """What one wallboard holds, and when it came to hold each key's mark."""

    rows: dict[str, dict] = field(default_factory=dict)
    seen: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # (mark, time)
    notices: int = 0
    fetches: int = 0
    messages: int = 0
    errors: int = 0
    ready: bool = False  # held a first snapshot
    connected: bool = False
    reconnects: int = 0
    fetch_seconds: list[float] = field(default_factory=list)  # after notices
    failure: str = ""  # why its socket last failed, if it did

    def hold(self, rows: dict[str, dict], at: float) -> None:
        for key, row in rows.items():
            self.rows[key] = row
            mark = mark_of(key, row)
            seen = self.seen.setdefault(key, [])
            if not seen or mark > seen[-1][0]:
                seen.append((mark, at))


async def run_clients(
    design: str, ports: Ports, sessions: list[str], floor: Floor, pipe: Connection
) -> None:
    import aiohttp

    base = f"http://{HOST}:{ports.http}"
    ws_base = f"ws://{HOST}:{ports.ws}"
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as http:

        async def snapshot(cookie: dict[str, str]) -> dict[str, dict]:
            async def get(path: str) -> list[dict]:
                async with http.get(path, headers=cookie) as response:
                    response.raise_for_status()
                    return await response.json()

            queues, agents = await asyncio.gather(get(QUEUES_PATH), get(AGENTS_PATH))
            return projected(queues, agents, floor)

        helds = [Held() for _ in sessions]
        stop = asyncio.Event()
        ready = 0
        all_ready = asyncio.Event()

        def counted_ready() -> None:
            nonlocal ready
            ready += 1
            if ready == len(sessions):
                all_ready.set()

        async def client(session_key: str, held: Held) -> None:
            # As static/js/live.js: a socket that fails or closes is opened again after
            # 1 s, then 2, 4... (at most 30), and the page fetches its snapshot anew.
            delay = 1.0
            while not stop.is_set():
                try:
                    await wallboard(session_key, held)
                    delay = 1.0
                except (aiohttp.ClientError, OSError, TimeoutError) as error:
                    held.failure = f"{type(error).__name__}: {error}"
                if stop.is_set():
                    break
                held.connected = False
                held.reconnects += 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                delay = min(2 * delay, 30.0)

        async def wallboard(session_key: str, held: Held) -> None:
            cookie = {"Cookie": f"sessionid={session_key}"}
            url = ws_base + SOCKET_PATHS[design]
            origin = f"http://{HOST}:{ports.ws}"

            def first_held() -> None:
                if not held.ready:
                    held.ready = True
                    counted_ready()

            async with http.ws_connect(url, headers=cookie, origin=origin, heartbeat=None) as ws:
                held.connected = True
                if design != "figures":  # the feed sends the figures first, unasked
                    held.hold(await snapshot(cookie), time.time())
                    held.fetches += 1
                    first_held()
                wanted = asyncio.Event()

                async def fetcher() -> None:
                    # One fetch at a time; notices meanwhile make one more (hx-sync queue last).
                    while True:
                        await wanted.wait()
                        wanted.clear()
                        began = time.perf_counter()
                        try:
                            rows = await snapshot(cookie)
                        except (aiohttp.ClientError, TimeoutError):
                            held.errors += 1
                            continue
                        held.hold(rows, time.time())
                        held.fetches += 1
                        held.fetch_seconds.append(time.perf_counter() - began)

                fetching = asyncio.create_task(fetcher())
                reading = asyncio.create_task(ws.receive())
                stopping = asyncio.create_task(stop.wait())
                while True:
                    done, _ = await asyncio.wait(
                        {reading, stopping}, return_when=asyncio.FIRST_COMPLETED
                    )
                    if stopping in done:
                        break
                    message = reading.result()
                    if message.type != aiohttp.WSMsgType.TEXT:
                        held.errors += 1
                        break
                    held.messages += 1
                    data = json.loads(message.data)
                    if design == "notice":
                        held.notices += 1
                        wanted.set()
                    else:
                        held.hold(projected(data["queues"], data["agents"], floor), time.time())
                        if design == "figures":
                            held.fetches += 1
                            first_held()
                    reading = asyncio.create_task(ws.receive())
                reading.cancel()
                fetching.cancel()

        tasks = []
        for index, (key, held) in enumerate(zip(sessions, helds, strict=True)):
            tasks.append(asyncio.create_task(client(key, held)))
            if index % 10 == 9:
                await asyncio.sleep(0.25)  # pages open over a few seconds, not all at once
        # Clients still not connected by then count as lost.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_ready.wait(), timeout=READY_SECONDS)
        pipe.send("ready")
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, pipe.recv)  # "stop"
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    pipe.send(
        [
            (
                h.rows,
                h.seen,
                h.notices,
                h.fetches,
                h.messages,
                h.errors,
                h.failure,
                h.fetch_seconds,
                h.reconnects,
                h.connected,
            )
            for h in helds
        ]
    )


def clients_process(
    design: str, ports: Ports, sessions: list[str], floor: Floor, pipe: Connection
) -> None:
    try:
        asyncio.run(run_clients(design, ports, sessions, floor, pipe))
    except Exception as error:
        pipe.send(f"error: {type(error).__name__}: {error}")
        raise


# --- One design's run ------------------------------------------------------------------------


@dataclass
class DesignResult:
    design: str
    clients: int
    changes: int
    seconds: float  # from the first change to the last
    lost: int
    lost_rows: int
    unseen: int  # changes some client never showed
    p50: float
    p99: float
    worst: float
    notices: float
    fetches: float
    messages: float
    errors: int
    web_cpu: float
    ws_cpu: float
    client_cpu: float
    failures: Counter[str]
    reconnects: int
    disconnected: int
    fetch_seconds: list[float]
    sent: int = 0


def run_design(
    design: str,
    args: argparse.Namespace,
    floor: Floor,
    sessions: list[str],
    ports: Ports,
    servers: tuple[int, int],
) -> DesignResult:
    reset_floor(floor)
    # A fresh interpreter: no Django, no threads of this process in the load generator.
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(
        target=clients_process, args=(design, ports, sessions, floor, child), daemon=True
    )
    process.start()
    answer = parent.recv()
    if answer != "ready":
        process.join(5)
        raise SystemExit(f"the {design} clients failed: {answer}")
    print(f"== {design}: {DESIGNS[design]}; {len(sessions)} clients connected")
    scenario = Scenario(floor, SEED)
    naive = NaiveSender(floor) if design == "naive" else None
    changes: list[Change] = []
    web_before, ws_before = (group_cpu_seconds(pid) for pid in servers)
    client_before = group_cpu_seconds(process.pid or 0, group=False)
    started = time.perf_counter()
    per_burst = math.ceil(args.changes / args.bursts)
    for burst in range(args.bursts):
        for _ in range(min(per_burst, args.changes - len(changes))):
            change = scenario.step()
            changes.append(change)
            if naive is not None:
                naive.event(change)
        if burst < args.bursts - 1:
            time.sleep(args.pause)
    seconds = time.perf_counter() - started
    time.sleep(args.settle)
    elapsed = time.perf_counter() - started
    web_cpu = 100 * (group_cpu_seconds(servers[0]) - web_before) / elapsed
    ws_cpu = 100 * (group_cpu_seconds(servers[1]) - ws_before) / elapsed
    client_cpu = 100 * (group_cpu_seconds(process.pid or 0, group=False) - client_before) / elapsed
    sent = 0
    if naive is not None:
        naive.close()
        sent = naive.sent
    truth = database_figures(floor)
    parent.send("stop")
    held = parent.recv()
    process.join(10)
    if isinstance(held, str):
        raise SystemExit(f"the {design} clients failed: {held}")

    lost = lost_rows = 0
    for rows, *_ in held:
        wrong = sum(rows.get(key) != row for key, row in truth.items())
        lost += wrong > 0
        lost_rows += wrong
    # Per change, the slowest client; a change a client never showed: infinitely late.
    delays = []
    for change in changes:
        slowest = 0.0
        for _, seen, *_ in held:
            for key, mark in change.marks:
                history = seen.get(key, [])
                at = bisect.bisect_left([m for m, _ in history], mark - 1e-6)
                slowest = max(
                    slowest, history[at][1] - change.committed if at < len(history) else math.inf
                )
        delays.append(slowest)
    delays.sort()
    count = len(held)
    result = DesignResult(
        design=design,
        clients=count,
        changes=len(changes),
        seconds=seconds,
        lost=lost,
        lost_rows=lost_rows,
        unseen=sum(d == math.inf for d in delays),
        p50=percentile(delays, 0.5),
        p99=percentile(delays, 0.99),
        worst=delays[-1],
        notices=sum(h[2] for h in held) / count,
        fetches=sum(h[3] for h in held) / count,
        messages=sum(h[4] for h in held) / count,
        errors=sum(h[5] for h in held),
        reconnects=sum(h[8] for h in held),
        disconnected=sum(not h[9] for h in held),
        failures=Counter(h[6] for h in held if h[6]),
        fetch_seconds=sorted(t for h in held for t in h[7]),
        web_cpu=web_cpu,
        ws_cpu=ws_cpu,
        client_cpu=client_cpu,
        sent=sent,
    )
    print_design(result)
    return result


def warm_up(ports: Ports, session_key: str) -> None:
    """Each server's first requests load code and open connections: not the figures'."""
    from concurrent.futures import ThreadPoolExecutor

    def fetch(job: tuple[int, str]) -> None:
        port, path = job
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        try:
            connection.request("GET", path, headers={"Cookie": f"sessionid={session_key}"})
            connection.getresponse().read()
        finally:
            connection.close()

    jobs = [(ports.http, path) for path in (QUEUES_PATH, AGENTS_PATH)] * 8
    jobs += [(ports.ws, QUEUES_PATH)] * 4
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(fetch, jobs))


def print_logs(logs: dict[str, IO[bytes]]) -> None:
    """The servers' distinct warnings and errors, first seen first, with their counts (the
    readiness probe's refusals left out)."""
    seen: Counter[str] = Counter()
    for name, log in logs.items():
        log.seek(0)
        for line in log.read().decode(errors="replace").splitlines():
            if "Forbidden: " + QUEUES_PATH in line or "No directory at" in line:
                continue
            words = ("WARNING", "ERROR", "Error", "Exception")
            if any(word in line for word in words) and not line.startswith(" "):
                # Without the time stamp and the task's number: the same message counts once.
                message = line.split(" ", 2)[-1] if line[:2] == "20" else line
                seen[f"{name}: {re.sub(r'Task-[0-9]+', 'Task-N', message)[:160]}"] += 1
    if seen:
        print("\nserver logs (distinct warnings and errors, first seen first):")
        for message, count in list(seen.items())[:12]:
            print(f"   | {count:5d} x {message}")


def percentile(values: Sequence[float], share: float) -> float:
    return values[min(len(values) - 1, math.ceil(share * len(values)) - 1)] if values else 0.0


def print_design(result: DesignResult) -> None:
    print(
        f"   changes     {result.changes:,} in {result.seconds:.1f} s "
        f"({result.changes / result.seconds:.0f}/s in bursts)"
    )
    print(
        f"   per client  {result.messages:.0f} websocket messages, {result.fetches:.0f} "
        f"snapshots held; {result.errors} errors"
        + (f"; {result.sent:,} events sent to the group" if result.design == "naive" else "")
    )
    if result.fetch_seconds:
        fetched = result.fetch_seconds
        print(
            f"   fetch       p50 {seconds(percentile(fetched, 0.5))}, p99 "
            f"{seconds(percentile(fetched, 0.99))} (a snapshot: queues and agents, in parallel)"
        )
    print(
        f"   shown       p50 {seconds(result.p50)}, p99 {seconds(result.p99)}, worst "
        f"{seconds(result.worst)} (change -> every client); {result.unseen} changes never "
        "shown by some client"
    )
    print(
        f"   final       lost {result.lost} (clients whose figures differ from the "
        f"database: {result.lost_rows} rows)"
    )
    print(
        f"   sockets     {result.reconnects} reconnects; {result.disconnected} clients not "
        "connected at the end"
    )
    for failure, count in result.failures.most_common(3):
        print(f"   failed      {count} clients, last: {failure}")
    print(
        f"   cpu         gunicorn {result.web_cpu:.0f}%, daphne {result.ws_cpu:.0f}%, clients "
        f"{result.client_cpu:.0f}% (of one core, first change to settled)"
    )


def seconds(value: float) -> str:
    return "never" if value == math.inf else f"{value * 1000:.0f} ms"


def report(results: list[DesignResult]) -> int:
    by_design = {result.design: result for result in results}
    product = by_design["figures"]
    print()
    print("== verdict")
    for other in results:
        if other is product:
            continue
        label = "page" if other.design == "notice" else other.design
        print(
            f"{label:10} lost {other.lost}, p99 {seconds(other.p99)}, {other.messages:.0f} "
            f"messages and {other.fetches:.0f} snapshots per client [baseline, no target]"
        )
    if naive := by_design.get("naive"):
        if naive.p99 not in (0, math.inf) and product.p99 not in (0, math.inf):
            ratio = f"{naive.p99 / product.p99:.1f}x"
        else:
            ratio = "n/a"
        print(
            f"product    {product.messages:.0f} figures messages per client vs "
            f"{naive.messages:.0f} events; p99 naive/product {ratio}"
        )
    ok_lost = product.lost <= TARGET_LOST and product.errors == 0 and not product.disconnected
    ok_p99 = product.p99 < TARGET_P99_S
    print(
        f"product    lost {product.lost} (target {TARGET_LOST}; {product.errors} client errors) "
        f"{'PASS' if ok_lost else 'FAIL'}"
    )
    print(
        f"product    p99 {seconds(product.p99)} from a change to every client showing it "
        f"(target < {TARGET_P99_S * 1000:.0f} ms) {'PASS' if ok_p99 else 'FAIL'}"
    )
    return 0 if ok_lost and ok_p99 else 1


# --- Processes -------------------------------------------------------------------------------


def group_cpu_seconds(pid: int, *, group: bool = True) -> float:
    """CPU seconds used by `pid` (threads included) and, with `group`, by every process of
    the group it leads (a server's workers)."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        # After the name: state, ppid, pgrp...; utime and stime are the 12th and 13th.
        if int(entry.name) == pid or (group and int(fields[2]) == pid):
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving(command: list[str], env: dict[str, str], port: int, log: IO[bytes]) -> Iterator[int]:
    """Start the server, wait until it answers, and always stop it; yields its pid."""
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise SystemExit(f"the server did not start:\n{log.read().decode()[-2000:]}")
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            try:
                connection.request("GET", QUEUES_PATH)
                if connection.getresponse().status in (401, 403):
                    break
            except OSError:
                pass
            finally:
                connection.close()
            time.sleep(0.2)
        yield process.pid
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


if __name__ == "__main__":
    sys.exit(main())
