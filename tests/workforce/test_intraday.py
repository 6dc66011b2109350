"""Intraday: today's calls and AHT from the reports' interval facts against the forecast,
the intervals to come re-forecast by the calls so far ÷ the forecast so far."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reports.models import QueueInterval
from telephony.models import Queue
from tests.workforce.conftest import DAY, at
from workforce import selectors
from workforce.models import ForecastInterval, ForecastOverride


@pytest.fixture
def morning(manager, time_machine):
    """Forecast 10 calls of 200 s a quarter hour from 10:00 to 11:00, 20 by hand at 11:00;
    it is 10:40: 12 calls came at 10:00, 18 at 10:15, 3 so far at 10:30."""
    queue = Queue.objects.create(name="Support")
    for minute in (0, 15, 30, 45, 60):
        ForecastInterval.objects.create(
            queue=queue,
            interval_start=at(10) + timedelta(minutes=minute),
            calls=10,
            aht_seconds=200,
            made_at=at(0),
            method="holt-winters",
        )
    ForecastOverride.objects.create(queue=queue, interval_start=at(11), calls=20, set_by=manager)
    for start, offered, handled, talk in ((at(10), 12, 12, 2400), (at(10, 15), 18, 10, 2500)):
        QueueInterval.objects.create(
            queue=queue, interval_start=start, offered=offered, handled=handled, talk_seconds=talk
        )
    QueueInterval.objects.create(queue=queue, interval_start=at(10, 30), offered=3)
    time_machine.move_to(at(10, 40), tick=False)
    return queue


@pytest.mark.django_db
def test_the_rest_of_the_day_is_scaled_by_the_calls_so_far(morning):
    today = selectors.intraday(queue=morning, day=DAY, now=at(10, 40))
    assert today.ratio == pytest.approx(30 / 20)
    rows = {row.interval_start: row for row in today.rows if row.forecast_calls}
    assert [(r.actual_calls, r.actual_aht, r.reforecast_calls) for r in rows.values()] == [
        (12, 200, None),
        (18, 250, None),
        (None, None, 15),  # under way: re-forecast, not yet an actual
        (None, None, 15),
        (None, None, 30),  # the manager's 20, scaled too
    ]
    assert len(today.rows) == 96


@pytest.mark.django_db
def test_the_staffing_page_shows_intraday_for_today(morning, client_as, manager):
    page = (
        client_as(manager)
        .get("/workforce/", {"queue": morning.pk, "day": DAY.isoformat()})
        .content.decode()
    )
    assert 'id="intraday-table"' in page and "150% of the forecast" in page
    later = client_as(manager).get("/workforce/", {"queue": morning.pk, "day": "2026-03-03"})
    assert 'id="intraday"' not in later.content.decode()
