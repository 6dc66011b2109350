"""Writes of automated QA: scoring transcripts, re-scoring, and new versions of rules."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import DateTimeField, Model, Q
from django.utils import timezone

from qa.models import AutoQaScore, QaRule, RuleResult, Transcript
from telephony.models import Queue, Recording

from . import engine
from .selectors import transcript_lines

# Transcripts scored per transaction: big enough to amortise the queries, small enough
# that a long re-score never holds locks for long.
BATCH = 500
# The rules judge how the caller was served: a consultation (agent and colleague, the
# caller on hold) is transcribed and played, never scored.
SCORED_PARTS = ~Q(recording__part=Recording.Part.CONSULTATION)


def current_rules() -> list[tuple[QaRule, frozenset[int]]]:
    """The rules new scores use, each with the queues it is limited to (empty: all)."""
    rules = list(
        QaRule.objects.filter(is_current=True, active=True)
        .prefetch_related("queues")
        .order_by("name")
    )
    return [(rule, frozenset(queue.pk for queue in rule.queues.all())) for rule in rules]


def rules_for_queue(
    rules: Sequence[tuple[QaRule, frozenset[int]]], queue_id: int | None
) -> list[QaRule]:
    return [rule for rule, queues in rules if not queues or queue_id in queues]


def rule_set_digest(rules: Iterable[QaRule], transcribed_at: datetime | None = None) -> str:
    """Names a set of rule versions over one take of a transcript: the same set over the
    same utterances always gives the same digest; a transcript done again (its
    utterances replaced, a new completion time) is scored anew."""
    ids = ",".join(str(pk) for pk in sorted(rule.pk for rule in rules))
    taken = transcribed_at.isoformat() if transcribed_at else ""
    return hashlib.sha256(f"{ids}|{taken}".encode()).hexdigest()


@transaction.atomic
def transcripts_score(*, transcript_ids: Sequence[int]) -> int:
    """Score each DONE transcript against the current rules that apply to its call's
    queue, unless it already has a score for that very set (scoring is idempotent).
    Returns how many new scores were made.

    A transcript scored before with other rules gets a new score, which becomes its
    current one; the old one stays, naming the versions it used. The transcripts' rows
    are locked so two workers never score one twice at once. Rows are read and written
    as plain tuples: building a model per result cost more than checking the call.
    """
    calls = list(
        Transcript.objects.select_for_update(of=("self",))
        .filter(pk__in=transcript_ids, state=Transcript.State.DONE)
        .filter(SCORED_PARTS)
        .values_list(
            "pk",
            "completed_at",
            "recording__call_id",
            "recording__call__created_at",
            "recording__call__queue_id",
            "recording__entry__queue_id",
            "recording__entry__served_by_id",
        )
        .order_by("pk")
    )
    if not calls:
        return 0
    scored = [pk for pk, *_call in calls]
    rules = current_rules()
    existing: dict[int, dict[str, tuple[int, bool]]] = defaultdict(dict)
    for transcript_id, rule_set, pk, is_current in AutoQaScore.objects.filter(
        transcript__in=scored
    ).values_list("transcript_id", "rule_set", "pk", "is_current"):
        existing[transcript_id][rule_set] = (pk, is_current)
    lines = transcript_lines(transcript_ids=scored)

    new_scores: list[tuple[object, ...]] = []
    cards: list[engine.Scorecard] = []
    made_current: list[int] = []
    retired: list[int] = []
    now = timezone.now()
    for (
        transcript_id,
        done_at,
        call_id,
        started_at,
        call_queue_id,
        entry_queue_id,
        agent_id,
    ) in calls:
        # The conversation's queue (a campaign's calls: the campaign's queue); a call
        # recorded outside a queue conversation falls back on the call's queue.
        queue_id = entry_queue_id or call_queue_id
        applying = rules_for_queue(rules, queue_id)
        digest = rule_set_digest(applying, done_at)
        before = existing[transcript_id]
        retired.extend(
            pk for rule_set, (pk, current) in before.items() if current and rule_set != digest
        )
        if digest in before:
            pk, current = before[digest]
            if not current:
                made_current.append(pk)
            continue
        card = engine.score_call(applying, lines.get(transcript_id, []))
        cards.append(card)
        new_scores.append(
            (
                transcript_id,
                call_id,
                agent_id,
                queue_id,
                digest,
                card.score,
                card.auto_failed,
                *(flag in card.flags for flag in AutoQaScore.FLAGS),
                True,
                started_at,
                now,
            )
        )
    AutoQaScore.objects.filter(pk__in=retired).update(is_current=False)
    AutoQaScore.objects.filter(pk__in=made_current).update(is_current=True)
    score_ids = _insert(AutoQaScore, _SCORE_COLUMNS, new_scores, returning=True)
    _insert(
        RuleResult,
        _RESULT_COLUMNS,
        [
            (
                score_id,
                rule.pk,
                verdict.outcome,
                verdict.line.id if verdict.line else None,
                verdict.at_ms,
                verdict.value,
                verdict.detail,
            )
            for score_id, card in zip(score_ids, cards, strict=True)
            for rule, verdict in card.verdicts
        ],
    )
    return len(new_scores)


_SCORE_COLUMNS = (
    "transcript_id",
    "call_id",
    "agent_id",
    "queue_id",
    "rule_set",
    "score",
    "auto_failed",
    *AutoQaScore.FLAGS,
    "is_current",
    "call_started_at",
    "scored_at",
)
_RESULT_COLUMNS = ("score_id", "rule_id", "outcome", "utterance_id", "at_ms", "value", "detail")


def _insert(
    model: type[Model],
    columns: Sequence[str],
    rows: list[tuple[object, ...]],
    *,
    returning: bool = False,
) -> list[int]:
    """Insert plain rows in one statement; with `returning`, their new ids in order (as
    bulk_create relies on: PostgreSQL and SQLite 3.35+ return them in VALUES order)."""
    if not rows:
        return []
    quote = connection.ops.quote_name
    fields = {field.column: field for field in model._meta.concrete_fields}
    # Date-times go through their field as the ORM would send them (time zones); the
    # other values (numbers, text, booleans, None) every driver takes as they are.
    dated = [
        (n, fields[column])
        for n, column in enumerate(columns)
        if isinstance(fields[column], DateTimeField)
    ]
    prepared: list[list[Any]] = [list(row) for row in rows]
    for row in prepared:
        for n, field in dated:
            row[n] = field.get_db_prep_save(row[n], connection)
    # Only our own table and column names go into the text; values are parameters.
    table, names = quote(model._meta.db_table), ", ".join(map(quote, columns))
    head = f"INSERT INTO {table} ({names}) VALUES "  # noqa: S608
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        if not returning:
            cursor.executemany(head + one, prepared)
            return []
        cursor.execute(
            head + ", ".join([one] * len(rows)) + f" RETURNING {quote('id')}",
            [value for row in prepared for value in row],
        )
        return [pk for (pk,) in cursor.fetchall()]


def transcript_score(*, transcript_id: int) -> AutoQaScore | None:
    """Score one transcript (the task on `transcript_completed`); its current score."""
    transcripts_score(transcript_ids=[transcript_id])
    return AutoQaScore.objects.filter(transcript_id=transcript_id, is_current=True).first()


def transcripts_rescore(*, since: datetime, queue: Queue | None = None) -> int:
    """Score again, with the current rules, the calls since `since` (of one queue, or
    all): after a rule changed. Calls whose rule set is unchanged stay as they are.
    Returns how many new scores were made."""
    transcripts = Transcript.objects.filter(
        SCORED_PARTS, state=Transcript.State.DONE, recording__call__created_at__gte=since
    )
    if queue is not None:
        transcripts = transcripts.filter(
            Q(recording__entry__queue=queue)
            | Q(recording__entry__isnull=True, recording__call__queue=queue)
        )
    ids = list(transcripts.order_by("pk").values_list("pk", flat=True))
    return sum(
        transcripts_score(transcript_ids=ids[start : start + BATCH])
        for start in range(0, len(ids), BATCH)
    )


def unscored_transcripts(*, limit: int = BATCH) -> list[int]:
    """DONE transcripts with no score yet: a lost task or an outage left them."""
    return list(
        Transcript.objects.filter(SCORED_PARTS, state=Transcript.State.DONE, scores__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def rule_revise(*, rule: QaRule, by: User | None, queues: Iterable[Queue] | None = None) -> QaRule:
    """Save `rule` (an edited copy of a current version) as that rule's next version;
    the version it replaces stays, unchanged, for the scores that used it. `queues`:
    the queues it applies to (None: the previous version's)."""
    rule.created_by = by
    rule.created_at = timezone.now()
    if rule.pk is None:
        rule.version, rule.is_current = 1, True
        rule.full_clean()
        rule.save()
        rule.queues.set(queues or [])
        return rule
    previous = QaRule.objects.select_for_update().get(pk=rule.pk)
    if not previous.is_current:
        raise ValidationError("Only a rule's current version can be edited.")
    if queues is None:
        queues = list(previous.queues.all())
    rule.full_clean(exclude=["name"])
    previous.is_current = False
    previous.save(update_fields=["is_current"])
    rule.pk = None
    rule._state.adding = True
    rule.name = previous.name
    rule.version = previous.version + 1
    rule.is_current = True
    rule.save()
    rule.queues.set(queues)
    return rule
