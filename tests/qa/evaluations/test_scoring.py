"""How a scorecard scores, as tables: weights, N/A, critical fails, scales and points, and
versions (an evaluation keeps the card it was scored with)."""

from __future__ import annotations

import pytest

from qa.evaluations import services
from qa.evaluations.scoring import Item, score
from qa.models import Evaluation, ScorecardQuestion
from tests.qa.evaluations.conftest import ended_call, question_ids

# Sections A (weight 1) and B (weight 3); each row: the answers (None: N/A) of
# A1 yes/no w1, A2 yes/no w1 critical, B1 scale w2, B2 points/10 w1, and the score.
ROWS = [
    # every answer at its best
    ((1, 1, 5, 10), 100.0, False),
    # A half (one of two), B full: (1*50 + 3*100) / 4
    ((0, 1, 5, 10), 87.5, False),
    # B: scale 3 earns 0.5 (w2), points 4/10 (w1): (1.0 + 0.4) / 3 = 46.67%; A full
    ((1, 1, 3, 4), (100 + 3 * 140 / 3) / 4, False),
    # N/A left out: B is B1 alone (scale 4: 75%); A is A1 alone
    ((1, 1, 4, None), (100 + 3 * 75) / 4, False),
    ((None, 1, 4, None), (100 + 3 * 75) / 4, False),
    # a section with every answer N/A drops out, weights and all
    ((1, 1, None, None), 100.0, False),
    # the critical question answered no: 0, whatever else
    ((1, 0, 5, 10), 0.0, True),
    # lowest scale value on a non-critical question is just a low answer
    ((1, 1, 1, 0), 25.0, False),
]


def items(values):
    kinds = [("A", 1, 1, "yes_no", False, None), ("A", 1, 1, "yes_no", True, None)]
    kinds += [("B", 3, 2, "scale", False, None), ("B", 3, 1, "points", False, 10)]
    return [
        Item(section=s, section_weight=sw, weight=w, kind=k, value=v, critical=c, max_points=m)
        for (s, sw, w, k, c, m), v in zip(kinds, values, strict=True)
    ]


@pytest.mark.parametrize(("values", "expected", "critical"), ROWS)
def test_score_table(values, expected, critical):
    result = score(items(values))
    assert result.score == pytest.approx(expected, abs=0.01)
    assert result.critical_failed is critical


def test_every_answer_na_gives_no_score():
    only_na = [Item(section="A", section_weight=1, weight=1, kind="yes_no", value=None)]
    assert score(only_na).score is None


def test_section_scores_are_reported_apart():
    result = score(items((0, 1, 5, 10)))
    assert result.sections == {"A": 50.0, "B": 100.0}


# The stored card (conftest.CARD): Opening w1 (yes/no, yes/no critical), Resolution w2
# (scale w3, points/10 w1). Each row: answers by question order, then the score.
CARD_ROWS = [
    ((1, 1, 5, 10), 100.0),
    ((0, 1, 5, 10), (50 + 2 * 100) / 3),
    ((1, 1, 3, None), (100 + 2 * 50) / 3),
    ((1, 0, 5, 10), 0.0),
]


@pytest.mark.parametrize(("values", "expected"), CARD_ROWS)
def test_a_submitted_evaluation_scores_as_its_card_says(values, expected, card, agent, qa_analyst):
    call = ended_call(agent, card.queues.get())
    evaluation = services.evaluation_start(call=call, analyst=qa_analyst)
    answers = dict(zip(question_ids(card), values, strict=True))
    done = services.evaluation_save(
        evaluation_id=evaluation.pk, by=qa_analyst, answers=answers, submit=True
    )
    assert done.score == pytest.approx(expected, abs=0.01)
    assert done.final_score == done.score
    assert done.passed is (expected >= card.pass_mark)


def test_editing_a_card_in_use_makes_a_new_version_and_old_evaluations_keep_theirs(
    card, agent, qa_analyst
):
    call = ended_call(agent, card.queues.get())
    first = services.evaluation_start(call=call, analyst=qa_analyst)
    services.evaluation_save(
        evaluation_id=first.pk,
        by=qa_analyst,
        answers=dict(zip(question_ids(card), (0, 1, 5, 10), strict=True)),
        submit=True,
    )
    # As the admin does: keep the version, then save the edit on the card's own rows.
    assert services.scorecard_in_use(scorecard=card)
    kept = services.scorecard_keep_version(scorecard=card)
    card.save()
    card.sections.filter(title="Opening").update(weight=5)
    greeting = card.questions.get(text__startswith="Greets")
    greeting.text = "Greets warmly"
    greeting.save()

    first.refresh_from_db()
    card.refresh_from_db()
    assert (kept.version, kept.is_current, card.version, card.is_current) == (1, False, 2, True)
    assert first.scorecard == kept
    assert set(first.answers.values_list("question__scorecard", flat=True)) == {kept.pk}
    assert kept.questions.filter(text__startswith="Greets and names").exists()
    # The old evaluation's score, recomputed from its own version, is unchanged.
    assert services.scorecard_preview(
        scorecard=kept, answers={a.question_id: a.value for a in first.answers.all()}
    ).score == pytest.approx(first.score)
    # A new evaluation scores on version 2: the same answers weigh Opening five times.
    second_call = ended_call(agent, card.queues.get())
    second = services.evaluation_start(call=second_call, analyst=qa_analyst)
    assert second.scorecard == card
    second = services.evaluation_save(
        evaluation_id=second.pk,
        by=qa_analyst,
        answers=dict(zip(question_ids(card), (0, 1, 5, 10), strict=True)),
        submit=True,
    )
    assert first.score == pytest.approx(250 / 3, abs=0.01)
    assert second.score == pytest.approx(450 / 7, abs=0.01)
    assert Evaluation.objects.filter(scorecard__name="Support").count() == 2
    assert ScorecardQuestion.objects.filter(scorecard__name="Support").count() == 8
