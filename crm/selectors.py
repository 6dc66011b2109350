"""CRM reads: searches, the lists the agent pages and the API show, and Do-Not-Call checks."""

from __future__ import annotations

import datetime
import functools
import re
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.utils import timezone

from .models import Case, Customer, DncEntry, DncList, DncRegistryNumber, Interaction, PhoneNumber
from .phones import try_normalize_phone

SEARCH_LIMIT = 25
# DOMAIN: scrub against a copy of the national registry no older than this.
NATIONAL_DNC_MAX_AGE_DAYS = 31
_NON_DIGITS = re.compile(r"\D")


def customers_by_phone(*, phone: str) -> list[Customer]:
    """Customers owning this number, typed in any format (caller-ID lookup).

    One query on the indexed E.164 column; an unparseable number matches nobody.
    """
    number = try_normalize_phone(phone)
    if number is None:
        return []
    # Every inbound call and screen-pop runs this, so it skips the ORM's query building,
    # which costs more than the indexed lookup itself (see bench/customer_lookup.py), and
    # the RawQuerySet's per-query column mapping too: the columns are the model's own, in
    # its order, each read through its field's converters (SQLite stores times as text).
    with connection.cursor() as cursor:
        cursor.execute(_BY_PHONE_SQL, [number])
        rows = cursor.fetchall()
    names, converters = _customer_columns(connection.vendor)
    customers = []
    for row in rows:
        values = list(row)
        for index, column, convert in converters:
            for converter in convert:
                values[index] = converter(values[index], column, connection)
        customers.append(Customer.from_db(connection.alias, names, values))
    return customers


@functools.cache
def _customer_columns(vendor: str) -> tuple[list[str], list[tuple[int, Any, list[Any]]]]:
    """The Customer columns _BY_PHONE_SQL selects, and the converters each needs here."""
    fields = Customer._meta.concrete_fields
    table = Customer._meta.db_table
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(table)
        found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if found:
            converters.append((index, column, found))
    return [field.attname for field in fields], converters


# Only the table and column names are formatted in, from the models' _meta; the number is
# a bound parameter.
_BY_PHONE_SQL = (
    f"SELECT {', '.join(f'c.{field.column}' for field in Customer._meta.concrete_fields)} "  # noqa: S608
    f"FROM {Customer._meta.db_table} c "
    f"JOIN {PhoneNumber._meta.db_table} p ON p.customer_id = c.id "
    "WHERE p.number = %s ORDER BY p.is_primary DESC, c.id"
)
_ACCOUNT_LIKE = re.compile(r"^[A-Z]{0,4}-?\d[\d-]*$")
_LETTERS = re.compile(r"[^\W\d_]")


def customer_search(*, query: str, limit: int = SEARCH_LIMIT) -> list[Customer]:
    """Customers matching a search box: name, account number, email or phone in any format.

    Each kind of match is its own query, so each can use its index (an OR across joined
    tables cannot); exact matches come first.
    """
    text = (query or "").strip()
    if len(text) < 2:
        return []
    criteria: list[Q] = []
    number = try_normalize_phone(text)
    if number is not None:
        criteria.append(Q(phone_numbers__number=number))
    if _ACCOUNT_LIKE.match(text.upper()):
        criteria.append(Q(account_number__startswith=text.upper()))
    if _LETTERS.search(text):
        if "@" not in text:
            criteria.append(Q(name__icontains=text))
        criteria += [Q(email__icontains=text), Q(email_addresses__email__icontains=text)]
    digits = _NON_DIGITS.sub("", text)
    if number is None and len(digits) >= 4 and len(digits) * 2 >= len(text):
        # A partial number as it is being typed: match the digits anywhere in E.164.
        criteria.append(Q(phone_numbers__number__contains=digits))

    found: dict[int, Customer] = {}
    for condition in criteria:
        remaining = limit - len(found)
        if remaining <= 0:
            break
        matches = (
            Customer.objects.filter(condition)
            .exclude(pk__in=list(found))
            .order_by("name", "id")
            .distinct()[:remaining]
        )
        found.update((customer.pk, customer) for customer in matches)
    customers = list(found.values())
    prefetch_related_objects(customers, "phone_numbers")
    return customers


def customer_timeline(*, customer: Customer, limit: int = 50) -> list[Interaction]:
    """The newest entries of a customer's timeline, newest first."""
    return list(
        customer.interactions.select_related("actor", "source_type").order_by(
            "-occurred_at", "-id"
        )[:limit]
    )


def customer_open_cases(*, customer: Customer) -> QuerySet[Case]:
    return customer.cases.filter(status__in=Case.OPEN_STATUSES).select_related("owner")


def case_list(
    *,
    user: User,
    scope: str = "mine",
    status: str = "",
    priority: str = "",
    category: str = "",
) -> QuerySet[Case]:
    """Cases for the case list: the user's own by default, all for `scope="all"`.

    `status` may be a status or "active" (new, open and pending).
    """
    cases = Case.objects.select_related("customer", "owner")
    if scope == "mine":
        cases = cases.filter(owner=user)
    elif scope == "unassigned":
        cases = cases.filter(owner__isnull=True)
    if status == "active":
        cases = cases.filter(status__in=Case.OPEN_STATUSES)
    elif status:
        cases = cases.filter(status=status)
    if priority:
        cases = cases.filter(priority=priority)
    if category:
        cases = cases.filter(category=category)
    return cases.order_by("-priority", F("due_at").asc(nulls_last=True), "-created_at")


# --- Do-Not-Call --------------------------------------------------------------------------


def _dnc_lists_applying(extra_lists: QuerySet | None) -> Q:
    """Lists that bind a call (as a condition on DncEntry): the internal and national lists
    always, and `extra_lists` (a queryset of lists or of their ids), kept as a subquery so
    a check stays one query."""
    condition = Q(dnc_list__kind__in=[DncList.Kind.INTERNAL, DncList.Kind.NATIONAL])
    if extra_lists is not None:
        condition |= Q(dnc_list__in=extra_lists)
    return condition


def customers_owning(numbers: list[str]) -> dict[str, Customer]:
    """The customer each of these E.164 numbers belongs to (the primary number's owner
    when several share it, as in caller-ID lookup), in one query.

    The numbers go in as one array joined row by row: as `number IN (...)` the planner
    may pick the trigram search index, which probes every number sharing "+1" (seconds
    for a lead file's batch), where the plain index takes a probe per number.
    """
    owners: dict[str, Customer] = {}
    among = (
        RawSQL("SELECT unnest(%s::varchar[])", [numbers])
        if connection.vendor == "postgresql"
        else numbers  # SQLite has no trigram index to avoid
    )
    phones = (
        PhoneNumber.objects.filter(number__in=among)
        .select_related("customer")
        .order_by("is_primary")
    )
    for phone in phones:
        owners[phone.number] = phone.customer  # primaries come last and win
    return owners


def dnc_binding_entries(
    phone: str | OuterRef, *, extra_lists: QuerySet | None = None
) -> list[QuerySet]:
    """What puts a number (or, as an OuterRef, each row of a set statement) off limits: the
    binding hand-entered entries and the national registry numbers, one queryset each so
    that each makes its own semi-join."""
    national = DncList.objects.filter(kind=DncList.Kind.NATIONAL).values("pk")
    return [
        DncEntry.objects.filter(_dnc_lists_applying(extra_lists), phone=phone),
        DncRegistryNumber.objects.filter(dnc_list__in=national, phone=phone),
    ]


def is_on_dnc(phone: str, *, extra_lists: QuerySet | None = None) -> bool:
    """Whether an E.164 number may not be called (also by `extra_lists`): one query, an
    index probe per table."""
    entries, registry = dnc_binding_entries(phone, extra_lists=extra_lists)
    return bool(entries.order_by().values_list("phone").union(registry.values_list("phone"))[:1])


def dnc_numbers_among(phones: list[str], *, extra_lists: QuerySet | None = None) -> set[str]:
    """Which of these E.164 numbers are on a list that binds (one query)."""
    national = DncList.objects.filter(kind=DncList.Kind.NATIONAL).values("pk")
    entries = DncEntry.objects.filter(_dnc_lists_applying(extra_lists), phone__in=phones)
    registry = DncRegistryNumber.objects.filter(dnc_list__in=national, phone__in=phones)
    return set(
        entries.order_by()
        .values_list("phone", flat=True)
        .union(registry.values_list("phone", flat=True))
    )


def dnc_lists_with(*, phone: str) -> list[DncList]:
    """Every list an E.164 number is on, whatever calls they bind."""
    on_list = Exists(DncEntry.objects.filter(dnc_list=OuterRef("pk"), phone=phone)) | Exists(
        DncRegistryNumber.objects.filter(dnc_list=OuterRef("pk"), phone=phone)
    )
    return list(DncList.objects.filter(on_list).order_by("kind", "name"))


def national_dnc_as_of() -> datetime.date | None:
    """The date of the newest national registry copy loaded, if any."""
    return DncList.objects.filter(kind=DncList.Kind.NATIONAL).aggregate(newest=Max("as_of"))[
        "newest"
    ]


def national_dnc_warning(*, today: datetime.date | None = None) -> str:
    """Why the national registry copy cannot be trusted for scrubbing, or ""."""
    as_of = national_dnc_as_of()
    if as_of is None:
        return "No copy of the national Do-Not-Call registry is loaded."
    age = ((today or timezone.localdate()) - as_of).days
    if age > NATIONAL_DNC_MAX_AGE_DAYS:
        return (
            f"The national Do-Not-Call registry copy is {age} days old (from {as_of:%Y-%m-%d}); "
            f"load one no older than {NATIONAL_DNC_MAX_AGE_DAYS} days."
        )
    return ""
