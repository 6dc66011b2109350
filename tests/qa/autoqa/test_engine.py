"""Each kind of rule worked by hand over a few utterances (no database: the checks are
pure functions of the utterances and the rule)."""

from __future__ import annotations

import pytest

from qa.autoqa.engine import Line, phrase_pattern, score_call, sentiment
from qa.models import QaRule

K = QaRule.Kind


def lines(*said: tuple[str, float, float, str]) -> list[Line]:
    return [
        Line(n, speaker, int(start * 1000), int(end * 1000), text)
        for n, (speaker, start, end, text) in enumerate(said, start=1)
    ]


def verdict(rule: QaRule, said: list[Line]):
    ((_rule, result),) = score_call([rule], said).verdicts
    return result


CALL = lines(
    ("agent", 1, 4, "Thank you for calling Acme."),
    ("caller", 4.5, 8, "I want to CANCEL my plan."),
    ("agent", 7, 12, "I guarantee you'll save money if you stay."),
    ("caller", 25, 27, "Fine."),
    ("agent", 27.5, 30, "Have a great day!"),
)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Thank you for calling.", True),
        ("THANK  YOU for calling", True),  # any case, any spacing
        ("thankful you for calling", False),  # whole words only
        ("thank you for callings", False),
        ("good morning, Acme", True),  # the other alternative
    ],
)
def test_phrases_match_whole_words_in_any_case_with_alternatives(text, found):
    pattern = phrase_pattern(["thank you for calling", "good morning"])
    assert bool(pattern.search(text)) is found


def test_a_phrase_never_spans_two_utterances():
    rule = QaRule(kind=K.REQUIRED, speaker="agent", phrases="calling acme")
    said = lines(("agent", 0, 1, "Thanks for calling"), ("agent", 1, 2, "Acme here"))
    assert verdict(rule, said).outcome == "missed"


def test_required_phrase_hit_names_the_utterance_and_moment():
    rule = QaRule(kind=K.REQUIRED, speaker="agent", phrases="have a great day|goodbye")
    result = verdict(rule, CALL)
    assert (result.outcome, result.line.id, result.at_ms) == ("hit", 5, 27_500)


def test_required_phrase_said_by_the_wrong_speaker_is_missed():
    rule = QaRule(kind=K.REQUIRED, speaker="agent", phrases="cancel")
    assert verdict(rule, CALL).outcome == "missed"
    assert verdict(QaRule(kind=K.REQUIRED, speaker="caller", phrases="cancel"), CALL).line.id == 2


def test_forbidden_phrase_said_is_missed_at_its_utterance():
    rule = QaRule(kind=K.FORBIDDEN, speaker="agent", phrases="guarantee\npromise")
    result = verdict(rule, CALL)
    assert (result.outcome, result.line.id, result.at_ms) == ("missed", 3, 7000)
    assert verdict(QaRule(kind=K.FORBIDDEN, speaker="agent", phrases="promise"), CALL).outcome == (
        "hit"
    )


def test_phrase_within_the_first_seconds():
    early = QaRule(kind=K.EARLY, speaker="agent", phrases="thank you for calling", seconds=5)
    assert verdict(early, CALL).outcome == "hit"
    late = QaRule(kind=K.EARLY, speaker="agent", phrases="great day", seconds=20)
    result = verdict(late, CALL)
    assert (result.outcome, result.at_ms, result.value) == ("missed", 27_500, 27.5)


def test_silence_longer_than_the_bound_is_missed_from_where_it_began():
    # Speech covers up to 12 s (the agent's 7-12 s overlaps the caller's end at 8 s);
    # the next words come at 25 s: 13 s of silence.
    result = verdict(QaRule(kind=K.SILENCE, seconds=10), CALL)
    assert (result.outcome, result.at_ms, result.value, result.line.id) == ("missed", 12_000, 13, 4)
    assert verdict(QaRule(kind=K.SILENCE, seconds=13), CALL).outcome == "hit"


def test_agent_talk_ratio_over_and_under_a_bound():
    # Agent 3 + 5 + 2.5 = 10.5 s of 10.5 + 3.5 + 2 = 16 s: 65.6 %.
    over = verdict(QaRule(kind=K.TALK_RATIO, speaker="agent", threshold=0.6, bound="over"), CALL)
    assert (over.outcome, over.value) == ("missed", pytest.approx(10.5 / 16, abs=1e-4))
    under = QaRule(kind=K.TALK_RATIO, speaker="agent", threshold=0.7, bound="under")
    assert verdict(under, CALL).outcome == "missed"
    fine = QaRule(kind=K.TALK_RATIO, speaker="agent", threshold=0.7, bound="over")
    assert verdict(fine, CALL).outcome == "hit"


def test_overtalk_longer_than_the_bound_names_who_talked_over():
    # The agent starts at 7 s while the caller talks until 8 s: 1 s of overtalk.
    result = verdict(QaRule(kind=K.OVERTALK, speaker="agent", seconds=0.5), CALL)
    assert (result.outcome, result.line.id, result.at_ms, result.value) == ("missed", 3, 7000, 1)
    assert verdict(QaRule(kind=K.OVERTALK, speaker="caller", seconds=0.5), CALL).outcome == "hit"
    assert verdict(QaRule(kind=K.OVERTALK, speaker="agent", seconds=1), CALL).outcome == "hit"


def test_customer_sentiment_start_against_end():
    angrier = lines(
        ("caller", 0, 2, "Hello, I have a question."),
        ("caller", 3, 5, "Why is this so slow?"),
        ("caller", 6, 8, "This is terrible, I am furious and disgusted."),
    )
    assert sentiment("This is terrible, I am furious and disgusted.") < -0.5
    rule = QaRule(kind=K.SENTIMENT, speaker="caller", threshold=-0.3)
    result = verdict(rule, angrier)
    assert (result.outcome, result.line.id) == ("missed", 3)
    assert result.value == pytest.approx(sentiment(angrier[2].text), abs=1e-4)
    # Still unhappy at the end, but happier than at the start: met.
    calmer = lines(
        ("caller", 0, 2, "This is awful, I hate it, worst service ever."),
        ("caller", 3, 5, "Okay."),
        ("caller", 6, 8, "It is still bad."),
    )
    assert verdict(rule, calmer).outcome == "hit"
    assert verdict(rule, lines(("caller", 0, 1, "Hi."))).outcome == "na"


def test_score_is_the_weighted_share_and_an_auto_fail_miss_is_zero():
    hit = QaRule(kind=K.REQUIRED, speaker="agent", phrases="great day", weight=30)
    missed = QaRule(kind=K.REQUIRED, speaker="agent", phrases="recorded", weight=10)
    not_applicable = QaRule(kind=K.SENTIMENT, speaker="caller", threshold=0, weight=50)
    card = score_call([hit, missed, not_applicable], lines(("agent", 0, 1, "Great day!")))
    assert (card.score, card.auto_failed) == (75, False)
    missed.auto_fail, missed.flag = True, "compliance_miss"
    card = score_call([hit, missed], CALL)
    assert (card.score, card.auto_failed, card.flags) == (0, True, {"compliance_miss"})
    assert score_call([], CALL).score == 100
