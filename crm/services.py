"""CRM business operations: every write to customers, cases, the timeline and the
Do-Not-Call lists goes through here.

Each function validates fully before it writes and runs in one transaction, so bad input
raises ValidationError and leaves nothing half-saved; registry loads alone insert in
batches, for their size.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import IO, Any

import phonenumbers
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone
from phonenumbers import timezone as phone_timezone

from callcenter import live

from . import signals
from .models import (
    Case,
    CaseEvent,
    Customer,
    DncChange,
    DncEntry,
    DncList,
    DncRegistryNumber,
    DncSource,
    EmailAddress,
    Interaction,
    PhoneNumber,
)
from .phones import normalize_phone

logger = logging.getLogger(__name__)

REGISTRY_BLOCK_BYTES = 1 << 20

CUSTOMER_FIELDS = (
    "name",
    "account_number",
    "tier",
    "preferred_language",
    "time_zone",
    "email",
    "is_lead",
    "recording_consent",
    "call_consent",
    "call_consent_at",
)
CASE_EDITABLE_FIELDS = ("subject", "description", "category", "priority", "due_at")


def user_display(user: User) -> str:
    """How a colleague is named in histories: full name, else username."""
    return user.get_full_name() or user.get_username()


def timeline_group(customer_id: int) -> str:
    """The channel-layer group of pages showing this customer's timeline."""
    return f"customer-{customer_id}-timeline"


def _time_zone_for(number: str) -> str:
    """The number's time zone when the numbering plan gives exactly one, else blank."""
    zones = phone_timezone.time_zones_for_number(phonenumbers.parse(number))
    return zones[0] if len(zones) == 1 and zones[0] != "Etc/Unknown" else ""


@contextmanager
def _errors_under(prefix: str) -> Iterator[None]:
    """Re-key a nested object's field errors as `prefix.field` for the parent's caller."""
    try:
        yield
    except ValidationError as error:
        raise ValidationError(
            {f"{prefix}.{field}": msgs for field, msgs in error.message_dict.items()}
        ) from None


@transaction.atomic
def customer_create(
    *,
    phone_numbers: Iterable[Mapping[str, Any]] = (),
    email_addresses: Iterable[Mapping[str, Any]] = (),
    **fields: Any,
) -> Customer:
    """Create a customer with their phone numbers and extra email addresses."""
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown customer fields: {sorted(unknown)}")
    customer = Customer(**fields)
    if not customer.account_number:
        customer.account_number = _new_account_numbers(1)[0]
    customer.full_clean()
    customer.save()
    phones = []
    for i, phone in enumerate(phone_numbers):
        with _errors_under(f"phone_numbers.{i}"):
            phones.append(phone_number_add(customer=customer, **phone))
    for i, address in enumerate(email_addresses):
        with _errors_under(f"email_addresses.{i}"):
            email_address_add(customer=customer, **address)
    if not customer.time_zone and phones:
        customer.time_zone = _time_zone_for(phones[0].number)
        if customer.time_zone:
            customer.save(update_fields=["time_zone"])
    return customer


def _new_account_numbers(count: int) -> list[str]:
    """`count` distinct account numbers nobody holds, checked in one query per round (a
    round more only for the rare candidate already taken)."""
    chosen: set[str] = set()
    while len(chosen) < count:
        candidates = {
            f"AC-{secrets.randbelow(10**8):08d}" for _ in range(count - len(chosen))
        } - chosen
        taken = set(
            Customer.objects.filter(account_number__in=candidates).values_list(
                "account_number", flat=True
            )
        )
        chosen |= candidates - taken
    return list(chosen)


@transaction.atomic
def lead_customers_create(
    *, leads: Sequence[Mapping[str, str]]
) -> list[Customer | ValidationError]:
    """Create customers marked as leads, each with its one E.164 number as primary, in a
    few set statements however many there are (a lead file's unknown callers).

    Each entry gives `number` and optionally `name`, `email` and `time_zone` (blank: the
    number's when the plan gives one). Returns, in order, the customer or why the entry
    cannot make one; the refused ones leave nothing behind.
    """
    results: list[Customer | ValidationError] = []
    valid: list[tuple[Customer, str]] = []
    for lead in leads:
        number = lead["number"]
        customer = Customer(
            name=lead.get("name") or f"Lead {number}",
            is_lead=True,
            time_zone=lead.get("time_zone") or _time_zone_for(number),
            email=lead.get("email", ""),
        )
        try:
            # Account numbers are drawn below; uniqueness has nothing else to check.
            customer.full_clean(
                exclude=["account_number"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            results.append(error)
        else:
            results.append(customer)
            valid.append((customer, number))
    for (customer, _), account_number in zip(valid, _new_account_numbers(len(valid)), strict=True):
        customer.account_number = account_number
    Customer.objects.bulk_create([customer for customer, _ in valid])
    PhoneNumber.objects.bulk_create(
        PhoneNumber(customer=customer, number=number, is_primary=True) for customer, number in valid
    )
    return results


@transaction.atomic
def customer_update(*, customer: Customer, **fields: Any) -> Customer:
    """Change a customer's profile fields."""
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown customer fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(customer, name, value)
    customer.full_clean()
    customer.save()
    return customer


@transaction.atomic
def phone_number_add(
    *,
    customer: Customer,
    number: str,
    label: str = PhoneNumber.Label.MOBILE,
    is_primary: bool = False,
) -> PhoneNumber:
    """Add a number (any format) to a customer; the first one becomes primary."""
    if not customer.phone_numbers.exists():
        is_primary = True
    phone = PhoneNumber(customer=customer, number=number, label=label, is_primary=is_primary)
    phone.full_clean()
    if is_primary:
        customer.phone_numbers.filter(is_primary=True).update(is_primary=False)
    phone.save()
    return phone


@transaction.atomic
def email_address_add(*, customer: Customer, email: str, label: str = "") -> EmailAddress:
    """Add a further email address to a customer."""
    address = EmailAddress(customer=customer, email=email, label=label)
    address.full_clean()
    address.save()
    return address


@transaction.atomic
def interaction_record(
    *,
    customer: Customer,
    kind: str,
    summary: str,
    body: str = "",
    direction: str = Interaction.Direction.INTERNAL,
    actor: User | None = None,
    source: models.Model | None = None,
    occurred_at: datetime | None = None,
) -> Interaction:
    """Append an entry to the customer's timeline (other apps call this too)."""
    interaction = Interaction(
        customer=customer,
        kind=kind,
        summary=summary,
        body=body,
        direction=direction,
        actor=actor,
        occurred_at=occurred_at or timezone.now(),
    )
    if source is not None:
        interaction.source = source
    interaction.full_clean()
    interaction.save()
    live.notify(timeline_group(customer.pk), "timeline-changed")
    return interaction


def note_add(*, customer: Customer, author: User, body: str) -> Interaction:
    """Add an agent's note to the customer's timeline."""
    text = (body or "").strip()
    if not text:
        raise ValidationError({"body": ["Write something before adding the note."]})
    first_line = text.splitlines()[0]
    summary = first_line if len(first_line) <= 120 else first_line[:119] + "…"
    return interaction_record(
        customer=customer, kind=Interaction.Kind.NOTE, summary=summary, body=text, actor=author
    )


def _display(case: Case, field: str) -> str:
    """A field's value as people read it, for the case history."""
    value = getattr(case, field)
    if value is None or value == "":
        return ""
    display = getattr(case, f"get_{field}_display", None)
    if display is not None:
        return str(display())
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, User):
        return user_display(value)
    return str(value)


def _case_record(*, case: Case, actor: User | None, kind: str, changes: dict, summary: str) -> None:
    CaseEvent.objects.create(case=case, actor=actor, kind=kind, changes=changes)
    interaction_record(
        customer=case.customer,
        kind=Interaction.Kind.CASE,
        summary=summary,
        actor=actor,
        source=case,
    )


@transaction.atomic
def case_create(
    *,
    customer: Customer,
    actor: User | None,
    subject: str,
    description: str = "",
    category: str = Case.Category.OTHER,
    priority: int = Case.Priority.NORMAL,
    owner: User | None = None,
    due_at: datetime | None = None,
) -> Case:
    """Open a case for a customer; it is recorded in the case history and the timeline."""
    # The rule of case_assign: a person may open a case for themselves or for nobody; for
    # someone else only with crm.assign_case. (No actor: the system, e.g. a voicemail.)
    if (
        actor is not None
        and owner is not None
        and owner != actor
        and not actor.has_perm("crm.assign_case")
    ):
        raise PermissionDenied("Only supervisors can assign cases to someone else.")
    case = Case(
        customer=customer,
        subject=subject,
        description=description,
        category=category,
        priority=priority,
        owner=owner,
        due_at=due_at,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    case.full_clean()
    case.save()
    changes = {f: ["", _display(case, f)] for f in ("subject", "category", "priority", "owner")}
    _case_record(
        case=case,
        actor=case.created_by,
        kind=CaseEvent.Kind.CREATED,
        changes={k: v for k, v in changes.items() if v[1]},
        summary=f"Case {case.reference} opened: {case.subject}",
    )
    return case


def _locked(case: Case) -> Case:
    # Re-read under a row lock so two agents editing at once both see the other's change.
    return Case.objects.select_for_update().select_related("customer").get(pk=case.pk)


@transaction.atomic
def case_update(*, case: Case, actor: User, **fields: Any) -> Case:
    """Change a case's details (not its status or owner); every change is recorded."""
    unknown = set(fields) - set(CASE_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not editable here: {sorted(unknown)}")
    case = _locked(case)
    before = {name: _display(case, name) for name in fields}
    for name, value in fields.items():
        setattr(case, name, value)
    case.full_clean()
    changes = {
        name: [before[name], _display(case, name)]
        for name in fields
        if before[name] != _display(case, name)
    }
    if changes:
        case.save()
        _case_record(
            case=case,
            actor=actor,
            kind=CaseEvent.Kind.UPDATED,
            changes=changes,
            summary=f"Case {case.reference} updated: {', '.join(changes)}",
        )
    return case


@transaction.atomic
def case_transition(*, case: Case, actor: User, status: str, resolution: str = "") -> Case:
    """Move a case along its workflow; illegal moves raise ValidationError."""
    case = _locked(case)
    if status not in Case.Status.values:
        raise ValidationError({"status": [f"“{status}” is not a case status."]})
    if status not in case.allowed_transitions():
        allowed = ", ".join(Case.Status(s).label for s in case.allowed_transitions()) or "none"
        raise ValidationError(
            {
                "status": [
                    f"A {case.get_status_display().lower()} case cannot become "
                    f"{Case.Status(status).label.lower()} (allowed: {allowed})."
                ]
            }
        )
    resolution = (resolution or "").strip() or (
        case.resolution if status == Case.Status.CLOSED else ""
    )
    if status in Case.NEEDS_RESOLUTION and not resolution:
        raise ValidationError({"resolution": ["Say how the case was resolved."]})
    old_status = case.get_status_display()
    case.status = status
    now = timezone.now()
    if status == Case.Status.RESOLVED:
        case.resolution, case.resolved_at = resolution, now
    elif status == Case.Status.CLOSED:
        case.resolution, case.closed_at = resolution, now
    elif status == Case.Status.OPEN:
        case.resolved_at = None
    case.full_clean()
    case.save()
    changes = {"status": [old_status, case.get_status_display()]}
    if status in Case.NEEDS_RESOLUTION:
        changes["resolution"] = ["", resolution]
    _case_record(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.STATUS,
        changes=changes,
        summary=f"Case {case.reference} {case.get_status_display().lower()}: {case.subject}",
    )
    return case


@transaction.atomic
def case_assign(*, case: Case, actor: User, owner: User | None) -> Case:
    """Give a case to an agent. Anyone may take a case; only supervisors give it to others."""
    if owner != actor and not actor.has_perm("crm.assign_case"):
        raise PermissionDenied("Only supervisors can assign cases to someone else.")
    case = _locked(case)
    if case.owner_id == (owner.pk if owner else None):
        return case
    before = _display(case, "owner")
    case.owner = owner
    case.save(update_fields=["owner", "updated_at"])
    after = _display(case, "owner")
    _case_record(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.ASSIGNED,
        changes={"owner": [before, after]},
        summary=f"Case {case.reference} assigned to {after or 'nobody'}",
    )
    return case


_UNCHANGED: Any = object()


@transaction.atomic
def case_change(*, case: Case, actor: User, owner: User | None = _UNCHANGED, **fields: Any) -> Case:
    """Change a case's owner and details together: both happen, or neither."""
    if owner is not _UNCHANGED:
        case = case_assign(case=case, actor=actor, owner=owner)
    return case_update(case=case, actor=actor, **fields)


# --- Do-Not-Call --------------------------------------------------------------------------


def _by(user: User | None) -> User | None:
    return user if user is not None and user.is_authenticated else None


def dnc_internal_list() -> DncList:
    """The company's own list (created by a migration; recreated if someone deleted it)."""
    dnc_list, _ = DncList.objects.get_or_create(
        kind=DncList.Kind.INTERNAL, defaults={"name": "Internal (company)"}
    )
    return dnc_list


@transaction.atomic
def dnc_add(
    *,
    phone: str,
    source: str,
    reason: str = "",
    by: User | None = None,
    dnc_list: DncList | None = None,
) -> DncEntry:
    """Put a number (any format) on a list, the internal one by default; effective at once.

    Adding a number already there changes nothing and is not audited twice. Listeners of
    `dnc_number_added` (those stopping calls already planned) act in this transaction.
    """
    number = normalize_phone(phone)
    dnc_list = dnc_list or dnc_internal_list()
    fields = {"source": source, "reason": reason, "added_by": _by(by)}
    DncEntry(dnc_list=dnc_list, phone=number, **fields).full_clean(validate_constraints=False)
    # get_or_create, not a check then an insert: two requests adding the same number at
    # once (an IVR caller and their agent) end with one entry and one audit line.
    entry, created = DncEntry.objects.get_or_create(
        dnc_list=dnc_list, phone=number, defaults=fields
    )
    if not created:
        return entry
    DncChange.objects.create(
        dnc_list=dnc_list,
        phone=number,
        action=DncChange.Action.ADD,
        source=source,
        reason=reason,
        by=_by(by),
    )
    signals.dnc_number_added.send(sender=DncEntry, dnc_list=dnc_list, phone=number)
    return entry


@transaction.atomic
def dnc_remove(
    *,
    phone: str,
    reason: str,
    by: User | None,
    source: str = DncSource.API,
    dnc_list: DncList | None = None,
) -> None:
    """Take a number off a list (the internal one by default); needs a reason, is audited.

    Leads already marked do-not-call stay so: calling them again is a campaign decision.
    """
    if not (reason or "").strip():
        raise ValidationError({"reason": ["Say why the number may be called again."]})
    number = normalize_phone(phone)
    dnc_list = dnc_list or dnc_internal_list()
    deleted, _ = DncEntry.objects.filter(dnc_list=dnc_list, phone=number).delete()
    if not deleted:
        raise ValidationError({"phone": [f"{number} is not on {dnc_list}."]})
    DncChange.objects.create(
        dnc_list=dnc_list,
        phone=number,
        action=DncChange.Action.REMOVE,
        source=source,
        reason=reason.strip(),
        by=_by(by),
    )


_REGISTRY_LINE = re.compile(rb"^[ \t]*(\d{3})[ \t]*,?[ \t]*-?[ \t]*(\d{7})[ \t]*\r?$", re.MULTILINE)
_NONBLANK_LINE = re.compile(rb"^[ \t\r]*\S", re.MULTILINE)
_REGISTRY_STAGING = "dnc_registry_staging"


def _registry_blocks(handle: IO[bytes]) -> Iterator[bytes]:
    """The file in blocks of whole lines (about 1 MiB each): parsed a block at a time, a
    registry copy of 250M lines costs one regular-expression pass, not one call per line."""
    rest = b""
    while block := handle.read(REGISTRY_BLOCK_BYTES):
        block = rest + block
        cut = block.rfind(b"\n") + 1
        rest = block[cut:]
        if cut:
            yield block[:cut]
        else:
            rest = block
    if rest:
        yield rest + b"\n"


def _registry_stage(cursor: CursorWrapper, handle: IO[bytes]) -> dict[str, Any]:
    """Parse the file into the staging table; returns its counts and area codes."""
    areas: set[bytes] = set()
    lines = skipped = 0
    vendor = connection.vendor
    copy = (
        cursor.copy(f"COPY {_REGISTRY_STAGING} (phone) FROM STDIN")
        if vendor == "postgresql"
        else None
    )
    with copy or contextlib.nullcontext() as sink:
        for block in _registry_blocks(handle):
            numbers = _REGISTRY_LINE.findall(block)
            lines += len(numbers)
            skipped += len(_NONBLANK_LINE.findall(block)) - len(numbers)
            areas.update(area for area, _ in numbers)
            if sink is not None:
                sink.write(b"".join(b"+1%s%s\n" % number for number in numbers))
            else:
                cursor.executemany(
                    f"INSERT INTO {_REGISTRY_STAGING} (phone) VALUES (%s)",  # noqa: S608
                    [(f"+1{area.decode()}{rest.decode()}",) for area, rest in numbers],
                )
    return {
        "area_codes": sorted(area.decode() for area in areas),
        "lines": lines,
        "skipped": skipped,
    }


def dnc_registry_import(*, dnc_list: DncList, handle: IO[bytes], as_of: dt.date) -> dict[str, int]:
    """Load a national registry copy (files per area code) into a national list.

    Lines are `AAA,NNNNNNN` or ten digits. The file's area codes are replaced as a whole,
    so numbers that left the registry leave our copy too; then the list is dated `as_of`.
    The file goes into a staging table (COPY on PostgreSQL), then in set statements: delete
    the list's numbers of those area codes the file lacks, insert the new ones sorted (an
    index filled in order). Loading the same file twice changes nothing. One transaction,
    so checks never see an area code half loaded. Returns counts for the report.
    """
    if dnc_list.kind != DncList.Kind.NATIONAL:
        raise ValidationError({"dnc_list": ["Registry files go into a national list."]})
    table = DncRegistryNumber._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sort of a whole copy in memory rather than in temporary files.
            cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(f"DROP TABLE IF EXISTS {_REGISTRY_STAGING}")
        cursor.execute(f"CREATE TEMPORARY TABLE {_REGISTRY_STAGING} (phone varchar(16) NOT NULL)")
        staged = _registry_stage(cursor, handle)
        cursor.execute(f"ANALYZE {_REGISTRY_STAGING}")
        if areas := staged["area_codes"]:
            # The outer range lets the (phone, list) index serve a file of one area code (the
            # usual file); the prefix list, hashed by PostgreSQL, picks the file's area codes.
            prefixes = ", ".join(["%s"] * len(areas))
            prefixed = [f"+1{area}" for area in areas]
            cursor.execute(
                # Table names and placeholders only are formatted in.
                f"DELETE FROM {table} WHERE dnc_list_id = %s AND phone BETWEEN %s AND %s"  # noqa: S608
                f" AND substr(phone, 1, 5) IN ({prefixes}) AND NOT EXISTS"
                f" (SELECT 1 FROM {_REGISTRY_STAGING} s WHERE s.phone = {table}.phone)",
                [dnc_list.pk, f"+1{areas[0]}0000000", f"+1{areas[-1]}9999999", *prefixed],
            )
        # WHERE true: SQLite's grammar needs it before ON CONFLICT after a SELECT. A file's
        # repeated lines fall to ON CONFLICT too.
        cursor.execute(
            f"INSERT INTO {table} (phone, dnc_list_id) SELECT phone, %s"  # noqa: S608
            f" FROM {_REGISTRY_STAGING} WHERE true ORDER BY phone ON CONFLICT DO NOTHING",
            [dnc_list.pk],
        )
        cursor.execute(f"DROP TABLE {_REGISTRY_STAGING}")
        if connection.vendor == "postgresql":
            # Fresh statistics for the next scrub: with none on the lists' table, the planner
            # took the national numbers for a few thousand and probed the leads once per number.
            cursor.execute(f"ANALYZE {DncList._meta.db_table}, {table}")
        DncList.objects.filter(pk=dnc_list.pk).update(as_of=as_of)
    logger.info("National DNC list %s: %s numbers as of %s", dnc_list.pk, staged["lines"], as_of)
    return {
        "area_codes": len(staged["area_codes"]),
        "lines": staged["lines"],
        "skipped": staged["skipped"],
    }


def dnc_lists_delete(*, dnc_lists: models.QuerySet[DncList]) -> int:
    """Delete lists with their registry numbers (not tied to the list in the database)."""
    with transaction.atomic():
        DncRegistryNumber.objects.filter(
            dnc_list__in=list(dnc_lists.values_list("pk", flat=True))
        ).delete()
        deleted, _ = dnc_lists.delete()
    return deleted
