"""The forecast on synthetic history with known weekly and daily seasonality and trend;
events as data; overrides kept across re-forecasts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from reports.models import QueueInterval
from telephony.models import Queue
from workforce import forecast, selectors, services, tasks
from workforce.models import CalendarEvent, ForecastInterval, ForecastOverride

# Busy late morning, quiet at night; Monday busiest, Sunday closed.
DAY_SHAPE = np.exp(-(((np.arange(96) - 46) / 12) ** 2))
DAY_SHAPE[:28] = DAY_SHAPE[84:] = 0
WEEKDAY = np.array([1.3, 1.15, 1.05, 1.0, 0.9, 0.45, 0.0])


def synthetic(days: int, *, first_weekday: int = 0, daily: float = 400, growth: float = 6):
    """Poisson calls around a known seasonal pattern with a linear trend."""
    rng = np.random.default_rng(7)
    mean = np.array(
        [
            (daily + growth * d) * WEEKDAY[(first_weekday + d) % 7] * DAY_SHAPE / DAY_SHAPE.sum()
            for d in range(days)
        ]
    )
    return rng.poisson(mean).astype(float), mean


def test_smoothing_beats_seasonal_naive_on_held_out_weeks():
    history, _mean = synthetic(70)
    scores = {score.method: score for score in forecast.backtest(history, holdout_weeks=2)}
    smoothing, naive = scores[forecast.SMOOTHING], scores[forecast.SEASONAL_NAIVE]
    assert smoothing.wape < naive.wape
    # Seasonal naive lags a growing series: it under-forecasts; the trend does not.
    assert naive.bias < -0.05
    assert abs(smoothing.bias) < abs(naive.bias)


def test_forecast_keeps_the_weekday_and_time_of_day_shape():
    history, _mean = synthetic(56)
    ahead, method = forecast.best_forecast(history, 7)
    assert method == forecast.SMOOTHING
    # The history ends on a Sunday: the forecast starts on a Monday, busiest day first.
    totals = ahead.sum(axis=1)
    assert totals.argmax() == 0
    assert totals[6] < 1  # Sunday stays closed
    assert ahead[0].argmax() in range(40, 52)
    assert ahead[:, :28].sum() == 0  # nobody calls at night


def test_short_history_falls_back_to_seasonal_naive_and_too_short_is_refused():
    history, _mean = synthetic(14)
    _ahead, method = forecast.best_forecast(history, 7)
    assert method == forecast.SEASONAL_NAIVE
    with pytest.raises(forecast.NotEnoughHistory):
        forecast.best_forecast(history[:5], 7)
    with pytest.raises(forecast.NotEnoughHistory):
        forecast.seasonal_naive(np.zeros((14, 96)), 7)


def test_wape_and_bias_follow_their_definitions():
    actual = np.array([[10.0, 0, 30]])
    score = forecast.accuracy("x", actual, np.array([[12.0, 1, 27]]))
    assert score.wape == pytest.approx(6 / 40)
    assert score.bias == pytest.approx(0)
    assert forecast.accuracy("x", np.zeros((1, 3)), np.ones((1, 3))).wape is None


ZONE_TODAY = date(2026, 3, 2)  # a Monday


def _store_history(queue: Queue, days: int, *, sale_day: int | None = None) -> None:
    history, _mean = synthetic(days)
    if sale_day is not None:
        history[sale_day] *= 1.4
    first = ZONE_TODAY - timedelta(days=days)
    zone = selectors.center_zone()
    rows = []
    for day in range(days):
        for slot in np.flatnonzero(history[day]):
            calls = int(history[day, slot])
            rows.append(
                QueueInterval(
                    queue=queue,
                    interval_start=selectors.slot_start(
                        first + timedelta(days=day), int(slot), zone
                    ),
                    offered=calls,
                    answered=calls,
                    handled=calls,
                    talk_seconds=200.0 * calls,
                    wrap_up_seconds=40.0 * calls,
                )
            )
    QueueInterval.objects.bulk_create(rows)


@pytest.mark.django_db
def test_reforecast_stores_each_interval_with_its_handle_time():
    queue = Queue.objects.create(name="Sales")
    _store_history(queue, 42)
    made = services.forecast_refresh(queue=queue, first_day=ZONE_TODAY, days=7)
    assert made.method == forecast.SMOOTHING
    rows = ForecastInterval.objects.filter(queue=queue)
    assert rows.count() == 7 * 96
    busy = rows.filter(calls__gt=1)
    assert busy.exists()
    assert {round(row.aht_seconds) for row in busy} == {240}


@pytest.mark.django_db
def test_a_sale_day_is_forecast_forty_percent_up_and_history_sale_days_do_not_skew():
    queue = Queue.objects.create(name="Sales")
    _store_history(queue, 42, sale_day=42 - 7)  # last Monday was a sale
    CalendarEvent.objects.create(
        name="Spring sale", day=ZONE_TODAY - timedelta(days=7), factor=Decimal("1.40")
    )
    services.forecast_refresh(queue=queue, first_day=ZONE_TODAY, days=14)
    plain_monday = _day_total(queue, ZONE_TODAY)
    next_monday = _day_total(queue, ZONE_TODAY + timedelta(days=7))
    CalendarEvent.objects.create(
        name="Sale", day=ZONE_TODAY + timedelta(days=7), queue=queue, factor=Decimal("1.40")
    )
    services.forecast_refresh(queue=queue, first_day=ZONE_TODAY, days=14)
    assert _day_total(queue, ZONE_TODAY) == pytest.approx(plain_monday, rel=1e-6)
    sale = _day_total(queue, ZONE_TODAY + timedelta(days=7))
    assert sale == pytest.approx(next_monday * 1.4, rel=1e-3)
    # Without the de-evented history the Monday would have been inflated by the sale.
    expected = (400 + 6 * 42) * WEEKDAY[0]
    assert plain_monday == pytest.approx(expected, rel=0.15)


def _day_total(queue: Queue, day: date) -> float:
    start, end = selectors.day_range(day, day, selectors.center_zone())
    rows = ForecastInterval.objects.filter(
        queue=queue, interval_start__gte=start, interval_start__lt=end
    )
    return sum(row.calls for row in rows)


@pytest.mark.django_db
def test_overrides_survive_a_reforecast_and_drive_the_requirement(manager):
    queue = Queue.objects.create(name="Sales")
    _store_history(queue, 42)
    services.forecast_refresh(queue=queue, first_day=ZONE_TODAY, days=7)
    moment = selectors.slot_start(ZONE_TODAY, 44, selectors.center_zone())
    services.forecast_override_set(
        queue=queue,
        interval_start=moment,
        calls=150,
        aht_seconds=None,
        note="mailing",
        user=manager,
    )
    services.forecast_refresh(queue=queue, first_day=ZONE_TODAY, days=7)
    assert ForecastOverride.objects.get(queue=queue, interval_start=moment).calls == 150
    row = next(
        r for r in selectors.staffing_day(queue=queue, day=ZONE_TODAY) if r.interval_start == moment
    )
    assert row.override is not None and row.calls == 150
    assert row.forecast_calls != 150
    assert row.required is not None and row.required > 150 * 240 / 900  # above the load
    with pytest.raises(ValidationError):
        services.forecast_override_set(
            queue=queue,
            interval_start=datetime(2026, 3, 2, 9, 7, tzinfo=UTC),
            calls=1,
            aht_seconds=None,
            note="",
            user=manager,
        )


@pytest.mark.django_db
def test_backtest_per_queue_reads_the_interval_history():
    queue = Queue.objects.create(name="Sales")
    _store_history(queue, 42)
    scores = selectors.forecast_accuracy(queue=queue, today=ZONE_TODAY)
    assert [score.method for score in scores] == [forecast.SMOOTHING, forecast.SEASONAL_NAIVE]
    assert scores[0].wape < scores[1].wape


@pytest.mark.django_db
def test_a_blended_campaigns_planned_agents_are_added_on_top():
    from campaigns.models import Campaign
    from workforce.models import CampaignPlan

    queue = Queue.objects.create(name="Sales")
    _store_history(queue, 42)
    services.forecast_refresh(queue=queue, first_day=ZONE_TODAY, days=7)
    inbound = {
        r.interval_start: r.required for r in selectors.staffing_day(queue=queue, day=ZONE_TODAY)
    }
    campaign = Campaign.objects.create(name="Renewals", caller_id="+14155550100", queue=queue)
    CampaignPlan.objects.create(campaign=campaign, agents=3, start=time(10), end=time(12))
    rows = {r.interval_start: r for r in selectors.staffing_day(queue=queue, day=ZONE_TODAY)}
    zone = selectors.center_zone()
    ten, noon = (
        selectors.slot_start(ZONE_TODAY, 40, zone),
        selectors.slot_start(ZONE_TODAY, 48, zone),
    )
    assert rows[ten].outbound == 3 and rows[ten].required == inbound[ten] + 3
    assert rows[noon].outbound == 0 and rows[noon].required == inbound[noon]
    # Not on a Sunday, nor once the campaign is stopped.
    assert not selectors.outbound_agents(queue=queue, day=ZONE_TODAY - timedelta(days=1)).any()
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.STOPPED)
    assert not selectors.outbound_agents(queue=queue, day=ZONE_TODAY).any()


@pytest.mark.django_db
def test_the_nightly_reforecast_remakes_every_queue_with_history(time_machine, settings):
    sales, empty = Queue.objects.create(name="Sales"), Queue.objects.create(name="New line")
    _store_history(sales, 42)
    time_machine.move_to(datetime.combine(ZONE_TODAY, time(2, 30), tzinfo=UTC), tick=False)
    assert tasks.forecasts_refresh_nightly() == 1  # the new line has nothing to go on
    first = ForecastInterval.objects.filter(queue=sales).order_by("interval_start").first()
    assert first.interval_start == datetime.combine(ZONE_TODAY, time(), tzinfo=UTC)
    assert not ForecastInterval.objects.filter(queue=empty).exists()
    beat = settings.CELERY_BEAT_SCHEDULE["workforce-reforecast"]
    assert beat["task"] == "workforce.tasks.forecasts_refresh_nightly"
