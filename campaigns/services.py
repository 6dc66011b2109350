"""Campaign business operations: status moves, leads stopped by Do-Not-Call, lead imports.

Each function validates before it writes and runs in one transaction, except the import,
which commits batch by batch so progress shows and nothing is redone.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

import phonenumbers
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from phonenumbers import timezone as phone_timezone

from callcenter import spreadsheets
from crm import selectors as crm_selectors
from crm import services as crm_services
from crm.models import Customer, DncList, PhoneNumber, known_time_zones
from crm.phones import normalize_phone

from . import importing, selectors
from .dialer.consent import line_type_of
from .models import Campaign, Lead, LeadImport, LeadImportRejection, ScrubbedLead

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

logger = logging.getLogger(__name__)

IMPORT_BATCH_SIZE = 500
# Statistics are refreshed once this many leads are imported, then at each doubling: a
# few quick samplings for a file of a million rows.
STATISTICS_REFRESH_FIRST = 5_000
REASON_MISSING_PHONE = "missing phone number"
REASON_ON_DNC = "on DNC"
REASON_DUPLICATE_IN_FILE = "duplicate in the file"
REASON_ALREADY_IN_CAMPAIGN = "already in the campaign"
REASON_NO_TIME_ZONE = "time zone unknown (give one in the file or a default)"


def _by(user: User | None) -> User | None:
    return user if user is not None and user.is_authenticated else None


# --- Campaign status ----------------------------------------------------------------------

# What supervisors press, and the status each leads to; campaign_transition decides
# whether the move is legal from where the campaign is.
CONTROLS = {
    "start": Campaign.Status.RUNNING,
    "pause": Campaign.Status.PAUSED,
    "resume": Campaign.Status.RUNNING,
    "stop": Campaign.Status.STOPPED,
}


@transaction.atomic
def campaign_transition(*, campaign: Campaign, status: str, by: User | None = None) -> Campaign:
    """Move a campaign to `status` (start, pause, resume, stop, complete) if the move is legal.

    Starting or resuming validates the whole campaign (a dialling campaign needs people to
    take its calls) and refuses a sales campaign while the national registry copy is
    missing or older than 31 days: scrubbing against it is the law for telemarketing.
    """
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if status not in campaign.allowed_transitions():
        current = campaign.get_status_display().lower()
        raise ValidationError({"status": [f"A {current} campaign cannot move to “{status}”."]})
    now = timezone.now()
    if status == Campaign.Status.RUNNING:
        warning = crm_selectors.national_dnc_warning()
        if warning and campaign.kind == Campaign.Kind.SALES:
            raise ValidationError({"status": [f"{warning} Sales campaigns cannot start."]})
        campaign.started_at = campaign.started_at or now
        campaign_leads_scrub(campaign=campaign)
    if status in (Campaign.Status.STOPPED, Campaign.Status.COMPLETED):
        campaign.stopped_at = now
    campaign.status = status
    campaign.full_clean()
    campaign.save(update_fields=["status", "started_at", "stopped_at"])
    logger.info("Campaign %s is now %s (by %s)", campaign.pk, status, _by(by))
    return campaign


# --- Do-Not-Call --------------------------------------------------------------------------


def leads_stop_for_dnc(*, dnc_list: DncList, phone: str) -> int:
    """Mark do-not-call the leads a number newly listed binds that are not yet dialled.

    Internal and national lists bind every campaign; a campaign list binds the campaigns
    that name it. A lead in flight is the dialer's to finish. Returns how many stopped.
    """
    leads = Lead.objects.filter(phone=phone, status__in=[Lead.Status.NEW, Lead.Status.SCHEDULED])
    if dnc_list.kind == DncList.Kind.CAMPAIGN:
        leads = leads.filter(campaign__dnc_lists=dnc_list)
    return leads.update(status=Lead.Status.DO_NOT_CALL, updated_at=timezone.now())


def campaign_leads_scrub(*, campaign: Campaign) -> int:
    """Stop, in set statements, the campaign's leads not yet dialled whose number a binding
    list holds: at start and resume, since lists changed while it was idle (a new registry
    copy comes without a signal per number). Each stopped lead gets a `ScrubbedLead` row
    (INSERT ... SELECT, the wide lead rows untouched); the dialer checks again at dial time.
    Returns how many stopped."""
    leads = Lead.objects.filter(
        campaign=campaign, status__in=[Lead.Status.NEW, Lead.Status.SCHEDULED]
    )
    lists = selectors.campaign_dnc_lists(campaign)
    stopped_at = connection.ops.adapt_datetimefield_value(timezone.now())
    table = ScrubbedLead._meta.db_table
    stopped = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for entries in crm_selectors.dnc_binding_entries(OuterRef("phone"), extra_lists=lists):
            stopping = leads.filter(Exists(entries)).order_by().values("id")
            select, params = stopping.query.sql_with_params()
            with _merge_joins_preferred(cursor):
                cursor.execute(
                    # WHERE true: SQLite's grammar needs it before ON CONFLICT after a SELECT.
                    # A lead already stopped (or held by both lists) conflicts: counted once.
                    f"INSERT INTO {table} (lead_id, stopped_at)"  # noqa: S608
                    f" SELECT held.id, %s FROM ({select}) AS held WHERE true"
                    " ON CONFLICT DO NOTHING",
                    [stopped_at, *params],
                )
                stopped += cursor.rowcount
    return stopped


@contextmanager
def _merge_joins_preferred(cursor: CursorWrapper) -> Iterator[None]:
    """PostgreSQL: join the leads to a list by merging the two phone indexes, already in
    order, rather than hashing the list, and without JIT compiling. The planner prices
    hashing a 10M-number registry below the merge; on the data of `bench/dnc_scrub.py` the
    merge ran in a third of the time, and compiling the statement cost more than it saved."""
    if connection.vendor != "postgresql":
        yield
        return
    cursor.execute("SELECT current_setting('enable_hashjoin'), current_setting('jit')")
    hashjoin, jit = cursor.fetchone()
    cursor.execute("SET LOCAL enable_hashjoin = off")
    cursor.execute("SET LOCAL jit = off")
    try:
        yield
    finally:
        # Back as they were for the rest of the caller's transaction.
        cursor.execute(
            "SELECT set_config('enable_hashjoin', %s, true), set_config('jit', %s, true)",
            [hashjoin, jit],
        )


# --- Lead import --------------------------------------------------------------------------


@transaction.atomic
def lead_import_create(
    *,
    campaign: Campaign,
    file: UploadedFile,
    by: User | None,
    mapping: dict[str, str] | None = None,
    default_time_zone: str = "",
) -> LeadImport:
    """Keep an uploaded lead file; with a mapping the import starts at once.

    Without one it waits for lead_import_start, once a person has mapped the columns.
    """
    kind = importing.kind_of(file.name or "")
    limit = settings.LEAD_IMPORT_MAX_UPLOAD_SIZE
    if (file.size or 0) > limit:
        raise ValidationError(
            {"file": [f"The file is larger than {limit / 1024 / 1024:g} MB; split it in parts."]}
        )
    file.seek(0)
    importing.read(file, kind=kind)  # refuses unreadable or header-less files now
    file.seek(0)
    lead_import = LeadImport(
        campaign=campaign,
        file=file,
        original_name=(file.name or "leads")[:255],
        default_time_zone=default_time_zone,
        created_by=_by(by),
    )
    lead_import.full_clean(exclude=["file"])
    lead_import.save()
    if mapping is not None:
        try:
            lead_import = lead_import_start(
                lead_import=lead_import, mapping=mapping, default_time_zone=default_time_zone
            )
        except ValidationError:
            # The row is rolled back; the stored file would be left behind without this.
            lead_import.file.delete(save=False)
            raise
    return lead_import


def lead_import_columns(*, lead_import: LeadImport) -> list[str]:
    """The stored file's column names."""
    with lead_import.file.open("rb") as handle:
        columns, _ = importing.read(handle, kind=importing.kind_of(lead_import.file.name or ""))
    return columns


@transaction.atomic
def lead_import_start(
    *, lead_import: LeadImport, mapping: dict[str, str], default_time_zone: str = ""
) -> LeadImport:
    """Fix the column mapping and queue the import (a Celery task, after commit)."""
    from . import tasks

    lead_import = LeadImport.objects.select_for_update().get(pk=lead_import.pk)
    if lead_import.status != LeadImport.Status.PENDING or lead_import.mapping:
        raise ValidationError({"__all__": ["This import has already started."]})
    lead_import.mapping = importing.check_mapping(
        mapping, lead_import_columns(lead_import=lead_import)
    )
    lead_import.default_time_zone = default_time_zone
    lead_import.full_clean(exclude=["file"])
    lead_import.save(update_fields=["mapping", "default_time_zone"])
    pk = lead_import.pk
    transaction.on_commit(lambda: tasks.lead_import_run.delay(pk))
    return lead_import


def _time_zones(number: str, given: str, default: str) -> list[str]:
    """The lead's possible zones: a valid IANA name from the file, else the number's, else
    the import's default."""
    if given and given in known_time_zones():
        return [given]
    zones = [
        zone
        for zone in phone_timezone.time_zones_for_number(phonenumbers.parse(number))
        if zone != "Etc/Unknown"
    ]
    if zones:
        return sorted(zones)
    return [default] if default else []


def _plain(error: ValidationError) -> str:
    """A validation error as one sentence a person reads, not a dict of lists."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    parts = []
    for field, messages in error.message_dict.items():
        label = field.split(".")[-1].replace("_", " ")
        text = " ".join(messages)
        parts.append(text if field == "__all__" else f"{label}: {text}")
    return "; ".join(parts)


def _known_customers(rows: list[dict[str, str]], numbers: list[str]) -> dict[str, Customer]:
    """Customers of a batch, keyed by account number and by E.164, in two queries."""
    accounts = [row["account_number"].upper() for row in rows if row.get("account_number")]
    known: dict[str, Customer] = {
        c.account_number: c for c in Customer.objects.filter(account_number__in=accounts)
    }
    known |= crm_selectors.customers_owning(numbers)
    return known


# One parsed row: its number in the file, its values, mapped fields, other columns (the
# lead's data), E.164 number ("" when unusable) and why it cannot be a lead ("" if it can).
_Row = tuple[int, list[str], dict[str, str], dict[str, str], str, str]


class _Superseded(Exception):
    """Another run of the same import committed this batch first."""


@transaction.atomic
def _import_batch(lead_import: LeadImport, batch: list[_Row], seen: dict[str, int]) -> None:
    """Write one batch of rows: each becomes a lead or a rejection row, and the offset the
    next run resumes from commits with them. A constant number of statements per batch:
    the customers of unknown callers are created together."""
    campaign = Campaign.objects.select_for_update().get(pk=lead_import.campaign_id)
    committed = (
        LeadImport.objects.select_for_update().values_list("processed_rows", flat=True)
    ).get(pk=lead_import.pk)
    if committed != lead_import.processed_rows:
        raise _Superseded
    numbers = [row[4] for row in batch if row[4]]
    on_dnc = selectors.dnc_numbers_among(numbers, campaign)
    in_campaign = set(campaign.leads.filter(phone__in=numbers).values_list("phone", flat=True))
    known = _known_customers([row[2] for row in batch], numbers)
    leads = []
    rejections = []

    def reject(row_number: int, values: list[str], reason: str) -> None:
        rejections.append(
            LeadImportRejection(
                lead_import=lead_import, row=row_number, reason=reason, values=values
            )
        )

    # Rows whose caller the CRM does not know yet: their customers are made together below.
    unknown: list[tuple[Lead, int, list[str], dict[str, str]]] = []
    for row_number, values, fields, data, number, problem in batch:
        lead_import.processed_rows += 1
        if problem:
            lead_import.rejected += 1
            reject(row_number, values, problem)
        elif number in seen:
            lead_import.duplicates += 1
            reject(row_number, values, f"{REASON_DUPLICATE_IN_FILE} (row {seen[number]})")
        elif number in in_campaign:
            lead_import.duplicates += 1
            reject(row_number, values, REASON_ALREADY_IN_CAMPAIGN)
        elif number in on_dnc:
            lead_import.rejected += 1
            reject(row_number, values, REASON_ON_DNC)
        else:
            zones = _time_zones(number, fields.get("time_zone", ""), lead_import.default_time_zone)
            if not zones:
                lead_import.rejected += 1
                reject(row_number, values, REASON_NO_TIME_ZONE)
            else:
                lead = Lead(
                    campaign=campaign,
                    phone=number,
                    line_type=line_type_of(number),
                    name=fields.get("name", ""),
                    time_zones=zones,
                    data=data,
                    import_batch=lead_import,
                )
                # The CRM customer the lead is: by account number, else by phone, else new.
                account = fields.get("account_number", "").upper()
                lead.customer = (known.get(account) if account else None) or known.get(number)
                if lead.customer is None:
                    unknown.append((lead, row_number, values, fields))
                leads.append(lead)
                lead_import.imported += 1
        if number:
            seen.setdefault(number, row_number)
    created = crm_services.lead_customers_create(
        leads=[
            {
                "number": lead.phone,
                "name": fields.get("name", ""),
                "email": fields.get("email", ""),
                "time_zone": lead.time_zones[0] if len(lead.time_zones) == 1 else "",
            }
            for lead, _, _, fields in unknown
        ]
    )
    refused: set[int] = set()
    for (lead, row_number, values, _), customer in zip(unknown, created, strict=True):
        if isinstance(customer, ValidationError):
            refused.add(id(lead))
            lead_import.imported -= 1
            lead_import.rejected += 1
            reject(row_number, values, _plain(customer))
        else:
            lead.customer = customer
    # Numbers are E.164, zones valid and names checked by construction; the campaign lock
    # above keeps two imports of one campaign from racing on the unique (campaign, phone).
    Lead.objects.bulk_create([lead for lead in leads if id(lead) not in refused])
    LeadImportRejection.objects.bulk_create(rejections)
    lead_import.progressed_at = timezone.now()
    lead_import.save(
        update_fields=["processed_rows", "imported", "duplicates", "rejected", "progressed_at"]
    )


_NAME_MAX_LENGTH = Lead._meta.get_field("name").max_length or 200


def _row_problem(fields: dict[str, str]) -> str:
    """Why the mapped fields cannot make a lead, checked before anything is written."""
    name = fields.get("name", "")
    if len(name) > _NAME_MAX_LENGTH:
        return f"the name is {len(name)} characters long; at most {_NAME_MAX_LENGTH} fit"
    email = fields.get("email", "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            return f"“{email[:80]}” is not an email address"
    return ""


def _parse_row(row_number: int, values: list[str], columns: list[str], mapping: dict) -> _Row:
    """One row read through the mapping, its number normalised and its fields checked."""
    fields: dict[str, str] = {}
    data: dict[str, str] = {}
    for column, value in zip(columns, values, strict=False):
        field = mapping.get(column)
        if field:
            fields[field] = value
            if field in ("account_number", "email") and value:
                data[field] = value
        elif value:
            data[column] = value
    raw = fields.get("phone", "")
    if not raw:
        return row_number, values, fields, data, "", REASON_MISSING_PHONE
    try:
        number = normalize_phone(raw)
    except ValidationError as error:
        return row_number, values, fields, data, "", f"bad number: {error.messages[0]}"
    return row_number, values, fields, data, number, _row_problem(fields)


def _lead_import_claim(lead_import_id: int) -> LeadImport | None:
    """Mark the import running for this run, or None when there is nothing to run.

    A run of an import already running is a redelivered task (its worker died) or the
    sweep: it resumes, unless the import has been started too often already.
    """
    lead_import = LeadImport.objects.select_for_update().get(pk=lead_import_id)
    if lead_import.is_finished or not lead_import.mapping:
        return None  # done, or nothing mapped yet
    lead_import.attempts += 1
    if lead_import.attempts > settings.LEAD_IMPORT_MAX_ATTEMPTS:
        lead_import.status = LeadImport.Status.FAILED
        lead_import.error = (
            f"The import was interrupted {lead_import.attempts - 1} times and stopped after "
            f"row {lead_import.processed_rows + 1} of {lead_import.total_rows}. The rows "
            "imported so far are kept; upload the rest of the file again."
        )
        lead_import.finished_at = timezone.now()
    else:
        lead_import.status = LeadImport.Status.RUNNING
    lead_import.progressed_at = timezone.now()
    lead_import.save(update_fields=["status", "attempts", "error", "finished_at", "progressed_at"])
    return None if lead_import.is_finished else lead_import


def _statistics_refresh() -> None:
    """Fresh planner statistics for the tables an import grows (PostgreSQL): each batch's
    lookups (the campaign's numbers, known customers) are planned on them, and planned on
    a table's size before the file it scanned the campaign's leads once per batch, which
    grows with the square of the file, long before autovacuum's next look (if it runs)."""
    if connection.vendor != "postgresql":
        return
    tables = (Lead, Customer, PhoneNumber)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(model._meta.db_table for model in tables)}")


def lead_import_run(*, lead_import_id: int) -> LeadImport:
    """Import every row of a mapped file, batch by batch (the Celery task's body).

    A row becomes a lead or a rejection row with its reason; rows are never silently
    dropped. Each batch commits with the count of rows done, so a run that starts again
    (redelivered, or resumed by the sweep) continues after the last committed batch.
    """
    with transaction.atomic():
        lead_import = _lead_import_claim(lead_import_id)
    if lead_import is None:
        return LeadImport.objects.get(pk=lead_import_id)
    kind = importing.kind_of(lead_import.file.name or "")
    try:
        if not lead_import.processed_rows:
            # Counted first, in a pass of its own, so the progress bar knows the end.
            with lead_import.file.open("rb") as handle:
                lead_import.total_rows = sum(1 for _ in importing.read(handle, kind=kind)[1])
            lead_import.save(update_fields=["total_rows"])
        with lead_import.file.open("rb") as handle:
            columns, reader = importing.read(handle, kind=kind)
            done = lead_import.processed_rows
            seen: dict[str, int] = {}
            batch: list[_Row] = []
            refresh_at = STATISTICS_REFRESH_FIRST
            # Row 1 is the header; blank rows are skipped and not numbered.
            for row_number, values in enumerate(reader, start=2):
                row = _parse_row(row_number, values, columns, lead_import.mapping)
                if row_number - 2 < done:
                    # Committed by an earlier run: only its number counts, for duplicates.
                    if row[4]:
                        seen.setdefault(row[4], row_number)
                    continue
                batch.append(row)
                if len(batch) >= IMPORT_BATCH_SIZE:
                    _import_batch(lead_import, batch, seen)
                    batch = []
                    if lead_import.imported >= refresh_at:
                        _statistics_refresh()
                        refresh_at *= 2
            _import_batch(lead_import, batch, seen)
    except _Superseded:
        logger.info("Lead import %s: another run is ahead; this one stops", lead_import.pk)
        return LeadImport.objects.get(pk=lead_import.pk)
    except ValidationError as error:
        lead_import.status = LeadImport.Status.FAILED
        lead_import.error = _plain(error)[:2000]
    except Exception as error:
        logger.exception("Lead import %s failed", lead_import.pk)
        lead_import.status = LeadImport.Status.FAILED
        lead_import.error = str(error)[:2000]
    else:
        lead_import.status = LeadImport.Status.DONE
    lead_import.finished_at = timezone.now()
    lead_import.save(update_fields=["status", "error", "finished_at"])
    return lead_import


def lead_imports_sweep() -> list[int]:
    """Imports whose worker died: running with no batch committed for a while, or mapped
    and never picked up. Returns their ids, for the task to run again."""
    stale = timezone.now() - timedelta(seconds=settings.LEAD_IMPORT_STALE_AFTER)
    # No progress recorded at all: a run that started before progress was kept.
    quiet = Q(progressed_at__lt=stale) | Q(progressed_at__isnull=True, created_at__lt=stale)
    running = Q(status=LeadImport.Status.RUNNING) & quiet
    waiting = Q(status=LeadImport.Status.PENDING, created_at__lt=stale) & ~Q(mapping={})
    return list(
        LeadImport.objects.filter(running | waiting).order_by("pk").values_list("pk", flat=True)
    )


def lead_import_report_lines(*, lead_import: LeadImport) -> Iterator[str]:
    """The rows that did not become leads, with their reason and original values, as CSV
    lines read from the rejection rows (safe to open in a spreadsheet)."""
    columns: list[str] = []
    if lead_import.rejections.exists():
        try:
            columns = lead_import_columns(lead_import=lead_import)
        except (OSError, ValidationError):
            columns = []  # the stored file is gone; the values still say everything
    rows = (
        [line.row, line.reason, *line.values]
        for line in lead_import.rejections.order_by("row").iterator(chunk_size=2000)
    )
    return spreadsheets.csv_lines(itertools.chain([["row", "reason", *columns]], rows))
