"""The demo shows two weeks of history in every report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from reports import selectors

pytestmark = pytest.mark.django_db


def test_seed_demo_leaves_history_for_the_reports(capsys):
    call_command("seed_demo", customers=5)
    call_command("seed_demo", customers=5)  # a second run adds no second history
    end = timezone.now()
    start = end - timedelta(days=15)
    days = selectors.queue_kpis(start=start, end=end, interval="day")
    assert len({row["period"] for row in days}) >= 10
    assert sum(row["offered"] for row in days) > 500
    assert all(row["service_level"] is not None for row in days)
    agents = selectors.agent_kpis(start=start, end=end, interval="week")
    assert agents and all(0 < row["occupancy"] < 100 for row in agents)
    assert "two weeks of demo history (0 calls added now)" in capsys.readouterr().out
