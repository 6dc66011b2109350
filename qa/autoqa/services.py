"""Writes of automated QA: scoring transcripts, re-scoring, and new versions of rules."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from qa.models import AutoQaScore, QaRule, RuleResult, Transcript, Utterance
from telephony.models import Queue

from . import engine

# Transcripts scored per transaction: big enough to amortise the queries, small enough
# that a long re-score never holds locks for long.
BATCH = 500


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


def rule_set_digest(rules: Iterable[QaRule]) -> str:
    """Names a set of rule versions: the same set always gives the same digest."""
    ids = ",".join(str(pk) for pk in sorted(rule.pk for rule in rules))
    return hashlib.sha256(ids.encode()).hexdigest()


@transaction.atomic
def transcripts_score(*, transcript_ids: Sequence[int]) -> list[AutoQaScore]:
    """Score each DONE transcript against the current rules that apply to its call's
    queue, unless it already has a score for that very set (scoring is idempotent).

    A transcript scored before with other rules gets a new score, which becomes its
    current one; the old one stays, naming the versions it used. The transcripts' rows
    are locked so two workers never score one twice at once.
    """
    transcripts = list(
        Transcript.objects.select_for_update(of=("self",))
        .filter(pk__in=transcript_ids, state=Transcript.State.DONE)
        .select_related("recording__call", "recording__entry")
        .order_by("pk")
    )
    if not transcripts:
        return []
    rules = current_rules()
    existing: dict[int, dict[str, AutoQaScore]] = defaultdict(dict)
    for old in AutoQaScore.objects.filter(transcript__in=transcripts):
        existing[old.transcript_id][old.rule_set] = old
    lines: dict[int, list[engine.Line]] = defaultdict(list)
    for transcript_id, pk, speaker, start_ms, end_ms, text in (
        Utterance.objects.filter(transcript__in=transcripts)
        .values_list("transcript_id", "id", "speaker", "start_ms", "end_ms", "text")
        .order_by()
        .iterator(chunk_size=5000)
    ):
        lines[transcript_id].append(engine.Line(pk, speaker, start_ms, end_ms, text))

    new_scores: list[AutoQaScore] = []
    cards: list[engine.Scorecard] = []
    made_current: list[int] = []
    retired: list[int] = []
    for transcript in transcripts:
        recording = transcript.recording
        entry = recording.entry
        queue_id = entry.queue_id if entry else recording.call.queue_id
        applying = rules_for_queue(rules, queue_id)
        digest = rule_set_digest(applying)
        before = existing[transcript.pk]
        retired.extend(s.pk for s in before.values() if s.is_current and s.rule_set != digest)
        if digest in before:
            if not before[digest].is_current:
                made_current.append(before[digest].pk)
            continue
        card = engine.score_call(applying, lines[transcript.pk])
        cards.append(card)
        new_scores.append(
            AutoQaScore(
                transcript=transcript,
                call_id=recording.call_id,
                agent_id=entry.served_by_id if entry else None,
                queue_id=queue_id,
                rule_set=digest,
                score=card.score,
                auto_failed=card.auto_failed,
                call_started_at=recording.call.created_at,
                **{flag: flag in card.flags for flag in AutoQaScore.FLAGS},
            )
        )
    AutoQaScore.objects.filter(pk__in=retired).update(is_current=False)
    AutoQaScore.objects.filter(pk__in=made_current).update(is_current=True)
    AutoQaScore.objects.bulk_create(new_scores)
    results: list[RuleResult] = []
    RulesUsed = AutoQaScore.rules.through
    used = []
    for score, card in zip(new_scores, cards, strict=True):
        for rule, verdict in card.verdicts:
            used.append(RulesUsed(autoqascore_id=score.pk, qarule_id=rule.pk))
            results.append(
                RuleResult(
                    score=score,
                    rule=rule,
                    outcome=verdict.outcome,
                    utterance_id=verdict.line.id if verdict.line else None,
                    at_ms=verdict.at_ms,
                    value=verdict.value,
                    detail=verdict.detail,
                )
            )
    RulesUsed.objects.bulk_create(used)
    RuleResult.objects.bulk_create(results)
    return new_scores


def transcript_score(*, transcript_id: int) -> AutoQaScore | None:
    """Score one transcript (the task on `transcript_completed`); its current score."""
    transcripts_score(transcript_ids=[transcript_id])
    return AutoQaScore.objects.filter(transcript_id=transcript_id, is_current=True).first()


def transcripts_rescore(*, since: datetime, queue: Queue | None = None) -> int:
    """Score again, with the current rules, the calls since `since` (of one queue, or
    all): after a rule changed. Calls whose rule set is unchanged stay as they are.
    Returns how many new scores were made."""
    transcripts = Transcript.objects.filter(
        state=Transcript.State.DONE, recording__call__created_at__gte=since
    )
    if queue is not None:
        transcripts = transcripts.filter(
            Q(recording__entry__queue=queue)
            | Q(recording__entry__isnull=True, recording__call__queue=queue)
        )
    ids = list(transcripts.order_by("pk").values_list("pk", flat=True))
    made = 0
    for start in range(0, len(ids), BATCH):
        made += len(transcripts_score(transcript_ids=ids[start : start + BATCH]))
    return made


def unscored_transcripts(*, limit: int = BATCH) -> list[int]:
    """DONE transcripts with no score yet: a lost task or an outage left them."""
    return list(
        Transcript.objects.filter(state=Transcript.State.DONE, scores__isnull=True)
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
