"""Predictive against progressive, through the simulator: more contacts, no more drops."""

from __future__ import annotations

import pytest

from bench.dialer import simulate

pytestmark = pytest.mark.django_db(transaction=True)


def test_predictive_reaches_more_people_per_agent_hour_within_the_abandonment_target():
    progressive = simulate("progressive", agents=8, minutes=6, handle_seconds=60)
    predictive = simulate("predictive", agents=8, minutes=6, handle_seconds=60)
    print(progressive.line(), predictive.line(), sep="\n")
    assert predictive.contacts_per_agent_hour > 1.2 * progressive.contacts_per_agent_hour
    assert predictive.utilization > progressive.utilization
    assert predictive.abandonment_rate <= 0.03
