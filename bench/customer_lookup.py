"""Caller-ID lookup at scale: is the app's phone lookup within 2x of raw SQL?

When a call comes in, the IVR and the agent screen pop look the caller up by phone number
through `crm.selectors.customers_by_phone`. Agents also type numbers by hand, in whatever
format, so the selector first normalises the text to E.164 (phonenumbers) and then runs one
indexed query through the ORM.

This script loads 1,000,000 customers into a dedicated PostgreSQL database (about 10% have a
second number), then measures, interleaved and on the same random numbers:

- app: `customers_by_phone(phone="(415) 555-0142")`, a local format, so the time includes
  parsing, validating and formatting the number, the ORM query and building the model objects;
- raw: the same join in plain SQL on a psycopg cursor of Django's own connection, with the
  E.164 number already known, fetching the rows as tuples.

It passes when the app's median is within 2x of the raw median and every app lookup returned
the expected customer. Exit code 1 on failure so `make bench` stops.

    .venv/bin/python bench/customer_lookup.py [--customers N] [--lookups N]

The database comes from BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
callcenter_bench); it is created if missing and reused, so a re-run skips the load.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from _common import create_database_if_missing
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/callcenter_bench"
TARGET_RATIO = 2.0
SEED = 20_250_101

# Real, geographic US area codes (a spread over the country; all accepted by phonenumbers).
AREA_CODES = (
    201, 202, 203, 205, 206, 212, 213, 214, 215, 216, 217, 224, 225, 248, 253, 267, 281, 301,
    303, 305, 310, 312, 313, 314, 317, 323, 347, 404, 405, 407, 408, 410, 412, 414, 415, 425,
    469, 480, 503, 504, 510, 512, 513, 602, 612, 614, 615, 617, 619, 646, 650, 702, 704, 713,
    718, 720, 773, 801, 813, 816, 818, 832, 858, 904, 916, 917, 919, 925, 949, 972,
)  # fmt: skip
EXCHANGES = range(200, 1000)  # NXX: first digit 2-9
LINES = 10_000
FIRST_NAMES = (
    "Ada", "Ben", "Carla", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jon", "Kemi",
    "Liam", "Maya", "Noor", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera",
)  # fmt: skip
LAST_NAMES = (
    "Adams", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jones",
    "Kowalski", "Lopez", "Murphy", "Nguyen", "Okafor", "Patel", "Rossi", "Smith", "Tanaka",
)  # fmt: skip
TIME_ZONES = ("", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
LANGUAGES = ("en-US", "en-US", "en-US", "es-US", "fr-CA")

JOIN_SQL = (
    "SELECT c.* FROM crm_phonenumber p JOIN crm_customer c ON c.id = p.customer_id "
    "WHERE p.number = %s"
)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    create_database_if_missing(database_url)
    setup_django(database_url)

    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)

    load_seconds = ensure_data(args.customers)
    samples = pick_samples(args.lookups + args.warmup)
    app_ns, raw_ns, mismatches = measure(samples[: args.warmup], samples[args.warmup :])
    return report(
        database=conninfo_to_dict(database_url).get("dbname", "?"),
        load_seconds=load_seconds,
        app_ns=app_ns,
        raw_ns=raw_ns,
        mismatches=mismatches,
        warmup=args.warmup,
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000, help="customers to load")
    parser.add_argument("--lookups", type=int, default=2_000, help="measured lookups per side")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured lookups first")
    args = parser.parse_args(argv)
    if args.customers < 1 or args.lookups < 1 or args.warmup < 0:
        parser.error("--customers and --lookups must be positive, --warmup not negative")
    return args


# --- Setup ------------------------------------------------------------------------------


def setup_django(database_url: str) -> None:
    # Run from anywhere (make runs `python bench/customer_lookup.py`, so sys.path[0] is bench/).
    sys.path.insert(0, str(PROJECT_ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "callcenter.settings"
    # Never the project's own database, whatever the shell exports.
    os.environ["DATABASE_URL"] = database_url
    # Measure what production runs: with DEBUG on, Django wraps every cursor to record the
    # SQL and its duration in connection.queries, a cost only the app side would pay.
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-key-not-a-secret")

    import django

    django.setup()


# --- Data -------------------------------------------------------------------------------


def ensure_data(customers: int) -> float | None:
    """Load `customers` unless exactly that many are there; the load time, None if reused."""
    from crm.models import Customer, PhoneNumber

    if Customer.objects.count() == customers and PhoneNumber.objects.count() >= customers:
        return None
    started = time.perf_counter()
    load(customers)
    return time.perf_counter() - started


def load(customers: int) -> None:
    """Replace all customers with `customers` generated ones, loaded by COPY, not the ORM."""
    from django.db import connection, transaction

    rng = random.Random(SEED)
    numbers = unique_numbers(rng, customers + customers // 10)
    check_numbers_valid(numbers)
    now = datetime.now(UTC)

    with transaction.atomic():
        connection.ensure_connection()
        pg = connection.connection
        # The bench database is ours: CASCADE also empties cases and timelines pointing here.
        pg.execute("TRUNCATE crm_customer, crm_phonenumber RESTART IDENTITY CASCADE")
        with pg.cursor() as cur:
            customer_copy = (
                "COPY crm_customer (id, name, account_number, tier, preferred_language,"
                " time_zone, email, recording_consent, call_consent, created_at,"
                " updated_at, is_lead) FROM STDIN"
            )
            with cur.copy(customer_copy) as copy:
                for row in customer_rows(rng, customers, now):
                    copy.write_row((*row, False))
            with cur.copy(
                "COPY crm_phonenumber (id, customer_id, number, label, is_primary) FROM STDIN"
            ) as copy:
                for row in phone_rows(rng, numbers, customers):
                    copy.write_row(row)
            # Explicit ids were copied: move the identity sequences past them.
            for table in ("crm_customer", "crm_phonenumber"):
                cur.execute(
                    sql.SQL(
                        "SELECT setval(pg_get_serial_sequence({t}, 'id'), max(id)) FROM {i}"
                    ).format(t=sql.Literal(table), i=sql.Identifier(table))
                )
    # Fresh statistics, or the planner guesses about a million rows it has never seen.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE crm_customer")
        cursor.execute("ANALYZE crm_phonenumber")


def unique_numbers(rng: random.Random, count: int) -> list[str]:
    """`count` distinct E.164 US numbers: +1 NPA NXX XXXX over AREA_CODES x EXCHANGES."""
    space = len(AREA_CODES) * len(EXCHANGES) * LINES
    if count > space:
        raise SystemExit(f"at most {space} distinct numbers can be generated, {count} asked")
    numbers = []
    # Sampling indexes of the whole space gives distinct numbers without a set of strings.
    for index in rng.sample(range(space), count):
        prefix, line = divmod(index, LINES)
        area, exchange = divmod(prefix, len(EXCHANGES))
        numbers.append(f"+1{AREA_CODES[area]}{EXCHANGES[exchange]}{line:04d}")
    return numbers


def check_numbers_valid(numbers: Sequence[str], sample_size: int = 20_000) -> None:
    """Fail early if generated numbers are not valid (checking all 1.1M would take ~25 s)."""
    import phonenumbers

    rng = random.Random(SEED + 1)
    for number in rng.sample(list(numbers), min(sample_size, len(numbers))):
        if not phonenumbers.is_valid_number(phonenumbers.parse(number)):
            raise SystemExit(f"generated number {number} is not valid for phonenumbers")


def customer_rows(
    rng: random.Random, customers: int, now: datetime
) -> Iterator[tuple[object, ...]]:
    for pk in range(1, customers + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        yield (
            pk,
            f"{first} {last}",
            f"AC-{pk:07d}",
            rng.choices((0, 1, 2, 3), weights=(70, 20, 8, 2))[0],
            rng.choice(LANGUAGES),
            rng.choice(TIME_ZONES),
            f"{first}.{last}.{pk}@example.com".lower(),
            "given" if rng.random() < 0.6 else "unknown",
            "written" if rng.random() < 0.3 else "none",
            now,
            now,
        )


def phone_rows(
    rng: random.Random, numbers: Sequence[str], customers: int
) -> Iterator[tuple[object, ...]]:
    """The first `customers` numbers are primary, one each; the rest are second numbers."""
    extras = len(numbers) - customers
    owners = iter(rng.sample(range(1, customers + 1), extras))  # distinct random customers
    for pk, number in enumerate(numbers, start=1):
        if pk <= customers:
            yield (pk, pk, number, "mobile", True)
        else:
            yield (pk, next(owners), number, rng.choice(("home", "work")), False)


# --- Measurement ------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    e164: str  # what the raw query gets: normalisation already done
    typed: str  # what the app gets: the number as a person types it
    customer_id: int


def pick_samples(count: int) -> list[Sample]:
    """`count` random existing numbers (of primary and second numbers alike)."""
    import phonenumbers
    from django.db import connection

    rng = random.Random(SEED + 2)
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM crm_phonenumber")
        (max_id,) = cursor.fetchone()
        ids = rng.sample(range(1, max_id + 1), min(count, max_id))
        cursor.execute("SELECT number, customer_id FROM crm_phonenumber WHERE id = ANY(%s)", [ids])
        rows = cursor.fetchall()
    rng.shuffle(rows)
    national = phonenumbers.PhoneNumberFormat.NATIONAL
    return [
        # A local format such as "(415) 555-0142", so the app really has to normalise.
        Sample(number, phonenumbers.format_number(phonenumbers.parse(number), national), pk)
        for number, pk in rows
    ]


def measure(
    warmup: Sequence[Sample], samples: Sequence[Sample]
) -> tuple[list[int], list[int], int]:
    """Time both paths on each sample, alternating which goes first; (app, raw, mismatches)."""
    from django.db import connection

    from crm.selectors import customers_by_phone

    connection.ensure_connection()
    pg = connection.connection  # the psycopg connection under Django's wrapper

    def app(sample: Sample) -> tuple[int, list[int]]:
        started = time.perf_counter_ns()
        found = customers_by_phone(phone=sample.typed)
        return time.perf_counter_ns() - started, [customer.pk for customer in found]

    def raw(sample: Sample) -> tuple[int, list[int]]:
        started = time.perf_counter_ns()
        with pg.cursor() as cursor:
            cursor.execute(JOIN_SQL, (sample.e164,))
            rows = cursor.fetchall()
        return time.perf_counter_ns() - started, [row[0] for row in rows]

    # Warm-up: imports, phonenumbers metadata, Django's query machinery, the query plans.
    for sample in warmup:
        app(sample)
        raw(sample)

    app_ns: list[int] = []
    raw_ns: list[int] = []
    mismatches = 0
    gc.collect()
    for i, sample in enumerate(samples):
        # Alternate the order so neither side always finds the row's pages warmed by the other.
        if i % 2:
            raw_time, raw_ids = raw(sample)
            app_time, app_ids = app(sample)
        else:
            app_time, app_ids = app(sample)
            raw_time, raw_ids = raw(sample)
        app_ns.append(app_time)
        raw_ns.append(raw_time)
        # Numbers are unique in the generated data: exactly the owner, on both sides.
        expected = [sample.customer_id]
        mismatches += (app_ids != expected) + (raw_ids != expected)
    return app_ns, raw_ns, mismatches


# --- Report -----------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with `fraction` of values at or below it."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def report(
    *,
    database: str,
    load_seconds: float | None,
    app_ns: Sequence[int],
    raw_ns: Sequence[int],
    mismatches: int,
    warmup: int,
) -> int:
    from crm.models import Customer, PhoneNumber

    customers, phones = Customer.objects.count(), PhoneNumber.objects.count()
    loaded = "already loaded" if load_seconds is None else f"loaded in {load_seconds:.1f} s"
    app_median, raw_median = statistics.median(app_ns) / 1000, statistics.median(raw_ns) / 1000
    ratio = app_median / raw_median
    passed = ratio <= TARGET_RATIO and mismatches == 0

    print(f"database   {database}")
    print(f"customers  {customers:,} with {phones:,} phone numbers ({loaded})")
    print(f"lookups    {len(app_ns):,} per side, interleaved, after {warmup:,} warm-up")
    for label, times in (("app", app_ns), ("raw", raw_ns)):
        median, p99 = statistics.median(times) / 1000, percentile(times, 0.99) / 1000
        print(f"{label:<10} median {median:8.1f} us   p99 {p99:8.1f} us")
    print(f"mismatches {mismatches} (lookups not returning exactly the owner, both sides)")
    verdict = "PASS" if passed else "FAIL"
    print(f"ratio {ratio:.2f} (target <= {TARGET_RATIO}) {verdict}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
