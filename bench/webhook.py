"""Incoming-call webhook under load: half a minimal hand-written webhook's throughput, and
fast at 50/s?

Every call starts with Twilio POSTing `/telephony/voice/incoming/`, and the caller hears
dead air until we answer. This script serves the app from a dedicated PostgreSQL database
(and Redis, as production) and measures that webhook over real HTTP:

- the scenario: each request is a new, correctly signed call (new CallSid, X-Twilio-Signature
  for PUBLIC_BASE_URL = the address served) to a line whose IVR flow starts with a `say` node
  leading to a `menu`. Callers alternate between known customers (caller ID in the CRM:
  answered in their language) and unknown numbers (answered in the line's language). Every
  answer is checked: 200, application/xml, a <Say> in the expected language, a <Redirect> to
  the menu; at the end the Call and CallEvent rows must match the answered requests, and the
  calls tied to a customer the known callers;
- the baseline: `/bench/minimal-incoming/` (bench/_baseline_urls.py), a hand-written view in
  the same server, settings and middleware doing only the essential work: Twilio's
  signature checked, the caller looked up by the indexed phone (1 SELECT), the call row
  written (1 INSERT), the same TwiML answered (and checked like the webhook's). Webhook
  req/s / baseline req/s is the share of throughput the product's own work leaves (event
  log, IVR path, idempotence, parameter checks, the transaction). `/bench/constant-twiml/`
  (no work at all) is printed for reference: the server's ceiling;
- a whole call's webhooks (`call_webhooks`: incoming, the menu, the caller's input, the
  queue's wait twice, the queue result, status callbacks for ringing, answered and
  completed: 9 per call), callers making call after call, in calls per second;
- the SQL statements per webhook, counted in this process through Django's test client;
- the servers, each started fresh on a free loopback port and stopped at the end: gunicorn
  with sync workers over WSGI, the production process model (`--servers` tries others for
  reference: daphne, gthread, uvicorn, gasgi, with `kind:workers[xthreads]` sizes).

Per server: a warm-up; closed-loop throughput with 32 keep-alive connections, the constant
view once, then baseline and webhook alternating in rounds; the webhook alone, open-loop at
a steady 50 requests/s, latency counted from each request's scheduled send time (a stalled
server's backlog stays in the numbers); then whole calls, closed-loop.

Reading the output: per server and run, req/s and p50/p99 latency in ms (closed-loop latency
is mostly queueing, with 32 requests always in flight), non-200 answers, bad answers (wrong
TwiML or transport errors), and CPU as % of one core (200% is the whole 2-core machine) used
by the server's processes, PostgreSQL, this script (the load generator) and anything else:
above 15% of "other", the run was disturbed and a warning says so (the machine is shared).
PASS/FAIL lines: ratio >= 0.5 for every server, p99 < 100 ms at 50 req/s for the production
server, and no error anywhere; whole calls per second are a figure without a target. Exit
code 1 if the production server misses a target or any request failed.

    .venv/bin/python bench/webhook.py [--servers daphne,sync:4,gthread:3x4] [--seconds 5]

The database comes from BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
callcenter_bench), created and migrated if needed and shared with the other benchmarks;
Redis from BENCH_REDIS_URL (default redis://127.0.0.1:6379/0). Calls of earlier runs to
the benchmark line are deleted first. About 1.5 minutes."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import http.client
import itertools
import math
import operator
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlencode

from _common import create_database_if_missing
from psycopg.conninfo import conninfo_to_dict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = PROJECT_ROOT / "bench"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/callcenter_bench"
HOST = "127.0.0.1"

WEBHOOK_PATH = "/telephony/voice/incoming/"
BASELINE_PATH = "/bench/minimal-incoming/"  # bench/_baseline_urls.py
CONSTANT_PATH = "/bench/constant-twiml/"  # bench/_baseline_urls.py
CONSTANT_REDIRECT = "http://127.0.0.1:8000/telephony/voice/ivr/1/"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

TARGET_RATIO = 0.5
TARGET_P99_MS = 100.0
NOISE_LIMIT = 15.0  # % of one core used by other processes beyond which we warn
SEED = 20251123

# The benchmark's own line, flow and customers, kept apart from the demo's and the other
# benchmarks' data by their names, so they can be found again and reused.
LINE_NUMBER = "+18005550123"
LINE_LANGUAGE = "en-GB"  # unknown callers hear this; known ones their own language
FLOW_NAME = "Webhook benchmark"
GREETING = "Welcome to the benchmark line."
ACCOUNT_PREFIX = "BENCH-WH-"
CUSTOMER_LANGUAGES = ("en-US", "es-US", "fr-CA")
AREA_CODES = (212, 305, 312, 415, 512, 617, 702, 808, 917, 971)

PYTHON = sys.executable


# --- Servers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    """A way to serve the app: `kind[:workers[xthreads]]`, e.g. daphne, gthread:2x8, sync:5."""

    name: str
    description: str
    command: tuple[str, ...]  # after `python -m`; "{port}" is replaced by the port
    env: dict[str, str]  # settings for this process model, on top of the benchmark's

    def argv(self, port: int) -> list[str]:
        return [PYTHON, "-m", *(part.replace("{port}", str(port)) for part in self.command)]


# Django's ASGI handler runs each request's sync code in a thread of its own, so persistent
# connections (CONN_MAX_AGE > 0) pile up until PostgreSQL refuses more ("too many clients").
# Django's docs say to disable them under ASGI: each request then opens its own connection.
ASGI_ENV = {"CONN_MAX_AGE": "0"}
WSGI_APP, ASGI_APP = "callcenter.wsgi:application", "callcenter.asgi:application"
SERVER_KINDS = {
    # kind: (default workers, default threads, description)
    "daphne": (1, 1, "daphne, 1 process, ASGI"),
    "gthread": (3, 4, "gunicorn, {w} gthread workers x {t} threads, WSGI"),
    "sync": (4, 1, "gunicorn, {w} sync workers, WSGI"),
    "uvicorn": (2, 1, "gunicorn, {w} uvicorn workers, ASGI"),
    "gasgi": (2, 1, "gunicorn, {w} native asgi workers, ASGI"),
}
# Production HTTP: sync workers, 2 per core. A sync worker takes a connection only when it is
# idle, so requests spread evenly; gthread workers accept keep-alive connections greedily,
# and one holding most of them caps the server at one core. Slow clients need a buffering
# proxy (nginx) in front of sync workers, which production has for TLS anyway.
DEFAULT_SERVERS = "sync"  # daphne and the others: --servers, for reference
DEFAULT_PRODUCTION = "sync"


def server_spec(name: str) -> Server:
    """The Server for a name such as `gthread:2x8` (ValueError if there is none)."""
    kind, _, sizes = name.partition(":")
    if kind not in SERVER_KINDS:
        raise ValueError(f"unknown server kind {kind!r}: choose from {', '.join(SERVER_KINDS)}")
    workers, threads, description = SERVER_KINDS[kind]
    if sizes:
        if kind == "daphne":
            raise ValueError("daphne is one process: no sizes")
        count, _, per_worker = sizes.partition("x")
        workers = int(count)
        threads = int(per_worker) if per_worker and kind == "gthread" else threads
        if (per_worker and kind != "gthread") or not 0 < workers <= 16 or not 0 < threads <= 64:
            raise ValueError(f"bad sizes in {name!r}")
    described = description.format(w=workers, t=threads)
    bind = ("--bind", f"{HOST}:{{port}}")
    if kind == "daphne":
        # -v0: no access log, like gunicorn's default.
        command = ("daphne", "-b", HOST, "-p", "{port}", "-v0", ASGI_APP)
        return Server(name, described, command, ASGI_ENV)
    sized = (f"--workers={workers}",) + ((f"--threads={threads}",) if kind == "gthread" else ())
    worker_class = {"uvicorn": "uvicorn_worker.UvicornWorker", "gasgi": "asgi"}.get(kind, kind)
    app, env = (ASGI_APP, ASGI_ENV) if kind in ("uvicorn", "gasgi") else (WSGI_APP, {})
    # No control socket: it lives in ~/.gunicorn, shared with any other gunicorn there.
    options = (f"--worker-class={worker_class}", *sized, "--no-control-socket", *bind)
    command = ("gunicorn", *options, app)
    return Server(name, described, command, env)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    create_database_if_missing(database_url)
    setup_django(database_url)

    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    menu_id, queue_id = ensure_line()
    known, unknown = ensure_callers(args.callers)
    deleted = delete_old_calls()
    # The load generator shares 2 cores with the server: keep Django's heap out of its GC.
    gc.collect()
    gc.freeze()

    print(f"database   {conninfo_to_dict(database_url).get('dbname', '?')}")
    print(
        f"scenario   {WEBHOOK_PATH} to {LINE_NUMBER}, flow greeting (say) -> menu; callers "
        f"alternate {len(known)} known customers / {len(unknown)} unknown numbers"
    )
    print(
        f"load       {args.connections} {'new' if args.no_keep_alive else 'keep-alive'} "
        f"connections closed-loop, {args.rounds} rounds "
        f"x {args.seconds:g} s per endpoint after {args.warmup:g} s warm-up; then "
        f"{args.paced_rate:g} req/s open-loop for {args.paced_seconds:g} s"
    )
    print(
        f"setup      {time.perf_counter() - started:.1f} s (migrations, data, {deleted:,} calls "
        "of earlier runs deleted)"
    )

    run_id = secrets.token_hex(4)
    statements = count_statements(
        menu_id=menu_id, queue_id=queue_id, caller=known[0], sid_prefix=f"{run_id}ffd"
    )
    print_statements(statements)
    results = []
    for index, server in enumerate(args.servers):
        print()
        try:
            result = bench_server(
                server,
                args,
                database_url=database_url,
                sid_prefix=f"{run_id}{index:02x}",
                menu_id=menu_id,
                queue_id=queue_id,
                known=known,
                unknown=unknown,
            )
        except (RuntimeError, TimeoutError) as error:
            # The server is stopped already; a server that cannot serve fails the run.
            print(f"FAIL {server.name}: {error or type(error).__name__}")
            return 1
        results.append(result)
    return report(results, production=args.production, paced_rate=args.paced_rate)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--servers",
        default=DEFAULT_SERVERS,
        help=f"comma-separated kind[:workers[xthreads]], kinds {', '.join(SERVER_KINDS)} "
        f"(default {DEFAULT_SERVERS})",
    )
    parser.add_argument(
        "--production",
        default=DEFAULT_PRODUCTION,
        help=f"the server held to the production targets (default {DEFAULT_PRODUCTION})",
    )
    parser.add_argument("--connections", type=int, default=32, help="closed-loop connections")
    parser.add_argument("--seconds", type=float, default=5.0, help="per round and endpoint")
    parser.add_argument("--rounds", type=int, default=2, help="baseline/webhook alternations")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds per endpoint")
    parser.add_argument("--paced-rate", type=float, default=50.0, help="open-loop req/s")
    parser.add_argument("--paced-seconds", type=float, default=15.0, help="open-loop duration")
    parser.add_argument(
        "--max-requests", type=int, default=60_000, help="cap on requests per closed-loop phase"
    )
    parser.add_argument("--callers", type=int, default=500, help="known (and unknown) callers")
    parser.add_argument(
        "--no-keep-alive",
        action="store_true",
        help="a new connection per request, as nginx opens to its upstreams by default",
    )
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.servers.split(",") if name.strip()]
    if args.production not in names:
        names.append(args.production)
    try:
        args.servers = [server_spec(name) for name in names]
    except ValueError as error:
        parser.error(str(error))
    positive = (args.connections, args.seconds, args.rounds, args.paced_rate, args.paced_seconds)
    if min(positive) <= 0 or args.max_requests < 1 or args.callers < 1 or args.warmup < 0:
        parser.error("counts and durations must be positive (--warmup may be 0)")
    # Bounded: the whole script must stay within a few minutes.
    if args.seconds * args.rounds > 60 or args.paced_seconds > 60 or args.warmup > 10:
        parser.error("at most 60 s of closed loop per endpoint, 60 s paced, 10 s warm-up")
    return args


# --- Setup ------------------------------------------------------------------------------


def bench_environment(database_url: str) -> dict[str, str]:
    """The environment of this script and of the servers: production-like, on the bench DB."""
    env = dict(os.environ)
    # Simulator mode, whatever the shell exports: its fixed auth token signs our requests.
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_BASE_URL"):
        env.pop(name, None)
    env.update(
        # Never the project's own database, whatever the shell exports.
        DATABASE_URL=database_url,
        # Redis for the cache (lines' version stamp), the broker and the channel layer, as
        # in production.
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        # Measure what production runs: DEBUG records every query in connection.queries.
        DEBUG="false",
        SECRET_KEY="benchmark-only-key-not-a-secret",
        # Production sits behind a TLS proxy; here plain HTTP must not be redirected.
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS=HOST,
        LOG_LEVEL="WARNING",
    )
    return env


def setup_django(database_url: str) -> None:
    # Run from anywhere (make runs `python bench/webhook.py`, so sys.path[0] is bench/).
    sys.path.insert(0, str(PROJECT_ROOT))
    env = bench_environment(database_url)
    for name in set(os.environ) - set(env):
        del os.environ[name]
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "callcenter.settings"

    import django

    django.setup()


def ensure_line() -> tuple[int, int]:
    """The benchmark's line and its flow (greeting, then a menu whose 1 leads to a queue
    with no agent); returns the menu's and the queue's ids."""
    from django.db import transaction

    from telephony.ivr.checks import flow_problems
    from telephony.models import InboundNumber, IvrFlow, IvrMenuOption, IvrNode, Queue

    with transaction.atomic():
        queue, _ = Queue.objects.get_or_create(name="Benchmark support")
        flow, _ = IvrFlow.objects.get_or_create(
            name=FLOW_NAME, defaults={"description": "bench/webhook.py"}
        )

        def node(key: str, kind: str, **fields: object) -> IvrNode:
            found, _ = IvrNode.objects.update_or_create(
                flow=flow, key=key, defaults={"kind": kind, **fields}
            )
            return found

        voicemail = node("voicemail", IvrNode.Kind.VOICEMAIL, message="Please leave a message.")
        support = node("support", IvrNode.Kind.QUEUE, queue=queue, message="Connecting you.")
        menu = node(
            "main-menu",
            IvrNode.Kind.MENU,
            default_node=voicemail,
            message="For support, press 1. To leave a message, press 0.",
        )
        for digit, label, target in (("1", "Support", support), ("0", "Voicemail", voicemail)):
            IvrMenuOption.objects.update_or_create(
                node=menu, digit=digit, defaults={"label": label, "target": target}
            )
        greeting = node("greeting", IvrNode.Kind.SAY, message=GREETING, next_node=menu)
        if flow.entry_node_id != greeting.pk:
            flow.entry_node = greeting
            flow.save(update_fields=["entry_node"])
        problems = flow_problems(flow.pk)
        if problems:
            raise SystemExit(f"the benchmark flow is invalid: {problems}")
        InboundNumber.objects.update_or_create(
            number=LINE_NUMBER,
            defaults={"name": "Benchmark line", "flow": flow, "language": LINE_LANGUAGE},
        )
    return menu.pk, queue.pk


@dataclass(frozen=True, order=True)
class Caller:
    number: str
    language: str  # what the webhook must answer in
    known: bool


def _candidate_numbers(count: int) -> Iterator[str]:
    """Valid US numbers, the same ones on every run."""
    import phonenumbers

    rng = random.Random(SEED)
    seen: set[str] = set()
    while len(seen) < count:
        number = f"+1{rng.choice(AREA_CODES)}{rng.randrange(200, 1000)}{rng.randrange(10_000):04d}"
        if number not in seen and phonenumbers.is_valid_number(phonenumbers.parse(number)):
            seen.add(number)
            yield number


def ensure_callers(count: int) -> tuple[list[Caller], list[Caller]]:
    """`count` benchmark customers (created once) and `count` numbers no customer has."""
    from django.db import transaction

    from crm.models import Customer, PhoneNumber

    candidates = list(_candidate_numbers(3 * count))
    taken = set(PhoneNumber.objects.filter(number__in=candidates).values_list("number", flat=True))
    accounts = [f"{ACCOUNT_PREFIX}{i:05d}" for i in range(count)]
    existing = set(
        Customer.objects.filter(account_number__in=accounts).values_list(
            "account_number", flat=True
        )
    )
    free = (number for number in candidates if number not in taken)
    with transaction.atomic():
        missing = [account for account in accounts if account not in existing]
        customers = Customer.objects.bulk_create(
            Customer(
                name=f"Bench Caller {account[len(ACCOUNT_PREFIX) :]}",
                account_number=account,
                preferred_language=CUSTOMER_LANGUAGES[int(account[-5:]) % 3],
            )
            for account in missing
        )
        PhoneNumber.objects.bulk_create(
            PhoneNumber(customer=customer, number=next(free), is_primary=True)
            for customer in customers
        )
    rows = PhoneNumber.objects.filter(customer__account_number__in=accounts).values_list(
        "number", "customer__preferred_language"
    )
    known = sorted(Caller(number, language, True) for number, language in rows)
    owned = {caller.number for caller in known}
    unknown = [
        Caller(number, LINE_LANGUAGE, False)
        for number in candidates
        if number not in taken and number not in owned
    ][:count]
    if len(known) != count or len(unknown) != count:
        raise SystemExit(f"expected {count} known and unknown callers, got {len(known)}")
    return known, unknown


def delete_old_calls() -> int:
    """Calls of earlier runs to the benchmark line, with their events, queue entries and
    the timeline entries of the benchmark's customers (only ours)."""
    from django.db import connection

    from crm.models import Customer, Interaction
    from telephony.models import Call, CallEvent, QueueEntry

    calls, events = Call._meta.db_table, CallEvent._meta.db_table
    entries, interactions = QueueEntry._meta.db_table, Interaction._meta.db_table
    ours = f"SELECT id FROM {calls} WHERE to_number = %s"
    with connection.cursor() as cursor:
        # Statistics first: the last run added thousands of rows the planner has not seen,
        # and on a table it believes empty it picks a nested loop that takes minutes.
        cursor.execute(f"ANALYZE {calls}, {events}, {entries}")
        cursor.execute(f"DELETE FROM {events} WHERE call_id IN ({ours})", [LINE_NUMBER])
        cursor.execute(f"DELETE FROM {entries} WHERE call_id IN ({ours})", [LINE_NUMBER])
        cursor.execute(
            f"DELETE FROM {interactions} WHERE customer_id IN (SELECT id FROM "
            f"{Customer._meta.db_table} WHERE account_number LIKE %s)",
            [f"{ACCOUNT_PREFIX}%"],
        )
        cursor.execute(f"DELETE FROM {calls} WHERE to_number = %s", [LINE_NUMBER])
        deleted = cursor.rowcount
        cursor.execute(f"ANALYZE {calls}, {events}, {entries}")
    return deleted


@dataclass(frozen=True)
class Rows:
    """What a series of SIDs left in the database."""

    calls: int
    identified: int  # of them tied to a customer
    events: int
    ended: int  # of them in state ended


def rows_for(*series: str) -> Rows:
    """Rows for the SIDs starting with CA + any of `series`."""
    from django.db.models import Q

    from telephony.models import Call, CallEvent

    calls = Call.objects.filter(
        functools.reduce(operator.or_, (Q(sid__startswith=f"CA{one}") for one in series))
    )
    events = CallEvent.objects.filter(
        functools.reduce(operator.or_, (Q(call_sid__startswith=f"CA{one}") for one in series))
    )
    return Rows(
        calls=calls.count(),
        identified=calls.filter(customer__isnull=False).count(),
        events=events.count(),
        ended=calls.filter(state="ended").count(),
    )


# --- Requests ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Shot:
    """One request on the wire, and what its answer must say."""

    payload: bytes
    language: str
    known: bool


class Endpoint:
    """Builds the requests to one path and checks the answers."""

    def __init__(self, *, port: int, path: str, redirect: str, keep_alive: bool = True) -> None:
        self.port, self.path, self.redirect = port, path, redirect
        # Without keep-alive, a new connection per request: what nginx does to its upstreams
        # by default, and what gunicorn's sync workers do whatever the client asks.
        self.connection_header = "" if keep_alive else "Connection: close\r\n"
        self._checked: dict[bytes, str | None] = {}

    def request(self, params: dict[str, str], signature: str, path: str = "") -> bytes:
        """The POST of `params` to this endpoint's path (or `path`), signed."""
        body = urlencode(params).encode()
        head = (
            f"POST {path or self.path} HTTP/1.1\r\n"
            f"Host: {HOST}:{self.port}\r\n"
            "User-Agent: TwilioProxy/1.1\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"X-Twilio-Signature: {signature}\r\n"
            f"{self.connection_header}"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    def language_of(self, body: bytes) -> str | None:
        """The <Say> language of a well-formed answer (<Say> then <Redirect>), else None."""
        try:
            return self._checked[body]
        except KeyError:
            pass
        language = None
        # Answers repeat (one per language): parse each distinct body once, off the hot path.
        with contextlib.suppress(ET.ParseError):
            root = ET.fromstring(body)
            children = list(root)
            if (
                root.tag == "Response"
                and [child.tag for child in children] == ["Say", "Redirect"]
                and (children[1].text or "") == self.redirect
            ):
                language = children[0].get("language")
        self._checked[body] = language
        return language


def webhook_shots(
    endpoint: Endpoint, *, base_url: str, token: str, sid_prefix: str, callers: Sequence[Caller]
) -> Iterator[Shot]:
    """Signed incoming-call webhooks, a new CallSid each, cycling through `callers`."""
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(token)
    url = base_url + endpoint.path
    account = "AC" + "5" * 32
    for sequence in itertools.count():
        caller = callers[sequence % len(callers)]
        params = {
            "AccountSid": account,
            "ApiVersion": "2010-04-01",
            "CallSid": f"CA{sid_prefix}{sequence:0{32 - len(sid_prefix)}x}",
            "CallStatus": "ringing",
            "Called": LINE_NUMBER,
            "Caller": caller.number,
            "Direction": "inbound",
            "From": caller.number,
            "To": LINE_NUMBER,
        }
        signature = validator.compute_signature(url, params)
        yield Shot(endpoint.request(params, signature), caller.language, caller.known)


def constant_shots(endpoint: Endpoint) -> Iterator[Shot]:
    """The same POST over and over (the baseline does not read it)."""
    params = {"CallSid": "CA" + "0" * 32, "From": "+14155550142", "To": LINE_NUMBER}
    shot = Shot(endpoint.request(params, "unchecked"), "en-US", False)
    while True:
        yield shot


def interleave(*streams: Iterator[Shot]) -> Iterator[Shot]:
    """Known and unknown callers in turn."""
    while True:
        for stream in streams:
            yield next(stream)


def call_webhooks(
    *, sid: str, caller: str, menu_id: int, queue_id: int
) -> list[tuple[str, dict[str, str], int]]:
    """A whole call's webhooks, in order, as (path, params, expected status): the caller
    picks 1 at the menu, waits in the queue (no agent there) and hangs up; with the status
    callbacks of a number configured for ringing, answered and completed."""
    call = {
        "AccountSid": "AC" + "5" * 32,
        "ApiVersion": "2010-04-01",
        "CallSid": sid,
        "Called": LINE_NUMBER,
        "Caller": caller,
        "Direction": "inbound",
        "From": caller,
        "To": LINE_NUMBER,
    }
    queue = {"QueueSid": "QU" + sid[2:], "CurrentQueueSize": "1", "QueuePosition": "1"}
    ringing, talking = {**call, "CallStatus": "ringing"}, {**call, "CallStatus": "in-progress"}
    status, ivr, wait = (
        "/telephony/voice/status/",
        f"/telephony/voice/ivr/{menu_id}/",
        (f"/telephony/voice/queues/{queue_id}/wait/"),
    )
    return [
        (WEBHOOK_PATH, ringing, 200),
        (status, {**ringing, "SequenceNumber": "0"}, 204),
        (ivr, talking, 200),
        (status, {**talking, "SequenceNumber": "1"}, 204),
        (f"{ivr}input/?attempt=1", {**talking, "Digits": "1"}, 200),
        (wait, {**talking, **queue, "QueueTime": "0"}, 200),
        (wait, {**talking, **queue, "QueueTime": "30"}, 200),
        (
            f"/telephony/voice/queues/{queue_id}/result/",
            {**talking, "QueueSid": queue["QueueSid"], "QueueResult": "hangup", "QueueTime": "45"},
            200,
        ),
        (
            status,
            {**call, "CallStatus": "completed", "SequenceNumber": "2", "CallDuration": "60"},
            204,
        ),
    ]


WEBHOOKS_PER_CALL = 9


def whole_calls(
    endpoint: Endpoint,
    *,
    base_url: str,
    token: str,
    sid_prefix: str,
    callers: Sequence[Caller],
    menu_id: int,
    queue_id: int,
) -> Iterator[list[tuple[bytes, int]]]:
    """Each call's signed requests, in order, with the status each must get."""
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(token)
    for sequence in itertools.count():
        sid = f"CA{sid_prefix}{sequence:0{32 - len(sid_prefix)}x}"
        steps = call_webhooks(
            sid=sid, caller=callers[sequence % len(callers)].number, menu_id=menu_id,
            queue_id=queue_id,
        )  # fmt: skip
        yield [
            (
                endpoint.request(
                    params, validator.compute_signature(base_url + path, params), path
                ),
                expected,
            )
            for path, params, expected in steps
        ]


@dataclass(frozen=True)
class Statements:
    """SQL statements one webhook sends, counted in this process through Django's test
    client (the same views, middleware and settings as the servers)."""

    app: list[str]
    baseline: list[str]
    whole_call: list[str]

    @staticmethod
    def transaction_control(statements: Sequence[str]) -> int:
        return sum(sql.split(None, 1)[0].upper() in ("BEGIN", "COMMIT") for sql in statements)


def count_statements(*, menu_id: int, queue_id: int, caller: Caller, sid_prefix: str) -> Statements:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from twilio.request_validator import RequestValidator

    base = "http://testserver"
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    sids = (f"CA{sid_prefix}{n:0{32 - len(sid_prefix)}x}" for n in itertools.count())

    def post(client: Client, path: str, params: dict[str, str], expected: int) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                path,
                urlencode(params),
                content_type="application/x-www-form-urlencoded",
                headers={"x-twilio-signature": validator.compute_signature(base + path, params)},
            )
        if response.status_code != expected:
            raise SystemExit(f"counting statements: {path} answered {response.status_code}")
        return [query["sql"] for query in captured]

    urls = {"ROOT_URLCONF": "_baseline_urls", "PUBLIC_BASE_URL": base}
    with override_settings(ALLOWED_HOSTS=["testserver"], **urls):
        client = Client()
        # One of each first: connections, caches and the baseline's line are then warm.
        counted = []
        for _ in range(2):
            steps = call_webhooks(
                sid=next(sids), caller=caller.number, menu_id=menu_id, queue_id=queue_id
            )
            whole = [sql for step in steps for sql in post(client, *step)]
            incoming = steps[0][1] | {"CallSid": next(sids)}
            app = post(client, WEBHOOK_PATH, incoming, 200)
            baseline = post(client, BASELINE_PATH, incoming | {"CallSid": next(sids)}, 200)
            counted.append(Statements(app=app, baseline=baseline, whole_call=whole))
    return counted[-1]


# --- Load generation --------------------------------------------------------------------


class Connection:
    """One HTTP/1.1 keep-alive connection, reopened when the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, payload: bytes) -> tuple[int, bytes, bytes]:
        """(status, head, body) of the answer to `payload`."""
        reused = self.writer is not None
        try:
            return await self._exchange(payload)
        except (ConnectionError, asyncio.IncompleteReadError):
            self.close()
            if not reused:
                raise
        # The server closed an idle keep-alive connection as we reused it: as any client
        # does, try once more on a new one.
        return await self._exchange(payload)

    async def _exchange(self, payload: bytes) -> tuple[int, bytes, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        if self.reader is None:
            raise ConnectionError("The connection has no reader.")
        self.writer.write(payload)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lower = head.lower()
        start = lower.find(b"\r\ncontent-length:")
        if start >= 0:
            end = lower.index(b"\r\n", start + 2)
            body = await self.reader.readexactly(int(lower[start + 17 : end]))
        elif b"\r\ntransfer-encoding: chunked" in lower:
            body = await self._chunked()
        else:
            body = await self.reader.read()
            self.close()
        if b"\r\nconnection: close" in lower:
            self.close()
        return status, head, body

    async def _chunked(self) -> bytes:
        if self.reader is None:
            raise ConnectionError("The connection has no reader.")
        parts = []
        while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)
        await self.reader.readuntil(b"\r\n")
        return b"".join(parts)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Outcome:
    """What one phase of load saw."""

    latencies: list[float] = field(default_factory=list)  # seconds, answered requests only
    statuses: Counter[int] = field(default_factory=Counter)
    bad: int = 0  # 200 but not the expected TwiML, or no answer at all
    problems: Counter[str] = field(default_factory=Counter)  # why they were bad
    ok: int = 0
    ok_known: int = 0
    elapsed: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # seconds, by who used it

    def record(self, endpoint: Endpoint, shot: Shot, status: int, head: bytes, body: bytes) -> None:
        self.statuses[status] += 1
        if status != 200:
            return
        if b"\r\ncontent-type: application/xml" not in head.lower():
            self.failed("not application/xml")
            return
        language = endpoint.language_of(body)
        if language == shot.language:
            self.ok += 1
            self.ok_known += shot.known
        else:
            self.failed("unexpected TwiML" if language is None else f"<Say> in {language}")

    def failed(self, problem: str) -> None:
        self.bad += 1
        self.problems[problem] += 1

    def merge(self, other: Outcome) -> None:
        self.latencies += other.latencies
        self.statuses.update(other.statuses)
        self.bad += other.bad
        self.problems.update(other.problems)
        self.ok += other.ok
        self.ok_known += other.ok_known
        self.elapsed += other.elapsed
        for who, seconds in other.cpu.items():
            self.cpu[who] = self.cpu.get(who, 0.0) + seconds

    def workers(self) -> list[float]:
        """CPU seconds of each server worker process (gunicorn's children), by pid."""
        return [self.cpu[who] for who in sorted(self.cpu) if who.startswith("worker ")]

    def cost_ms(self) -> float:
        """CPU ms the server and PostgreSQL spent per answered request."""
        spent = self.cpu.get("server", 0.0) + self.cpu.get("postgres", 0.0)
        return 1000 * spent / len(self.latencies) if self.latencies else 0.0

    @property
    def non_200(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != 200)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile_ms(self, fraction: float) -> float:
        """Nearest rank: the smallest latency with `fraction` of them at or below it."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return 1000 * ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


async def closed_loop(
    endpoint: Endpoint,
    shots: Iterator[Shot],
    *,
    connections: int,
    seconds: float,
    max_requests: int,
) -> Outcome:
    """`connections` clients, each sending its next request as soon as it has an answer."""
    outcome = Outcome()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    budget = max_requests

    async def client() -> None:
        nonlocal budget
        connection = Connection(endpoint.port)
        try:
            while budget > 0 and loop.time() < deadline:
                budget -= 1
                shot = next(shots)
                started = time.perf_counter()
                try:
                    status, head, body = await connection.send(shot.payload)
                except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                    outcome.failed(type(error).__name__)
                    connection.close()
                    continue
                outcome.latencies.append(time.perf_counter() - started)
                outcome.record(endpoint, shot, status, head, body)
        finally:
            connection.close()

    started = time.perf_counter()
    # One timeout for the phase (not one per request, which would cost a task each).
    await asyncio.wait_for(asyncio.gather(*(client() for _ in range(connections))), seconds + 30)
    outcome.elapsed = time.perf_counter() - started
    return outcome


async def open_loop(
    endpoint: Endpoint, shots: Iterator[Shot], *, rate: float, seconds: float
) -> Outcome:
    """Requests sent on a fixed schedule whatever the answers do; latency from the schedule.

    Counting from the scheduled time (not the send time) keeps a stalled server's backlog
    in the numbers (no coordinated omission).
    """
    outcome = Outcome()
    loop = asyncio.get_running_loop()
    idle: list[Connection] = []
    pending: set[asyncio.Task[None]] = set()

    async def one(shot: Shot, scheduled: float) -> None:
        connection = idle.pop() if idle else Connection(endpoint.port)
        try:
            status, head, body = await connection.send(shot.payload)
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            outcome.failed(type(error).__name__)
            connection.close()
            return
        outcome.latencies.append(loop.time() - scheduled)
        outcome.record(endpoint, shot, status, head, body)
        idle.append(connection)

    count = int(rate * seconds)
    started = time.perf_counter()
    first = loop.time() + 0.01
    for index in range(count):
        scheduled = first + index / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(next(shots), scheduled))
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        await asyncio.wait_for(asyncio.gather(*pending), 30)
    outcome.elapsed = time.perf_counter() - started
    for connection in idle:
        connection.close()
    return outcome


async def whole_call_loop(
    port: int, calls: Iterator[list[tuple[bytes, int]]], *, connections: int, seconds: float
) -> Outcome:
    """`connections` callers, each making whole calls one after another, every webhook as
    soon as the last one is answered; latencies are per call, `ok` counts whole calls."""
    outcome = Outcome()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds

    async def caller() -> None:
        connection = Connection(port)
        try:
            while loop.time() < deadline:
                steps, started, good = next(calls), time.perf_counter(), True
                for payload, expected in steps:
                    try:
                        status, _head, _body = await connection.send(payload)
                    except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                        outcome.failed(type(error).__name__)
                        connection.close()
                        good = False
                        break
                    # Status callbacks answer 204: only an unexpected status is a failure.
                    if status != expected:
                        outcome.failed(f"{status} instead of {expected}")
                        good = False
                outcome.latencies.append(time.perf_counter() - started)
                outcome.ok += good
        finally:
            connection.close()

    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(caller() for _ in range(connections))), seconds + 60)
    outcome.elapsed = time.perf_counter() - started
    return outcome


# --- CPU accounting ---------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
CPU_USERS = ("server", "postgres", "client", "other")


@dataclass(frozen=True)
class Process:
    parent: int
    name: str
    cpu: float  # seconds, its own and those of its children that ended
    title: str  # PostgreSQL's processes show their database and client here


def _processes() -> dict[int, Process]:
    """Every process we can see, from /proc.

    CPU time includes that of children that ended (cutime + cstime): a process alive at the
    first snapshot and reaped by the second (a PostgreSQL backend whose connection closed)
    still counts, once.
    """
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                text = stat.read().decode(errors="replace")
            name = text[text.index("(") + 1 : text.rindex(")")]
            title = ""
            if name == "postgres":
                with open(f"/proc/{entry.name}/cmdline", "rb") as cmdline:
                    title = cmdline.read().decode(errors="replace")
        except OSError:
            continue  # it ended meanwhile
        fields = text[text.rindex(")") + 2 :].split()
        ticks = sum(int(fields[index]) for index in (11, 12, 13, 14))
        table[int(entry.name)] = Process(int(fields[1]), name, ticks / CLOCK_TICKS, title)
    return table


def _machine_busy() -> float:
    """CPU seconds the whole machine spent not idle, from /proc/stat."""
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(
            int, stat.readline().split()[1:9]
        )
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def cpu_snapshot(server_pid: int, database: str) -> dict[str, float]:
    """CPU seconds used so far by the server, PostgreSQL, this script and the machine."""
    table = _processes()
    tree, frontier = {server_pid}, [server_pid]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, process in table.items() if process.parent == parent]
        tree.update(children)
        frontier += children

    def ours(process: Process) -> bool:
        # Our database's backends (and its autovacuum): their titles name it. The shared
        # background processes (WAL writer, checkpointer) are left out, as "other": on a
        # machine shared with other databases, most of their work may be others'.
        title = process.title.replace("\0", " ") + " "
        return process.name == "postgres" and f" {database} " in title

    workers = {
        f"worker {pid}": table[pid].cpu
        for pid in tree
        if pid in table and table[pid].parent == server_pid
    }
    return {
        "server": sum(table[pid].cpu for pid in tree if pid in table),
        "postgres": sum(process.cpu for process in table.values() if ours(process)),
        "client": time.process_time(),
        "machine": _machine_busy(),
        **workers,  # a gunicorn master's children: how evenly the load spreads
    }


def measured(run: Callable[[], Outcome], server_pid: int, database: str) -> Outcome:
    """`run`, with the CPU each user spent meanwhile; "other" is the rest of the machine's."""
    before = cpu_snapshot(server_pid, database)
    outcome = run()
    after = cpu_snapshot(server_pid, database)
    used = {who: after[who] - before.get(who, 0.0) for who in after}
    machine = used.pop("machine")
    used["other"] = max(0.0, machine - sum(used[who] for who in CPU_USERS[:3]))
    outcome.cpu = used
    return outcome


# --- One server -------------------------------------------------------------------------


@dataclass
class ServerResult:
    server: Server
    warmup: Outcome
    constant: Outcome
    baseline: Outcome
    webhook: Outcome
    paced: Outcome
    whole: Outcome
    app_rows: Rows  # of the incoming webhook's calls (warm-up, closed and paced runs)
    baseline_rows: Rows
    whole_rows: Rows
    webhook_ok: int  # answered with the right TwiML, warm-up and paced run included
    webhook_ok_known: int
    baseline_ok: int
    baseline_ok_known: int
    log_tail: list[str]

    @property
    def ratio(self) -> float:
        return self.webhook.rate / self.baseline.rate if self.baseline.rate else 0.0

    @property
    def errors(self) -> int:
        runs = (self.warmup, self.constant, self.baseline, self.webhook, self.paced, self.whole)
        return sum(run.non_200 + run.bad for run in runs)

    @property
    def noise(self) -> float:
        """The most CPU (% of one core) other processes used during a measured run."""
        runs = (self.baseline, self.webhook, self.paced, self.whole)
        return max(100 * run.cpu.get("other", 0.0) / run.elapsed for run in runs if run.elapsed)

    @property
    def paced_noise(self) -> float:
        run = self.paced
        return 100 * run.cpu.get("other", 0.0) / run.elapsed if run.elapsed else 0.0

    @property
    def rows_ok(self) -> bool:
        app, baseline, whole = self.app_rows, self.baseline_rows, self.whole_rows
        return (
            (app.calls, app.identified) == (self.webhook_ok, self.webhook_ok_known)
            and app.events == app.calls
            and (baseline.calls, baseline.identified) == (self.baseline_ok, self.baseline_ok_known)
            # Whole calls: each one ended, each webhook in its event log.
            and whole.calls == whole.ended == self.whole.ok
            and whole.events == WEBHOOKS_PER_CALL * whole.calls
            and self.webhook_ok > 0
            and self.baseline_ok > 0
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving(server: Server, env: dict[str, str], port: int, log: IO[bytes]) -> Iterator[int]:
    """Start `server` on `port`, wait until it answers, and always stop it; yields its pid."""
    process = subprocess.Popen(
        server.argv(port),
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: workers included, nothing else
    )
    try:
        try:
            wait_ready(process, port)
        except RuntimeError as error:
            log.seek(0)
            tail = log.read().decode(errors="replace").strip().splitlines()[-15:]
            raise RuntimeError("\n   | ".join([str(error), *tail])) from None
        yield process.pid
    finally:
        stop(process)


def wait_ready(process: subprocess.Popen[bytes], port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode}")
        connection = http.client.HTTPConnection(HOST, port, timeout=5)
        try:
            connection.request("POST", CONSTANT_PATH, body=b"", headers={"Content-Length": "0"})
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within {timeout:g} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (graceful: gunicorn stops its workers), then SIGKILL to what is left."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    # Workers of a master that died are still in the group it led: end them too.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def bench_server(
    server: Server,
    args: argparse.Namespace,
    *,
    database_url: str,
    sid_prefix: str,
    menu_id: int,
    queue_id: int,
    known: Sequence[Caller],
    unknown: Sequence[Caller],
) -> ServerResult:
    from django.conf import settings

    database = conninfo_to_dict(database_url)["dbname"]
    port = free_port()
    base_url = f"http://{HOST}:{port}"
    env = bench_environment(database_url)
    env.update(
        DJANGO_SETTINGS_MODULE="_settings",
        PYTHONPATH=os.pathsep.join([str(PROJECT_ROOT), str(BENCH_DIR)]),
        # Signatures are checked against this: the address we really serve on.
        PUBLIC_BASE_URL=base_url,
    )
    env.update(server.env)
    redirect = f"{base_url}/telephony/voice/ivr/{menu_id}/"
    keep_alive = not args.no_keep_alive
    webhook = Endpoint(port=port, path=WEBHOOK_PATH, redirect=redirect, keep_alive=keep_alive)
    # The baseline answers the same TwiML: the same checks apply.
    baseline = Endpoint(port=port, path=BASELINE_PATH, redirect=redirect, keep_alive=keep_alive)
    constant = Endpoint(
        port=port, path=CONSTANT_PATH, redirect=CONSTANT_REDIRECT, keep_alive=keep_alive
    )

    def calls(endpoint: Endpoint, series: str) -> Iterator[Shot]:
        """Known and unknown callers in turn, SIDs `series` + 0 and + 1."""
        return interleave(
            *(
                webhook_shots(
                    endpoint,
                    base_url=base_url,
                    token=settings.TWILIO_AUTH_TOKEN,
                    sid_prefix=series + digit,
                    callers=callers,
                )
                for digit, callers in (("0", known), ("1", unknown))
            )
        )

    app_series, baseline_series, whole_series = (sid_prefix + kind for kind in "abc")
    app_shots, baseline_shots = calls(webhook, app_series), calls(baseline, baseline_series)
    constant_stream = constant_shots(constant)
    whole_stream = whole_calls(
        webhook,
        base_url=base_url,
        token=settings.TWILIO_AUTH_TOKEN,
        sid_prefix=whole_series,
        callers=[caller for pair in zip(known, unknown, strict=True) for caller in pair],
        menu_id=menu_id,
        queue_id=queue_id,
    )

    print(f"== {server.name}: {server.description}")
    command = [f"{name}={value}" for name, value in server.env.items()]
    command += ["python", *server.argv(port)[1:]]
    print(f"   {' '.join(command)}")
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        with serving(server, env, port, log) as pid:
            print(f"   ready in {time.perf_counter() - started:.1f} s")

            def closed(endpoint: Endpoint, stream: Iterator[Shot], seconds: float) -> Outcome:
                return measured(
                    lambda: asyncio.run(
                        closed_loop(
                            endpoint,
                            stream,
                            connections=args.connections,
                            seconds=seconds,
                            max_requests=args.max_requests,
                        )
                    ),
                    pid,
                    database,
                )

            warmup, warm_webhook, warm_baseline = Outcome(), Outcome(), Outcome()
            if args.warmup:
                # Each worker's first requests load code and open database connections.
                warmup.merge(closed(constant, constant_stream, args.warmup))
                warm_baseline = closed(baseline, baseline_shots, args.warmup)
                warm_webhook = closed(webhook, app_shots, args.warmup)
                warmup.merge(warm_baseline)
                warmup.merge(warm_webhook)
            constant_total, base_total, hook_total = Outcome(), Outcome(), Outcome()
            constant_total.merge(closed(constant, constant_stream, args.seconds))
            for _ in range(args.rounds):
                base_total.merge(closed(baseline, baseline_shots, args.seconds))
                hook_total.merge(closed(webhook, app_shots, args.seconds))
            paced = measured(
                lambda: asyncio.run(
                    open_loop(webhook, app_shots, rate=args.paced_rate, seconds=args.paced_seconds)
                ),
                pid,
                database,
            )
            whole = measured(
                lambda: asyncio.run(
                    whole_call_loop(
                        port, whole_stream, connections=args.connections, seconds=args.seconds
                    )
                ),
                pid,
                database,
            )
        log.seek(0)
        lines = log.read().decode(errors="replace").splitlines()
    answered = (warm_webhook, hook_total, paced)
    result = ServerResult(
        server=server,
        warmup=warmup,
        constant=constant_total,
        baseline=base_total,
        webhook=hook_total,
        paced=paced,
        whole=whole,
        app_rows=rows_for(app_series),
        baseline_rows=rows_for(baseline_series),
        whole_rows=rows_for(whole_series),
        webhook_ok=sum(run.ok for run in answered),
        webhook_ok_known=sum(run.ok_known for run in answered),
        baseline_ok=warm_baseline.ok + base_total.ok,
        baseline_ok_known=warm_baseline.ok_known + base_total.ok_known,
        log_tail=[line for line in lines if line.strip()][-15:],
    )
    print_server(result, args)
    print(f"   done in {time.perf_counter() - started:.0f} s")
    return result


# --- Report -----------------------------------------------------------------------------


def _row(label: str, run: Outcome) -> str:
    cpu = "".join(
        f"{100 * run.cpu.get(who, 0.0) / run.elapsed if run.elapsed else 0:{width}.0f}"
        for who, width in zip(CPU_USERS, (13, 10, 13, 10), strict=True)
    )
    return (
        f"   {label:<12}{run.rate:9.1f}{run.percentile_ms(0.5):9.1f}"
        f"{run.percentile_ms(0.99):9.1f}{run.non_200:9d}{run.bad:6d}{cpu}"
    )


def print_server(result: ServerResult, args: argparse.Namespace) -> None:
    print(
        f"   {'':<12}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-200':>9}{'bad':>6}"
        f"{'server cpu%':>13}{'pg cpu%':>10}{'client cpu%':>13}{'other%':>10}"
    )
    print(_row("constant", result.constant))
    print(_row("baseline", result.baseline))
    print(_row("webhook", result.webhook))
    print(f"   ratio       {result.ratio:.2f} (webhook / baseline req/s, {args.connections} conns)")
    # Less sensitive to other processes than req/s: what each request cost the server and
    # PostgreSQL, whatever else ran.
    costs = [run.cost_ms() for run in (result.baseline, result.webhook)]
    if all(costs):
        print(
            f"   cost        {costs[0]:.2f} ms CPU per baseline request, {costs[1]:.2f} ms per "
            f"webhook (server + PostgreSQL): ratio {costs[0] / costs[1]:.2f}"
        )
    print(_row(f"paced {args.paced_rate:g}/s", result.paced))
    print(_row("whole calls", result.whole).replace("req/s", "calls/s"))
    whole = result.whole
    print(
        f"   whole calls {whole.rate:.1f} calls/s = {whole.rate * WEBHOOKS_PER_CALL:.0f} "
        f"webhooks/s ({WEBHOOKS_PER_CALL} per call; latency columns: a whole call)"
    )
    split = {
        label: "/".join(f"{100 * seconds / run.elapsed:.0f}" for seconds in run.workers())
        for label, run in (("baseline", result.baseline), ("webhook", result.webhook))
    }
    if len(result.webhook.workers()) > 1:
        print(f"   per worker  cpu% baseline {split['baseline']}, webhook {split['webhook']}")
    app, baseline, whole_rows = result.app_rows, result.baseline_rows, result.whole_rows
    print(
        f"   rows        webhook {app.calls:,} calls and {app.events:,} events for "
        f"{result.webhook_ok:,} answers ({app.identified:,} identified for "
        f"{result.webhook_ok_known:,} known callers); baseline {baseline.calls:,} calls for "
        f"{result.baseline_ok:,} ({baseline.identified:,} for {result.baseline_ok_known:,}); "
        f"whole calls {whole_rows.ended:,} ended of {whole.ok:,}, {whole_rows.events:,} events "
        f"{'OK' if result.rows_ok else 'MISMATCH'}"
    )
    noise = result.noise
    if noise > NOISE_LIMIT:
        print(
            f"   WARNING: other processes used up to {noise:.0f}% CPU meanwhile: these numbers "
            "are disturbed, run again on a quiet machine"
        )
    runs = (result.warmup, result.constant, result.baseline, result.webhook, result.paced, whole)
    problems = sum((run.problems for run in runs), Counter[str]())
    if problems:
        print(f"   bad answers: {', '.join(f'{n} {why}' for why, n in problems.most_common())}")
    if result.errors or not result.rows_ok:
        print("   server log (last lines):")
        for line in result.log_tail:
            print(f"   | {line}")


def print_statements(statements: Statements) -> None:
    def counted(sqls: Sequence[str]) -> str:
        control = Statements.transaction_control(sqls)
        return f"{len(sqls)}" + (f" ({len(sqls) - control} + BEGIN/COMMIT)" if control else "")

    print(
        f"statements incoming webhook {counted(statements.app)}, baseline "
        f"{counted(statements.baseline)}; a whole call's {WEBHOOKS_PER_CALL} webhooks "
        f"{counted(statements.whole_call)}"
    )
    for sql in statements.app:
        print(f"   app      | {' '.join(sql.split())[:100]}")
    for sql in statements.baseline:
        print(f"   baseline | {' '.join(sql.split())[:100]}")


def report(results: Sequence[ServerResult], *, production: str, paced_rate: float) -> int:
    print()
    print("== verdict")
    # Better: more webhooks per second on the same machine; the paced p99 shows the cost.
    best = max(results, key=lambda result: result.webhook.rate)
    others = [result for result in results if result is not best]
    if others:
        throughput = ", ".join(
            f"{best.webhook.rate / other.webhook.rate:.1f}x {other.server.name}'s "
            f"{other.webhook.rate:.0f}"
            for other in others
        )
        latency = ", ".join(
            f"{other.paced.percentile_ms(0.99):.0f} ms ({other.server.name})" for other in others
        )
        print(
            f"better: {best.server.name}, webhook {best.webhook.rate:.0f} req/s = {throughput}; "
            f"p99 at {paced_rate:g} req/s {best.paced.percentile_ms(0.99):.0f} ms vs {latency}"
        )
    passed = True
    for result in results:
        is_production = result.server.name == production
        ok = result.ratio >= TARGET_RATIO
        role = "production" if is_production else "reference"
        print(
            f"{result.server.name:<10} ratio {result.ratio:.2f} = webhook {result.webhook.rate:.0f}"
            f" / baseline {result.baseline.rate:.0f} req/s (target >= {TARGET_RATIO}) "
            f"{'PASS' if ok else 'FAIL'} [{role}]"
        )
        print(
            f"{result.server.name:<10} whole calls {result.whole.rate:.1f} calls/s "
            f"({result.whole.rate * WEBHOOKS_PER_CALL:.0f} webhooks/s) [figure, no target]"
        )
        if is_production:
            passed &= ok
            p99 = result.paced.percentile_ms(0.99)
            fast = p99 < TARGET_P99_MS and result.paced.ok == len(result.paced.latencies) > 0
            passed &= fast
            print(
                f"{result.server.name:<10} p99 at {paced_rate:g} req/s {p99:.1f} ms "
                f"(target < {TARGET_P99_MS:g} ms) {'PASS' if fast else 'FAIL'}"
            )
            if not fast and result.paced_noise > NOISE_LIMIT:
                print(
                    f"{'note':<10} other processes used {result.paced_noise:.0f}% CPU during the "
                    "paced run: the miss may be theirs, run again on a quiet machine"
                )
    errors = sum(result.errors for result in results)
    rows_ok = all(result.rows_ok for result in results)
    clean = errors == 0 and rows_ok
    passed &= clean
    print(
        f"{'all':<10} {errors} non-200 or bad answers, rows "
        f"{'match' if rows_ok else 'DO NOT match'} the answers {'PASS' if clean else 'FAIL'}"
    )
    disturbed = [result.server.name for result in results if result.noise > NOISE_LIMIT]
    if disturbed:
        print(f"{'note':<10} other processes disturbed {', '.join(disturbed)}: see above")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
