"""Scorecards and scored calls for the evaluation tests, made through the models."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from qa.models import Scorecard, ScorecardQuestion, ScorecardSection
from telephony.models import Queue
from tests.qa.autoqa.conftest import GOOD_CALL, billing, teams, transcribed_call  # noqa: F401

# (section title, section weight, [(text, kind, weight, critical, max points, N/A allowed)])
CARD = [
    (
        "Opening",
        1,
        [
            ("Greets and names the company", "yes_no", 1, False, None, True),
            ("Says the call is recorded", "yes_no", 1, True, None, False),
        ],
    ),
    (
        "Resolution",
        2,
        [
            ("Solves the problem", "scale", 3, False, None, True),
            ("Follows the troubleshooting steps", "points", 1, False, 10, True),
        ],
    ),
]


def make_card(name: str = "Support", spec=CARD, queues=()) -> Scorecard:
    card = Scorecard.objects.create(name=name, pass_mark=80)
    card.queues.set(queues)
    for position, (title, weight, questions) in enumerate(spec):
        section = ScorecardSection.objects.create(
            scorecard=card, title=title, weight=weight, position=position
        )
        for index, (text, kind, q_weight, critical, max_points, allow_na) in enumerate(questions):
            ScorecardQuestion.objects.create(
                scorecard=card,
                section=section,
                text=text,
                kind=kind,
                weight=q_weight,
                critical=critical,
                max_points=max_points,
                allow_na=allow_na,
                position=index,
                auto_qa_rule="greeting" if index == 0 and position == 0 else "",
            )
    return card


def question_ids(card: Scorecard) -> list[int]:
    return list(
        card.questions.order_by("section__position", "position").values_list("pk", flat=True)
    )


def ended_call(agent_user, queue: Queue | None, *, minutes: float = 2, said=GOOD_CALL):
    """A call `agent_user` took and finished, recorded and transcribed."""
    transcript = transcribed_call(agent_user, queue, said)
    call = transcript.recording.call
    call.ended_at = timezone.now()
    call.answered_at = call.ended_at - timedelta(minutes=minutes)
    call.duration_seconds = int(minutes * 60)
    call.save()
    return call


@pytest.fixture
def card(db, billing):  # noqa: F811  (the fixture imported above)
    return make_card(queues=[billing])
