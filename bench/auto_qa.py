"""Automated QA over stored transcripts: is scoring at least half as fast as plain regexes?

Loads 100,000 transcripts of generated calls (about a dozen utterances each: greetings,
recording disclosures, a problem and its fix, closings; some without a disclosure, some
with "guarantee", long silences and overtalk) into a throwaway database, then times, on
the same stored rows in the same run:

- scoring: what `qa.autoqa.services.transcripts_score` does to check a call, in its
  batches: the utterances read (`selectors.transcript_lines`), the rules that apply to
  the call's queue, and every rule checked (`engine.score_call`: the demo rules, plus
  one of each other kind but sentiment);
- baseline: the same utterances read with the same query, and a plain loop of the
  phrase rules' compiled regular expressions over every text (no other check), batch by
  batch in turn with scoring;
- stored: the whole service, as the task and the sweep run it: scoring plus locking the
  transcripts and writing each score and its ten results (printed, not in the target:
  writing ten rows costs more than all the checks, and the baseline writes nothing).

Target: scoring's calls per second at least 0.5 of the baseline's (`ratio N`). The
customer-sentiment rule is timed apart: VADER's lexicon model costs far more than any
regular expression, so with it the ratio would measure VADER, not our scoring.

    .venv/bin/python bench/auto_qa.py [--transcripts N]

The database is a SQLite file in a temporary directory, or, when DATABASE_URL is set, a
PostgreSQL database made next to it for the run and dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 0.5
BATCH = 500
SENTIMENT_SAMPLE = 2000
SEED = 20_261_203
# A spoken greeting (espeak-ng, 4 s): what the local recognizer is timed on.
GREETING = Path(__file__).resolve().parent.parent / "tests" / "qa" / "fixtures" / "greeting.wav"

GREETINGS = (
    "Thank you for calling Acme, my name is {agent}, how can I help?",
    "Good morning, thank you for calling Acme support.",
    "Hi, you've reached Acme, this is {agent} speaking.",
)
DISCLOSURES = (
    "Before we start, this call may be recorded for quality and training.",
    "Just so you know, this call is recorded.",
)
PROBLEMS = (
    "My internet keeps dropping every evening and I'm getting really frustrated.",
    "I was charged twice on my last bill, can you look into it?",
    "I want to cancel my plan, it's too expensive.",
    "The router you sent me doesn't turn on at all.",
    "I moved house and need the service at my new address.",
    "Why is my bill so much higher this month?",
)
AGENT_LINES = (
    "I'm sorry to hear that, let me pull up your account.",
    "Can you confirm the account holder's date of birth for me?",
    "I can see the charge here, give me a moment to check.",
    "I've reset the line from our side, can you try again now?",
    "That's been refunded, you'll see it in three to five days.",
    "I can offer you a discount of ten percent for the next six months.",
    "Let me transfer the service, it will be active on Monday.",
)
RISKY = ("I guarantee this will never happen again.", "I can promise you a refund today.")
CALLER_LINES = (
    "Okay.",
    "Yes, it's the fourth of May, nineteen eighty.",
    "Hmm, let me check.",
    "Right, it works now, thanks.",
    "That's fine, thank you.",
    "This is ridiculous, I've called three times already.",
    "Great, that's really helpful!",
)
CLOSINGS = (
    "Is there anything else I can help with? Have a great day.",
    "Thanks for your patience, goodbye.",
)


def utterances(rng: random.Random, agent: str) -> list[tuple[str, int, int, str]]:
    """One call's utterances as (speaker, start ms, end ms, text), in order."""
    said: list[tuple[str, str]] = [("agent", rng.choice(GREETINGS).format(agent=agent))]
    if rng.random() < 0.9:
        said.append(("agent", rng.choice(DISCLOSURES)))
    said.append(("caller", rng.choice(PROBLEMS)))
    for _ in range(rng.randint(3, 6)):
        said.append(("agent", rng.choice(RISKY if rng.random() < 0.03 else AGENT_LINES)))
        said.append(("caller", rng.choice(CALLER_LINES)))
    if rng.random() < 0.85:
        said.append(("agent", rng.choice(CLOSINGS)))
    rows, at = [], rng.randint(300, 1500)
    for speaker, text in said:
        length = 250 * len(text.split()) + rng.randint(0, 600)
        rows.append((speaker, at, at + length, text))
        gap = rng.randint(12_000, 25_000) if rng.random() < 0.02 else rng.randint(-800, 900)
        at = max(at + length + gap, at + 100)
    return rows


def load(transcripts: int) -> list[int]:
    """Calls, recordings, transcripts and their utterances, in bulk; the transcripts' ids."""
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.utils import timezone

    from qa.models import Transcript, Utterance
    from telephony.models import AgentProfile, Call, Queue, QueueEntry, Recording

    rng = random.Random(SEED)
    queues = [Queue.objects.create(name=name) for name in ("Billing", "Support", "Sales")]
    agents = [
        AgentProfile.objects.create(
            user=User.objects.create(username=f"agent{n}"), client_identity=f"a{n}"
        )
        for n in range(20)
    ]
    now = timezone.now()
    table = Utterance._meta.db_table
    insert = (
        f"INSERT INTO {table} (transcript_id, speaker, start_ms, end_ms, text) "
        "VALUES (%s, %s, %s, %s, %s)"
    )
    ids: list[int] = []
    for start in range(0, transcripts, 5000):
        count = min(5000, transcripts - start)
        with transaction.atomic():
            calls = Call.objects.bulk_create(
                Call(
                    sid=f"CA{start + n:032x}",
                    direction="inbound",
                    from_number="+14155550142",
                    to_number="+18005550100",
                    created_at=now,
                )
                for n in range(count)
            )
            entries = QueueEntry.objects.bulk_create(
                QueueEntry(
                    queue=rng.choice(queues), call=call, served_by=rng.choice(agents), status="done"
                )
                for call in calls
            )
            recordings = Recording.objects.bulk_create(
                Recording(
                    sid=f"RE{call.pk:032x}",
                    call=call,
                    entry=entry,
                    url="https://api.twilio.com/x",
                    status="completed",
                )
                for call, entry in zip(calls, entries, strict=True)
            )
            made = Transcript.objects.bulk_create(
                Transcript(recording=recording, state=Transcript.State.DONE, completed_at=now)
                for recording in recordings
            )
            rows = [
                (transcript.pk, *said)
                for transcript in made
                for said in utterances(rng, f"agent{transcript.pk % 20}")
            ]
            with connection.cursor() as cursor:
                cursor.executemany(insert, rows)
        ids.extend(transcript.pk for transcript in made)
    if connection.vendor == "postgresql":
        # As autovacuum would after a load this size: the planner's figures of the tables.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return ids


def seed_rules() -> None:
    """The demo rules, and one rule of each other kind but sentiment."""
    from qa.autoqa.services import rule_revise
    from qa.demo import seed_rules as demo_rules
    from qa.models import QaRule

    demo_rules()
    K = QaRule.Kind
    for rule in (
        QaRule(name="greeting-early", kind=K.EARLY, phrases="thank you for calling", seconds=10),
        QaRule(name="agent-talk-ratio", kind=K.TALK_RATIO, threshold=0.7, bound="over"),
        QaRule(name="overtalk", kind=K.OVERTALK, seconds=1.5),
        QaRule(name="no-promise", kind=K.FORBIDDEN, phrases="promise|never happen again"),
    ):
        rule_revise(rule=rule, by=None)


def baseline(batch: list[int], patterns: list[re.Pattern[str]]) -> int:
    """Read the batch's texts and run each phrase rule's compiled pattern over each; how
    many patterns matched."""
    from qa.models import Utterance

    texts: dict[int, list[str]] = {}
    for transcript_id, text in (
        Utterance.objects.filter(transcript_id__in=batch)
        .values_list("transcript_id", "text")
        .order_by()
        .iterator(chunk_size=5000)
    ):
        texts.setdefault(transcript_id, []).append(text)
    found = 0
    for lines in texts.values():
        for pattern in patterns:
            for text in lines:
                if pattern.search(text):
                    found += 1
                    break
    return found


def scoring(batch: list[int], rules: list, queues: dict[int, int]) -> int:
    """Read the batch's utterances and check every rule that applies; calls checked."""
    from qa.autoqa import engine
    from qa.autoqa.selectors import transcript_lines
    from qa.autoqa.services import rules_for_queue

    checked = 0
    for transcript_id, lines in transcript_lines(transcript_ids=batch).items():
        engine.score_call(rules_for_queue(rules, queues[transcript_id]), lines)
        checked += 1
    return checked


def compare(ids: list[int]) -> tuple[float, float]:
    """Seconds of the baseline and of scoring over every call, batch by batch in turns
    (which goes first alternates), so a busy neighbour on the machine slows both alike."""
    from qa.autoqa.services import current_rules
    from qa.models import QaRule, Transcript

    patterns = [
        re.compile("|".join(rf"\b{re.escape(p)}\b" for p in rule.phrase_list()), re.IGNORECASE)
        for rule in QaRule.objects.filter(is_current=True, kind__in=QaRule.PHRASE_KINDS)
    ]
    rules = current_rules()
    queues = dict(Transcript.objects.values_list("pk", "recording__entry__queue_id"))
    seconds = {"baseline": 0.0, "scoring": 0.0}
    found = checked = 0
    for n, start in enumerate(range(0, len(ids), BATCH)):
        batch = ids[start : start + BATCH]
        for turn in ("baseline", "scoring") if n % 2 else ("scoring", "baseline"):
            began = time.perf_counter()
            if turn == "baseline":
                found += baseline(batch, patterns)
            else:
                checked += scoring(batch, rules, queues)
            seconds[turn] += time.perf_counter() - began
    if not found:
        raise SystemExit("baseline matched nothing: the generated calls are wrong")
    if checked != len(ids):
        raise SystemExit(f"scored {checked} of {len(ids)} calls")
    return seconds["baseline"], seconds["scoring"]


def stored(ids: list[int]) -> tuple[float, int]:
    """Seconds for the scoring service over every transcript, and the scores made."""
    from qa.autoqa.services import transcripts_score

    made = 0
    began = time.perf_counter()
    for start in range(0, len(ids), BATCH):
        made += transcripts_score(transcript_ids=ids[start : start + BATCH])
    return time.perf_counter() - began, made


def sentiment_alone(ids: list[int]) -> float:
    """Calls per second of the sentiment rule alone, on a sample, scored anew."""
    from qa.autoqa.services import rule_revise, transcripts_score
    from qa.models import QaRule

    QaRule.objects.update(active=False)
    rule_revise(
        rule=QaRule(
            name="caller-mood", kind=QaRule.Kind.SENTIMENT, speaker="caller", threshold=-0.3
        ),
        by=None,
    )
    sample = ids[:SENTIMENT_SAMPLE]
    began = time.perf_counter()
    for start in range(0, len(sample), BATCH):
        transcripts_score(transcript_ids=sample[start : start + BATCH])
    return len(sample) / (time.perf_counter() - began)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transcripts", type=int, default=100_000)
    options = parser.parse_args(argv)

    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    server_url = os.environ.get("DATABASE_URL", "")
    database_url, drop = "", None
    if server_url:
        from _common import create_database_if_missing
        from psycopg.conninfo import conninfo_to_dict

        name = f"{conninfo_to_dict(server_url)['dbname']}_autoqa_bench"
        database_url = server_url.rsplit("/", 1)[0] + f"/{name}"
        create_database_if_missing(database_url)
        drop = name
    os.environ.update(
        DJANGO_SETTINGS_MODULE="callcenter.settings",
        VAR_DIR=tempfile.mkdtemp(prefix="auto-qa-bench-"),
        DATABASE_URL=database_url,
        REDIS_URL="",
    )
    import django
    from django.core.management import call_command

    django.setup()
    try:
        call_command("migrate", verbosity=0)
        return run(options.transcripts)
    finally:
        if drop:
            drop_database(server_url, drop)


def run(transcripts: int) -> int:
    from django.db import connection

    began = time.perf_counter()
    ids = load(transcripts)
    seed_rules()
    from qa.models import Utterance

    utterances = Utterance.objects.count()
    print(
        f"database     {connection.vendor}: {len(ids):,} transcripts, {utterances:,} utterances "
        f"(loaded in {time.perf_counter() - began:.0f} s)",
        flush=True,
    )
    base_seconds, scoring_seconds = compare(ids)
    base_rate, scoring_rate = len(ids) / base_seconds, len(ids) / scoring_seconds
    stored_seconds, made = stored(ids)
    stored_rate = made / stored_seconds
    print(f"baseline     {base_rate:>9,.0f} calls/s (phrase patterns over the texts)")
    print(f"scoring      {scoring_rate:>9,.0f} calls/s (every rule checked)")
    print(
        f"stored       {stored_rate:>9,.0f} calls/s (the service: scored and written, "
        f"{stored_rate / base_rate:.2f} of the baseline; not in the target)"
    )
    print(f"sentiment    {sentiment_alone(ids):>9,.0f} calls/s (the VADER rule alone, stored)")
    from qa.transcription import recognizer_speed

    print(
        f"recognizer   {recognizer_speed(GREETING.read_bytes()):>9.1f} audio seconds per CPU "
        "second (pocketsphinx on the spoken greeting the transcript tests use)"
    )
    ratio = scoring_rate / base_rate
    print(f"ratio {ratio:.2f}")
    ok = made == len(ids) and ratio >= TARGET_RATIO
    print(f"{'PASS' if ok else 'FAIL'} scoring at least {TARGET_RATIO} of the baseline's speed")
    return 0 if ok else 1


def drop_database(server_url: str, name: str) -> None:
    import psycopg
    from django.db import connections
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    connections.close_all()
    with psycopg.connect(make_conninfo(server_url, dbname="postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


if __name__ == "__main__":
    sys.exit(main())
