"""Figures are rounded one way, halves up, whether the database or Python computes them."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection

from callcenter.rounding import ratio, ratio_sql, shown
from qa.surveys.fcr import REPEATED, RESOLVED, csat_figures, fcr_figures
from reports.models import QueueInterval
from reports.selectors import QUEUE_FIGURES, queue_kpis, team_kpis
from telephony.models import Queue, Team

from .conftest import at


def test_halves_round_up_not_to_even():
    assert ratio(1, 800, 100) == 0.13  # 0.125: round() would give 0.12
    assert ratio(3, 800, 100) == 0.38  # 0.375
    assert shown(2.675) == 2.68  # 267.5 in double precision once scaled
    assert shown(12.345) == 12.35
    assert shown(0.005) == 0.01


def test_a_value_just_under_a_half_in_double_precision_rounds_down():
    # 1.005 is 1.00499999999999989... as a double, and 100.49999999999999 once scaled.
    assert shown(1.005) == 1.0
    assert shown(0.285) == 0.28


def test_nothing_to_divide_by_has_no_figure():
    assert ratio(0, 0, 100) is None
    assert ratio(5.0, 0) is None


@pytest.mark.django_db
def test_sql_rounds_every_ratio_exactly_as_python():
    # Counts over 800 (a half at every eighth step) and seconds in thousandths over 3.
    steps = 4000
    query = (
        "WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < %s) "  # noqa: S608
        f"SELECT k, {ratio_sql('k', '800', 100)}, "
        f"{ratio_sql('CAST(k AS double precision) / 1000', '3')}, "
        f"{ratio_sql('k', 'k - k / 7 * 7')} FROM n"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [steps])
        rows = cursor.fetchall()
    assert len(rows) == steps + 1
    expected = [(k, ratio(k, 800, 100), ratio(k / 1000, 3), ratio(k, k % 7)) for k, *_ in rows]
    assert rows == expected
    assert rows[1][:2] == (1, 0.13)  # 0.125 rounded up by the database too


@pytest.mark.django_db
def test_interval_figures_from_sql_equal_summed_figures_from_python():
    # Each hour holds one fact, so its hourly figures (summed and divided in Python) must
    # be the 15-minute ones the database divides, halves and all.
    support = Queue.objects.create(name="Support")
    team = Team.objects.create(name="Tier 1")
    team.queues.add(support)
    ten = at("2026-05-04 10:00:00")
    facts = [
        dict(offered=800, answered_in_threshold=1, answered=1, answer_wait_seconds=2.675),
        dict(offered=808, short_abandoned=8, answered_in_threshold=3, abandoned=3, answered=3),
        dict(handled=1, talk_seconds=1.0, hold_seconds=0.005, wrap_up_seconds=0.0),
        dict(handled=3, talk_seconds=12.345 * 3, waits=2, wait_seconds=0.25),
        dict(offered=3, abandoned=1, abandon_wait_seconds=0.125, longest_wait_seconds=2.675),
    ]
    for hour, fact in enumerate(facts):
        QueueInterval.objects.create(
            queue=support, interval_start=ten + timedelta(hours=hour), **fact
        )
    end = ten + timedelta(hours=len(facts))

    quarters = queue_kpis(start=ten, end=end, interval="15m")
    hours = queue_kpis(start=ten, end=end, interval="hour")
    teams = team_kpis(start=ten, end=end, interval="15m")

    def figures(rows):
        return [{name: row[name] for name in QUEUE_FIGURES} for row in rows]

    assert figures(quarters) == figures(hours) == figures(teams)
    assert [row["service_level"] for row in quarters] == [0.13, 0.38, None, None, 0.0]
    assert quarters[0]["asa"] == 2.68
    assert quarters[2]["aht"] == 1.0  # 1.005 in double precision is under the half
    assert quarters[4]["longest_wait"] == 2.68
    assert quarters[4]["average_abandon_time"] == 0.13


def test_csat_and_fcr_round_halves_up_as_the_reports_do():
    # 1 of 160 is 0.625% exactly: Python's round() would show 0.62.
    assert csat_figures([5] + [1] * 159)["csat"] == 0.63
    outcomes = [SimpleNamespace(outcome=RESOLVED)] + [SimpleNamespace(outcome=REPEATED)] * 159
    assert fcr_figures(outcomes)["fcr"] == 0.63
