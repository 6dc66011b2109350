"""Lead import: rows per second of ours against a raw COPY of the same file, and linear?

A lead file is parsed and checked row by row (mapping, E.164, the number's time zones, the
line type), scrubbed against the Do-Not-Call lists, linked to the CRM customer it is (by
account number, else by phone, else a new lead customer) and reported (every row that is
not a lead is kept with its reason). This script writes, for each size, a CSV file whose
rows are mostly new callers, with one in ten a known customer's number, one in ten naming a
known account, one in twenty on the national registry, one in a hundred a bad number and
one in a hundred a duplicate of an earlier row; then measures in the same run:

- ours: `campaigns.services.lead_import_run` on the stored file (the Celery task's body:
  the counting pass, then batch by batch);
- raw: a COPY of the same CSV file into a table of text columns, nothing checked.

Targets: at 1,000,000 rows our import within TARGET_RATIO of the raw COPY's rows per
second (the README says why that figure), 1,000,000 rows in at most 10x the time of
100,000 (linear), and every row counted where it belongs. Exit code 1 on a miss.

    .venv/bin/python bench/lead_import.py [--sizes 100000,1000000]

The database comes from BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
callcenter_lead_import_bench); it is created, and dropped at the end.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg
from _common import create_database_if_missing
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/callcenter_lead_import_bench"
# Raw COPY rows per second over ours, at the largest size. Set from the first measurement
# (see README, performance): every row is parsed and validated by the numbering plan three
# times (E.164, zones, line type) and becomes model rows, where COPY only splits text; 500x
# of COPY is about 400 rows/s on the 2-core machine, a million-row file within the hour.
TARGET_RATIO = 500.0
BLOCK = 1 << 20
# Area codes of ten time zones' cities; exchange and line number come from the row index.
AREA_CODES = (212, 415, 312, 713, 305, 206, 617, 303, 404, 602)
# Known customers' other numbers start here, beyond every file's.
OTHER_NUMBERS = 40_000_000
MAPPING = {
    "Phone": "phone",
    "Name": "name",
    "Time zone": "time_zone",
    "Account": "account_number",
    "Email": "email",
}


def digits(k: int) -> str:
    """The k-th distinct valid US number (ten digits) of the benchmark."""
    area, rest = AREA_CODES[k % 10], k // 10
    return f"{area}{200 + (rest // 10_000) % 800}{rest % 10_000:04d}"


@dataclass
class Expected:
    rows: int = 0
    imported: int = 0
    duplicates: int = 0
    rejected: int = 0


def write_file(
    path: Path, *, size: int, base: int
) -> tuple[Expected, list[str], list[tuple[str, str]]]:
    """The lead file of `size` rows using numbers base.., what the import must make of it,
    the numbers to put on the registry and the known customers (account, phone) to make."""
    expected = Expected(rows=size)
    registry: list[str] = []
    known: list[tuple[str, str]] = []
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["Phone", "Name", "Time zone", "Account", "Email", "Plan"])
        for i in range(size):
            number = digits(base + i)
            formatted = (
                f"({number[:3]}) {number[3:6]}-{number[6:]}",
                f"+1 {number[:3]} {number[3:6]} {number[6:]}",
                number,
            )[i % 3]
            account = f"BENCH-{base + i}" if i % 10 == 6 else ""
            zone = "America/Chicago" if i % 50 == 5 else ""
            email = f"lead{base + i}@example.com" if i % 2 else ""
            if i % 100 == 1:
                formatted = "12345"
                expected.rejected += 1
            elif i % 100 == 2:
                formatted = digits(base + i - 2)  # the same number as two rows up
                expected.duplicates += 1
            elif i % 20 == 3:
                registry.append(f"+1{number}")
                expected.rejected += 1
            else:
                if i % 10 == 4:  # a known customer's number
                    known.append((f"KNOWN-{base + i}", f"+1{number}"))
                elif i % 10 == 6:  # a known account, under another number
                    known.append((account, f"+1{digits(OTHER_NUMBERS + base + i)}"))
                expected.imported += 1
            writer.writerow([formatted, f"Lead {i}", zone, account, email, "gold"])
    return expected, registry, known


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    create_database_if_missing(database_url)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            setup_django(database_url, Path(scratch))
            return run(args.sizes, Path(scratch))
    finally:
        from django.db import connection

        connection.close()
        drop_database(database_url)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="100000,1000000",
        help="comma-separated row counts; linearity compares the last with the first",
    )
    args = parser.parse_args(argv)
    try:
        args.sizes = sorted(int(size) for size in args.sizes.split(","))
    except ValueError:
        parser.error("--sizes takes row counts such as 100000,1000000")
    if args.sizes[0] < 100:
        parser.error("each size must be at least 100 rows")
    return args


def setup_django(database_url: str, scratch: Path) -> None:
    sys.path.insert(0, str(PROJECT_ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "callcenter.settings"
    os.environ["DATABASE_URL"] = database_url  # never the project's own database
    os.environ.setdefault("DEBUG", "false")  # no query log the raw side would not pay
    os.environ.setdefault("SECRET_KEY", "benchmark-only-key-not-a-secret")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.MEDIA_ROOT = str(scratch / "media")  # the stored lead files, dropped after
    call_command("migrate", verbosity=0, interactive=False)


def drop_database(database_url: str) -> None:
    name = conninfo_to_dict(database_url)["dbname"]
    with psycopg.connect(make_conninfo(database_url, dbname="postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@dataclass
class Measured:
    size: int
    ours_s: float
    raw_s: float
    correct: bool
    counts: str


def run(sizes: list[int], scratch: Path) -> int:
    from crm.models import DncList

    national = DncList.objects.create(
        name="National registry", kind="national", as_of=dt.datetime.now(dt.UTC).date()
    )
    results = []
    base = 0
    for size in sizes:
        results.append(measure(size, base, national.pk, scratch))
        base += size
    return report(results)


def prepare(registry: list[str], known: list[tuple[str, str]], *, list_id: int) -> None:
    """Registry numbers and known customers in place before the clock starts (COPY)."""
    from django.db import connection

    with connection.cursor() as cursor:
        with cursor.copy("COPY crm_dncregistrynumber (phone, dnc_list_id) FROM STDIN") as copy:
            for number in registry:
                copy.write_row((number, list_id))
        cursor.execute("CREATE TEMPORARY TABLE bench_known (account text, phone text)")
        with cursor.copy("COPY bench_known FROM STDIN") as copy:
            for row in known:
                copy.write_row(row)
        cursor.execute(
            "INSERT INTO crm_customer (name, account_number, tier, preferred_language,"
            " time_zone, email, is_lead, recording_consent, call_consent, created_at,"
            " updated_at) SELECT 'Known', account, 0, 'en-US', '', '', false, 'unknown',"
            " 'none', now(), now() FROM bench_known"
        )
        cursor.execute(
            "INSERT INTO crm_phonenumber (customer_id, number, label, is_primary)"
            " SELECT c.id, k.phone, 'mobile', true FROM bench_known k"
            " JOIN crm_customer c ON c.account_number = k.account"
        )
        cursor.execute("DROP TABLE bench_known")
        for table in ("crm_dncregistrynumber", "crm_customer", "crm_phonenumber"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def measure(size: int, base: int, list_id: int, scratch: Path) -> Measured:
    from django.core.files import File
    from django.db import connection, transaction

    from campaigns.models import Campaign, LeadImport
    from campaigns.services import lead_import_run

    path = scratch / f"leads-{size}.csv"
    expected, registry, known = write_file(path, size=size, base=base)
    prepare(registry, known, list_id=list_id)
    print(f"{size:,} rows: file {path.stat().st_size / 2**20:.0f} MiB")

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_raw_rows (phone text, name text, time_zone text,"
            " account text, email text, plan text)"
        )
    started = time.perf_counter()
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        path.open("rb") as source,
        cursor.copy("COPY bench_raw_rows FROM STDIN (FORMAT csv, HEADER true)") as copy,
    ):
        while block := source.read(BLOCK):
            copy.write(block)
    raw_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw_rows")

    campaign = Campaign.objects.create(name=f"Bench {size}", caller_id="+18005550100")
    with path.open("rb") as handle:
        lead_import = LeadImport.objects.create(
            campaign=campaign,
            file=File(handle, name=path.name),
            original_name=path.name,
            mapping=MAPPING,
        )
    started = time.perf_counter()
    result = lead_import_run(lead_import_id=lead_import.pk)
    ours_s = time.perf_counter() - started
    got = Expected(size, result.imported, result.duplicates, result.rejected)
    return Measured(
        size=size,
        ours_s=ours_s,
        raw_s=raw_s,
        correct=result.status == "done"
        and got == expected
        and campaign.leads.count() == expected.imported
        and result.rejections.count() == expected.duplicates + expected.rejected,
        counts=f"{got.imported:,} leads, {got.duplicates:,} duplicates, {got.rejected:,} rejected"
        f" (expected {expected.imported:,}, {expected.duplicates:,}, {expected.rejected:,})",
    )


def report(results: list[Measured]) -> int:
    checks = []
    for m in results:
        ratio = m.ours_s / m.raw_s  # raw rows per second over ours
        print(
            f"{m.size:>9,} rows: ours {m.ours_s:7.1f} s ({m.size / m.ours_s:,.0f} rows/s),"
            f" raw COPY {m.raw_s:5.2f} s ({m.size / m.raw_s:,.0f} rows/s), ratio {ratio:.1f}"
        )
        checks.append((f"{m.size:,} rows counted where they belong: {m.counts}", m.correct))
    largest = results[-1]
    ratio = largest.ours_s / largest.raw_s
    label = f"{largest.size:,} rows within {TARGET_RATIO:g}x of raw COPY ({ratio:.1f}x)"
    checks.append((label, ratio <= TARGET_RATIO))
    if len(results) > 1:
        first = results[0]
        growth = largest.ours_s / first.ours_s
        print(f"linearity: {largest.size:,} rows take {growth:.1f}x the time of {first.size:,}")
        limit = largest.size / first.size  # linear: no more than the sizes' ratio
        label = f"{largest.size:,} rows in at most {limit:g}x the time of {first.size:,}"
        checks.append((label, growth <= limit))
    for label, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'} {label}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
