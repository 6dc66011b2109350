"""First-contact resolution, computed from the data (DOMAIN §5, §11).

A contact is a conversation an agent had with a known customer (a call answered from a
queue, a callback; a transfer's second leg is the same contact). It is *repeated* when the
same customer contacts us again, or is contacted, within the window after it ended
(FCR_WINDOW_DAYS, 7 by default): an inbound call (answered or not), an outbound call they
answered (a callback, a campaign call), or a text they sent (a survey reply is none). It
is *resolved* when its window passed without a repeat, or, while the window is still
open, when the agent's disposition says the need was met and nothing followed so far.
Anything else is *pending*: not yet counted. FCR = resolved ÷ (resolved + repeated).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from callcenter.rounding import ratio
from telephony.models import Call, Disposition, QueueEntry, SmsMessage

from ..models import Survey, SurveyAnswer

RESOLVED, REPEATED, PENDING = "resolved", "repeated", "pending"
DEFINITION = (
    "Resolved ÷ (resolved + repeated). A contact is repeated when the same customer "
    "contacts us again (a call in, an answered call out, a text) within the window after "
    "it; resolved when the window passed without one, or when its disposition says "
    "resolved and nothing followed yet; pending otherwise."
)


@dataclass(frozen=True)
class RepeatContact:
    """A later contact of the same customer that made a contact count as unresolved."""

    channel: str  # "call" or "sms"
    id: int
    at: datetime
    direction: str


@dataclass
class ContactOutcome:
    entry_id: int
    call_id: int | None
    customer_id: int
    agent_id: int
    queue_id: int
    at: datetime  # when the conversation ended (the entry's ended_at)
    disposition: str
    outcome: str = PENDING
    customer_name: str = ""
    repeats: list[RepeatContact] = field(default_factory=list)


def window() -> timedelta:
    return timedelta(days=settings.FCR_WINDOW_DAYS)


def _contacts(entries: QuerySet[QueueEntry]) -> list[ContactOutcome]:
    rows = (
        entries.filter(
            served_by__isnull=False,
            status=QueueEntry.Status.DONE,
            transferred_from__isnull=True,
        )
        .annotate(
            who=Coalesce("customer_id", "call__customer_id"),
            who_name=Coalesce("customer__name", "call__customer__name"),
        )
        .filter(who__isnull=False)
        .values_list(
            "pk",
            "call_id",
            "who",
            "served_by_id",
            "queue_id",
            "ended_at",
            "call__disposition",
            "who_name",
        )
        .order_by("ended_at", "pk")
    )
    return [
        ContactOutcome(
            entry_id=pk,
            call_id=call_id,
            customer_id=who,
            agent_id=agent_id,
            queue_id=queue_id,
            at=until,
            disposition=disposition or "",
            customer_name=name or "",
        )
        for pk, call_id, who, agent_id, queue_id, until, disposition, name in rows
        if until is not None  # filtered on it: always set
    ]


def _later_contacts(
    customer_ids: set[int], since: datetime, until: datetime
) -> dict[int, list[RepeatContact]]:
    """Every contact of these customers in (since, until], by customer, in time order.
    A contact's own legs began before it ended, so they are never its repeats."""
    found: dict[int, list[RepeatContact]] = defaultdict(list)
    calls = (
        Call.objects.filter(
            customer_id__in=customer_ids, created_at__gt=since, created_at__lte=until
        )
        .filter(
            Q(direction=Call.Direction.INBOUND)
            | Q(direction=Call.Direction.OUTBOUND_API, answered_at__isnull=False)
        )
        .values_list("customer_id", "pk", "created_at", "direction")
    )
    for customer_id, pk, at, direction in calls:
        found[customer_id].append(RepeatContact("call", pk, at, direction))
    replies = {
        sid
        for sids in Survey.objects.filter(
            Q(customer_id__in=customer_ids) | Q(call__customer_id__in=customer_ids)
        ).values_list("reply_sids", flat=True)
        for sid in sids
    }
    texts = (
        SmsMessage.objects.filter(
            customer_id__in=customer_ids,
            direction=SmsMessage.Direction.INBOUND,
            created_at__gt=since,
            created_at__lte=until,
        )
        .exclude(sid__in=replies)
        .values_list("customer_id", "pk", "created_at")
    )
    for customer_id, pk, at in texts:
        found[customer_id].append(RepeatContact("sms", pk, at, SmsMessage.Direction.INBOUND))
    for contacts in found.values():
        contacts.sort(key=lambda contact: contact.at)
    return found


def contact_outcomes(
    *,
    start: datetime,
    end: datetime,
    agent_ids: list[int] | None = None,
    queue_ids: list[int] | None = None,
    where: Q | None = None,
    now: datetime | None = None,
) -> list[ContactOutcome]:
    """The contacts that ended in [start, end), of the agents and queues named (None:
    all) and meeting `where` (on QueueEntry: a user's scope), each resolved, repeated
    (with its repeat contacts) or pending."""
    now = now or timezone.now()
    span = window()
    entries = QueueEntry.objects.filter(ended_at__gte=start, ended_at__lt=end)
    if agent_ids is not None:
        entries = entries.filter(served_by_id__in=agent_ids)
    if queue_ids is not None:
        entries = entries.filter(queue_id__in=queue_ids)
    if where is not None:
        entries = entries.filter(where)
    outcomes = _contacts(entries)
    if not outcomes:
        return []
    later = _later_contacts(
        {o.customer_id for o in outcomes},
        min(o.at for o in outcomes),
        max(o.at for o in outcomes) + span,
    )
    resolving = set(
        Disposition.objects.filter(resolves_contact=True).values_list("code", flat=True)
    )
    for outcome in outcomes:
        outcome.repeats = [
            contact
            for contact in later.get(outcome.customer_id, [])
            if outcome.at < contact.at <= outcome.at + span
        ]
        if outcome.repeats:
            outcome.outcome = REPEATED
        elif outcome.at + span <= now or outcome.disposition in resolving:
            outcome.outcome = RESOLVED
    return outcomes


def fcr_figures(outcomes: Iterable[ContactOutcome]) -> dict[str, int | float | None]:
    """Contacts, resolved, repeated, pending and FCR (%, None with nothing decided)."""
    counts = {RESOLVED: 0, REPEATED: 0, PENDING: 0}
    for outcome in outcomes:
        counts[outcome.outcome] += 1
    decided = counts[RESOLVED] + counts[REPEATED]
    return {
        "fcr_contacts": sum(counts.values()),
        "fcr_resolved": counts[RESOLVED],
        "fcr_repeated": counts[REPEATED],
        "fcr_pending": counts[PENDING],
        "fcr": ratio(counts[RESOLVED], decided, 100),
    }


def csat_figures(scores: Iterable[int]) -> dict[str, int | float | None]:
    """Survey answers (to the satisfaction question), those of 4 or 5, and CSAT (%)."""
    given = list(scores)
    satisfied = sum(1 for score in given if score >= 4)
    return {
        "survey_answers": len(given),
        "csat_satisfied": satisfied,
        "csat": ratio(satisfied, len(given), 100),
    }


def answers_with_owners(answers: QuerySet[SurveyAnswer]) -> QuerySet:
    """(at, agent id, queue id, score) of each answer: what reports group CSAT by."""
    return answers.values_list("at", F("survey__agent_id"), F("survey__queue_id"), "score")
