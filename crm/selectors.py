"""CRM reads: searches and the lists the agent pages and the API show."""

from __future__ import annotations

import re

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Q, QuerySet

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
    return [
        row.customer for row in PhoneNumber.objects.filter(number=number).select_related("customer")
    ]


def customer_search(*, query: str, limit: int = SEARCH_LIMIT) -> list[Customer]:
    """Customers matching a search box: name, account number, email or phone in any format."""
    text = (query or "").strip()
    if len(text) < 2:
        return []
    condition = (
        Q(name__icontains=text)
        | Q(account_number__istartswith=text)
        | Q(email__icontains=text)
        | Q(email_addresses__email__icontains=text)
    )
    number = try_normalize_phone(text)
    digits = _NON_DIGITS.sub("", text)
    if number is not None:
        condition |= Q(phone_numbers__number=number)
    elif len(digits) >= 4 and len(digits) * 2 >= len(text):
        # A partial number as it is being typed: match the digits anywhere in E.164.
        condition |= Q(phone_numbers__number__contains=digits)
    # The joins to phones and emails repeat customers; IN over a subquery does not.
    matching = Customer.objects.filter(condition).values("pk")
    return list(
        Customer.objects.filter(pk__in=matching)
        .prefetch_related("phone_numbers")
        .order_by("name", "id")[:limit]
    )


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
