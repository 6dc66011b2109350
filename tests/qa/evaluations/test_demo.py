"""The demo's scorecard, sampling rules and scored call: seeded once, and the call's
evaluation shows with its player to the demo agent."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from qa.models import Evaluation, SamplingRule, Scorecard

pytestmark = pytest.mark.django_db


def test_seed_demo_shows_a_scored_call_once(client):
    call_command("seed_demo", customers=2)
    call_command("seed_demo", customers=2)
    assert Scorecard.objects.count() == 1
    assert SamplingRule.objects.count() == 4
    evaluation = Evaluation.objects.get()
    # Opening and Closing full; Resolution (weight 2): scale 4 (0.75 x 2), 8 of 10 points,
    # yes: 3.3 of 4 = 82.5%. (100 + 2 x 82.5 + 100) / 4.
    assert (evaluation.state, evaluation.score) == ("submitted", 91.25)
    client.force_login(User.objects.get(username="agent"))
    page = client.get(reverse("qa:evaluation", args=[evaluation.pk])).content.decode()
    assert "<audio" in page
    assert "I am refunding the second charge now." in page
    assert "Acknowledge" in page
