"""Do-Not-Call at national scale: registry load and campaign scrub within 2x of raw SQL?

A national registry copy holds 250M+ numbers and a sales campaign is scrubbed against it
at every start and resume. This script generates, on PostgreSQL, a registry file of
10,000,000 numbers and a campaign of 1,000,000 leads (one in ten on the registry), then
measures in the same run:

- load: `crm.services.dnc_registry_import` on the file (parse in 1 MiB blocks, COPY into
  staging, replace the file's area codes with set statements) against a raw COPY of the same
  numbers, already E.164, into a table with one index on the phone;
- reload: the same file again (idempotent: nothing changes), a figure without a target;
- scrub: `campaigns.services.campaign_leads_scrub` (a `ScrubbedLead` row per stopped lead)
  against a raw COPY of the 1,000,000 lead numbers into a table plus a join against the raw
  registry table materializing the same result, the leads to stop.

Targets: each ratio within 2x, and the scrub stops exactly the listed leads, the same set as
the raw side's (compared number by number, untimed). Exit code 1 on a miss. The data is
generated server-side (generate_series, COPY) and the database dropped afterwards.

    .venv/bin/python bench/dnc_scrub.py [--numbers N] [--leads N]

The database comes from BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
callcenter_dnc_bench); it is created, and dropped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from _common import create_database_if_missing
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/callcenter_dnc_bench"
TARGET_RATIO = 2.0
# Distinct ten-digit numbers in 200-999 area codes: i * STRIDE mod SPAN is a bijection on
# 0..SPAN-1 because STRIDE is prime and shares no factor with SPAN.
SPAN, STRIDE = 8_000_000_000, 104_729
REGISTRY_NUMBER = f"2000000000 + (i::bigint * {STRIDE}) % {SPAN}"
BLOCK = 1 << 20
TODAY = dt.datetime.now(dt.UTC).date()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    create_database_if_missing(database_url)
    setup_django(database_url)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            return run(args, Path(scratch))
    finally:
        from django.db import connection

        connection.close()
        drop_database(database_url)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=10_000_000, help="registry numbers")
    parser.add_argument("--leads", type=int, default=1_000_000, help="campaign leads")
    args = parser.parse_args(argv)
    if args.numbers < 10 or args.leads < 10 or args.leads > args.numbers:
        parser.error("--numbers and --leads must be at least 10, leads at most numbers")
    return args


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(PROJECT_ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "callcenter.settings"
    os.environ["DATABASE_URL"] = database_url  # never the project's own database
    os.environ.setdefault("DEBUG", "false")  # no query log the raw side would not pay
    os.environ.setdefault("SECRET_KEY", "benchmark-only-key-not-a-secret")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def drop_database(database_url: str) -> None:
    name = conninfo_to_dict(database_url)["dbname"]
    with psycopg.connect(make_conninfo(database_url, dbname="postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def export(cursor: CursorWrapper, query: str, path: Path) -> None:
    """Write a query's rows to a file through COPY TO STDOUT (generated server-side)."""
    with path.open("wb") as out, cursor.copy(f"COPY ({query}) TO STDOUT") as copy:
        for chunk in copy:
            out.write(chunk)


def copy_file(cursor: CursorWrapper, statement: str, path: Path) -> None:
    with path.open("rb") as source, cursor.copy(statement) as copy:
        while block := source.read(BLOCK):
            copy.write(block)


def timed(work: Callable[[], None]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def run(args: argparse.Namespace, scratch: Path) -> int:
    from django.db import connection, transaction

    from campaigns.models import Campaign, ScrubbedLead
    from campaigns.services import campaign_leads_scrub
    from crm.models import DncList
    from crm.services import dnc_registry_import

    registry_file, e164_file, leads_file = (scratch / n for n in ("reg.txt", "e164.txt", "l.txt"))
    every = f"generate_series(1, {args.numbers}) AS i"
    listed = f"i % 10 = 0 AND i <= {args.leads}"
    with connection.cursor() as cursor:
        number = REGISTRY_NUMBER
        export(
            cursor,
            f"SELECT ({number}) / 10000000 || ','"
            f" || lpad((({number}) % 10000000)::text, 7, '0') FROM {every}",
            registry_file,
        )
        export(cursor, f"SELECT '+1' || ({number}) FROM {every}", e164_file)
        # One lead in ten is a registry number; the others are outside its 200-999 range.
        lead = f"CASE WHEN {listed} THEN '+1' || ({number}) ELSE '+1' || (1000000000 + i) END"
        export(cursor, f"SELECT {lead} FROM generate_series(1, {args.leads}) AS i", leads_file)
        cursor.execute("DROP TABLE IF EXISTS bench_raw_dnc, bench_raw_leads, bench_stopped")
        cursor.execute("CREATE TABLE bench_raw_dnc (phone varchar(16) PRIMARY KEY)")
    print(
        f"registry file: {args.numbers:,} numbers, {registry_file.stat().st_size / 2**20:.0f} MiB"
    )

    national = DncList.objects.create(name="National registry", kind="national", as_of=TODAY)

    def load() -> None:
        dnc_registry_import(dnc_list=national, handle=registry_file.open("rb"), as_of=TODAY)

    def raw_load() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            copy_file(cursor, "COPY bench_raw_dnc (phone) FROM STDIN", e164_file)

    raw_load_s = timed(raw_load)
    load_s = timed(load)
    reload_s = timed(load)
    stored = national.registry_numbers.count()

    campaign = Campaign.objects.create(name="Bench", caller_id="+18005550100")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO campaigns_lead (campaign_id, phone, line_type, name, time_zones, data,"
            " status, attempts, last_outcome, disposition, created_at, updated_at)"
            f" SELECT {campaign.pk}, {lead}, 'unknown', '', '[]', '{{}}', 'new', 0, '', '',"
            " now(), now()"
            f" FROM generate_series(1, {args.leads}) AS i",
        )
        cursor.execute("CREATE TABLE bench_raw_leads (phone varchar(16) NOT NULL)")
        for table in ("crm_dncregistrynumber", "campaigns_lead", "bench_raw_dnc"):
            cursor.execute(f"VACUUM ANALYZE {table}")

    def raw_scrub() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            copy_file(cursor, "COPY bench_raw_leads (phone) FROM STDIN", leads_file)
            cursor.execute(
                "CREATE TABLE bench_stopped AS SELECT l.phone FROM bench_raw_leads l"
                " WHERE EXISTS (SELECT 1 FROM bench_raw_dnc d WHERE d.phone = l.phone)"
            )

    stopped = 0

    def scrub() -> None:
        nonlocal stopped
        stopped = campaign_leads_scrub(campaign=campaign)

    raw_scrub_s = timed(raw_scrub)
    scrub_s = timed(scrub)
    expected = args.leads // 10
    held = ScrubbedLead.objects.filter(lead__campaign=campaign)
    with connection.cursor() as cursor:
        ours, params = held.values("lead__phone").query.sql_with_params()
        # Numbers one side stopped and the other did not, both ways.
        cursor.execute(
            f"SELECT count(*) FROM (({ours} EXCEPT SELECT phone FROM bench_stopped)"
            f" UNION ALL (SELECT phone FROM bench_stopped EXCEPT {ours})) AS differ",
            [*params, *params],
        )
        (differ,) = cursor.fetchone()
    return report(
        numbers=args.numbers,
        stored=stored,
        load_s=load_s,
        raw_load_s=raw_load_s,
        reload_s=reload_s,
        scrub_s=scrub_s,
        raw_scrub_s=raw_scrub_s,
        correct=stopped == held.count() == expected,
        stopped=stopped,
        expected=expected,
        differ=differ,
    )


def report(
    *,
    numbers: int,
    stored: int,
    load_s: float,
    raw_load_s: float,
    reload_s: float,
    scrub_s: float,
    raw_scrub_s: float,
    correct: bool,
    stopped: int,
    expected: int,
    differ: int,
) -> int:
    load_ratio, scrub_ratio = load_s / raw_load_s, scrub_s / raw_scrub_s
    print(
        f"load:   ours {load_s:7.1f} s ({numbers / load_s:,.0f} numbers/s),"
        f" raw COPY into an indexed table {raw_load_s:7.1f} s, ratio {load_ratio:.2f}"
    )
    print(f"reload: ours {reload_s:7.1f} s (same file, {stored:,} numbers stored)")
    print(
        f"scrub:  ours {scrub_s:7.1f} s, raw COPY + join {raw_scrub_s:7.1f} s,"
        f" ratio {scrub_ratio:.2f}"
    )
    checks = [
        (f"load within {TARGET_RATIO:g}x of raw COPY", load_ratio <= TARGET_RATIO),
        (f"scrub within {TARGET_RATIO:g}x of raw COPY + join", scrub_ratio <= TARGET_RATIO),
        (f"every number stored once ({stored:,} of {numbers:,})", stored == numbers),
        (f"scrub stopped exactly the listed leads ({stopped:,} of {expected:,})", correct),
        (f"scrub and raw join stopped the same numbers ({differ:,} differ)", differ == 0),
    ]
    for label, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'} {label}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
