"""The checks themselves: pure functions of a transcript's utterances and a rule version.

Nothing here touches the database, so the scoring task, the re-scoring command and the
benchmark run the same code. A rule's phrases are compiled once per process into one
pattern, and each speaker's words are joined once per call, so a phrase rule is one
regular-expression search per call.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import TYPE_CHECKING, NamedTuple

from qa.models import QaRule, RuleResult

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

Kind = QaRule.Kind
AGENT, CALLER = QaRule.Speaker.AGENT.value, QaRule.Speaker.CALLER.value
OTHER = {AGENT: CALLER, CALLER: AGENT}
HIT, MISSED, NOT_APPLICABLE = (
    RuleResult.Outcome.HIT,
    RuleResult.Outcome.MISSED,
    RuleResult.Outcome.NOT_APPLICABLE,
)


class Line(NamedTuple):
    """An utterance as the checks read it (utterance ids point the result back at it)."""

    id: int
    speaker: str
    start_ms: int
    end_ms: int
    text: str


class Verdict(NamedTuple):
    outcome: str
    line: Line | None = None
    at_ms: int | None = None
    value: float | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Scorecard:
    score: int
    auto_failed: bool
    flags: frozenset[str]
    verdicts: tuple[tuple[QaRule, Verdict], ...]


def _alternative(phrase: str) -> str:
    """A phrase as a whole-words pattern; \\b where it starts or ends with a letter or
    digit (the fast case), else a look-around that a punctuation mark cannot satisfy."""
    body = r"[^\S\n]+".join(re.escape(word) for word in phrase.split())
    start = r"\b" if re.match(r"\w", phrase) else r"(?<!\w)"
    end = r"\b" if re.search(r"\w$", phrase) else r"(?!\w)"
    return start + body + end


def phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str]:
    """One pattern for the alternatives: whole words, any case, any spacing inside a
    phrase but never across utterances (they are joined by newlines)."""
    alternatives = sorted(phrases, key=len, reverse=True)
    return re.compile("|".join(_alternative(phrase) for phrase in alternatives), re.IGNORECASE)


class Words(NamedTuple):
    """One speaker's utterances joined into one text, with where each one starts in it."""

    lines: list[Line]
    text: str
    offsets: list[int]

    @classmethod
    def of(cls, lines: list[Line]) -> Words:
        offsets, at = [], 0
        for line in lines:
            offsets.append(at)
            at += len(line.text) + 1
        return cls(lines, "\n".join(line.text for line in lines), offsets)

    def line_at(self, position: int) -> Line:
        return self.lines[bisect_right(self.offsets, position) - 1]

    def first_match(self, pattern: re.Pattern[str]) -> Line | None:
        match = pattern.search(self.text)
        return self.line_at(match.start()) if match else None


_in_order = itemgetter(2, 0)  # start_ms, then id


class Call:
    """A transcript's utterances in order, with each speaker's words joined once."""

    def __init__(self, lines: Sequence[Line]) -> None:
        self.lines = sorted(lines, key=_in_order)
        self.by_speaker: dict[str, list[Line]] = {AGENT: [], CALLER: []}
        self.talk_ms = {AGENT: 0, CALLER: 0}
        for line in self.lines:
            self.by_speaker[line.speaker].append(line)
            self.talk_ms[line.speaker] += line.end_ms - line.start_ms
        self.by_speaker[QaRule.Speaker.ANYONE] = self.lines
        self._words: dict[str, Words] = {}

    def words(self, speaker: str) -> Words:
        if speaker not in self._words:
            self._words[speaker] = Words.of(self.by_speaker[speaker])
        return self._words[speaker]


Check = Callable[[QaRule, Call], Verdict]


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.1f} s"


def _required(rule: QaRule, call: Call) -> Verdict:
    line = call.words(rule.speaker).first_match(compiled(rule.phrases))
    if line is None:
        return Verdict(MISSED, detail="Never said.")
    return Verdict(HIT, line, line.start_ms, detail="Said.")


def _forbidden(rule: QaRule, call: Call) -> Verdict:
    line = call.words(rule.speaker).first_match(compiled(rule.phrases))
    if line is None:
        return Verdict(HIT, detail="Never said.")
    return Verdict(MISSED, line, line.start_ms, detail="Said.")


def _early(rule: QaRule, call: Call) -> Verdict:
    limit_ms = (rule.seconds or 0) * 1000
    line = call.words(rule.speaker).first_match(compiled(rule.phrases))
    if line is None:
        return Verdict(MISSED, detail="Never said.")
    if line.start_ms <= limit_ms:
        return Verdict(HIT, line, line.start_ms, line.start_ms / 1000, "Said in time.")
    return Verdict(
        MISSED,
        line,
        line.start_ms,
        line.start_ms / 1000,
        f"Said only at {_seconds(line.start_ms)}.",
    )


def _silence(rule: QaRule, call: Call) -> Verdict:
    """The longest stretch between the end of all speech so far and the next utterance."""
    if not call.lines:
        return Verdict(NOT_APPLICABLE, detail="Nothing was said.")
    spoken_until = call.lines[0].end_ms
    longest, after, starts_at = 0, None, None
    for line in call.lines[1:]:
        gap = line.start_ms - spoken_until
        if gap > longest:
            longest, after, starts_at = gap, line, spoken_until
        spoken_until = max(spoken_until, line.end_ms)
    if longest > (rule.seconds or 0) * 1000:
        return Verdict(MISSED, after, starts_at, longest / 1000, f"Silent for {_seconds(longest)}.")
    return Verdict(HIT, value=longest / 1000, detail=f"Longest silence {_seconds(longest)}.")


def _talk_ratio(rule: QaRule, call: Call) -> Verdict:
    total = call.talk_ms[AGENT] + call.talk_ms[CALLER]
    if not total:
        return Verdict(NOT_APPLICABLE, detail="Nothing was said.")
    share = call.talk_ms[rule.speaker] / total
    bound = rule.threshold or 0
    missed = share > bound if rule.bound == QaRule.Bound.OVER else share < bound
    detail = f"Talked {share:.0%} of the time; the bound is {rule.bound} {bound:.0%}."
    return Verdict(MISSED if missed else HIT, value=round(share, 4), detail=detail)


def _overtalk(rule: QaRule, call: Call) -> Verdict:
    """The longest stretch where the checked speaker talked while the other still was."""
    longest, worst = 0, None
    anyone = rule.speaker == QaRule.Speaker.ANYONE
    open_until = {AGENT: 0, CALLER: 0}
    for line in call.lines:
        if anyone or line.speaker == rule.speaker:
            overlap = min(open_until[OTHER[line.speaker]], line.end_ms) - line.start_ms
            if overlap > longest:
                longest, worst = overlap, line
        if line.end_ms > open_until[line.speaker]:
            open_until[line.speaker] = line.end_ms
    if longest > (rule.seconds or 0) * 1000 and worst is not None:
        return Verdict(
            MISSED, worst, worst.start_ms, longest / 1000, f"Talked over for {_seconds(longest)}."
        )
    return Verdict(HIT, value=longest / 1000, detail=f"Longest overtalk {_seconds(longest)}.")


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def sentiment(text: str) -> float:
    """VADER's compound score, -1 (most negative) to 1."""
    return float(_analyzer().polarity_scores(text)["compound"])


def _sentiment(rule: QaRule, call: Call) -> Verdict:
    """The caller's mood over the first and the last third of what they said: missed when
    the end is below the threshold and no better than the start."""
    lines = call.by_speaker[CALLER]
    if len(lines) < 2:
        return Verdict(NOT_APPLICABLE, detail="The caller said too little.")
    third = max(1, len(lines) // 3)
    start = sentiment(" ".join(line.text for line in lines[:third]))
    end_lines = lines[-third:]
    end = sentiment(" ".join(line.text for line in end_lines))
    detail = f"Caller {start:+.2f} at the start, {end:+.2f} at the end."
    if end < (rule.threshold or 0) and end <= start:
        worst = min(end_lines, key=lambda line: sentiment(line.text))
        return Verdict(MISSED, worst, worst.start_ms, round(end, 4), detail)
    return Verdict(HIT, value=round(end, 4), detail=detail)


CHECKS: dict[str, Check] = {
    Kind.REQUIRED: _required,
    Kind.FORBIDDEN: _forbidden,
    Kind.EARLY: _early,
    Kind.SILENCE: _silence,
    Kind.TALK_RATIO: _talk_ratio,
    Kind.OVERTALK: _overtalk,
    Kind.SENTIMENT: _sentiment,
}


@cache
def compiled(phrases: str) -> re.Pattern[str]:
    """A rule's pattern, compiled once per process for each text of phrases."""
    return phrase_pattern(QaRule(phrases=phrases).phrase_list())


def score_call(rules: Sequence[QaRule], lines: Sequence[Line]) -> Scorecard:
    """Every rule's verdict and the score: the weighted share of rules met among those
    that apply (none apply: 100), 0 when an auto-fail rule is missed."""
    call = Call(lines)
    verdicts = tuple((rule, CHECKS[rule.kind](rule, call)) for rule in rules)
    weighed = [
        (rule.weight, v.outcome == HIT) for rule, v in verdicts if v.outcome != NOT_APPLICABLE
    ]
    total = sum(weight for weight, _met in weighed)
    met = sum(weight for weight, hit in weighed if hit)
    missed = [rule for rule, verdict in verdicts if verdict.outcome == MISSED]
    auto_failed = any(rule.auto_fail for rule in missed)
    score = 0 if auto_failed else (round(100 * met / total) if total else 100)
    return Scorecard(
        score=score,
        auto_failed=auto_failed,
        flags=frozenset(rule.flag for rule in missed if rule.flag),
        verdicts=verdicts,
    )
