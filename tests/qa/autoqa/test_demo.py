"""The demo's automated-QA rules: seeded once, and they flag a demo call that breaks them."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from qa.autoqa import services
from qa.models import QaRule

from .conftest import transcribed_call

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_the_rules_once_and_keeps_edits(agent, billing):
    call_command("seed_demo", customers=2)
    names = set(QaRule.objects.values_list("name", flat=True))
    assert names == {"greeting", "recording-disclosure", "closing", "no-guarantee", "long-silence"}
    closing = QaRule.objects.get(name="closing")
    closing.weight = 1
    services.rule_revise(rule=closing, by=None)
    call_command("seed_demo", customers=2)
    assert QaRule.objects.count() == 6
    assert QaRule.objects.get(name="closing", is_current=True).weight == 1

    score = services.transcript_score(
        transcript_id=transcribed_call(
            agent,
            billing,
            [
                ("agent", 0.5, 3.0, "Good morning, you've reached Acme."),
                ("caller", 3.5, 5.0, "Hi."),
                ("caller", 18.0, 20.0, "Hello? Are you there?"),
                ("agent", 21.0, 24.0, "Sorry. I guaranteed that refund, goodbye."),
            ],
        ).pk
    )
    outcomes = {result.rule.name: result.outcome for result in score.results.all()}
    assert outcomes == {
        "greeting": "hit",
        "recording-disclosure": "missed",
        "closing": "hit",
        "no-guarantee": "missed",
        "long-silence": "missed",
    }
    assert score.score == 0 and set(score.flags) == {"compliance_miss", "long_silence"}
