"""CRM reads: searches and the lists the agent pages and the API show."""

from __future__ import annotations

import re

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Q, QuerySet, prefetch_related_objects

from .models import Case, Customer, Interaction, PhoneNumber
from .phones import try_normalize_phone

SEARCH_LIMIT = 25
_NON_DIGITS = re.compile(r"\D")


def customers_by_phone(*, phone: str) -> list[Customer]:
    """Customers owning this number, typed in any format (caller-ID lookup).

    One query on the indexed E.164 column; an unparseable number matches nobody.
    """
    number = try_normalize_phone(phone)
    if number is None:
        return []
    # Every inbound call and screen-pop runs this, so it skips the ORM's query building,
    # which costs more than the indexed lookup itself (see bench/customer_lookup.py).
    return list(Customer.objects.raw(_BY_PHONE_SQL, [number]))


_BY_PHONE_SQL = (
    f"SELECT c.* FROM {Customer._meta.db_table} c "
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
    user: AbstractBaseUser,
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
