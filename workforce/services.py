"""Writes for planning: re-forecasting a queue and managers' overrides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from reports.periods import center_zone
from telephony.models import Queue

from . import selectors
from .forecast import SLOTS, WEEK, NotEnoughHistory, best_forecast
from .models import ForecastInterval, ForecastOverride

FORECAST_DAYS = 2 * WEEK


@dataclass(frozen=True)
class ForecastMade:
    queue: Queue
    first_day: date
    days: int
    method: str
    intervals: int


def _handle_profile(history: selectors.History) -> np.ndarray:
    """AHT per position in the week x quarter hour, from the history's handled calls; a
    quarter hour with none takes its weekday's, then the queue's, average."""
    days = history.handled.shape[0]
    profile = np.zeros((WEEK, SLOTS))
    overall = history.handle_seconds.sum() / history.handled.sum()
    for position in range(WEEK):
        rows = [d for d in range(days) if (days - d) % WEEK == (WEEK - position) % WEEK]
        seconds = history.handle_seconds[rows].sum(axis=0)
        handled = history.handled[rows].sum(axis=0)
        day_mean = seconds.sum() / handled.sum() if handled.sum() else overall
        with np.errstate(invalid="ignore", divide="ignore"):
            profile[position] = np.where(handled > 0, seconds / handled, day_mean)
    return profile


@transaction.atomic
def forecast_refresh(
    *, queue: Queue, first_day: date | None = None, days: int = FORECAST_DAYS
) -> ForecastMade:
    """Forecast the queue's calls and AHT per quarter hour from `first_day` (today) on,
    from the history before it; overrides are kept, the previous forecast replaced."""
    first_day = first_day or timezone.localdate()
    history = selectors.queue_history(queue=queue, before=first_day)
    if history is None:
        raise ValidationError(f"{queue} has no interval history yet: nothing to forecast from.")
    if not history.handled.sum():
        raise ValidationError(f"{queue} has handled no call yet: its handle time is unknown.")
    size = history.offered.shape[0]
    factors = selectors.event_factors(queue=queue, first_day=history.first_day, days=size)
    plain = selectors.ordinary_days(history.offered, factors)
    try:
        calls, method = best_forecast(plain, days)
    except NotEnoughHistory as error:
        raise ValidationError(f"{queue}: {error}") from error
    ahead = selectors.event_factors(queue=queue, first_day=first_day, days=days)
    calls = calls * ahead[:, None]
    handle = _handle_profile(history)
    zone = center_zone()
    made_at = timezone.now()
    start, end = selectors.day_range(first_day, first_day + timedelta(days=days - 1), zone)
    ForecastInterval.objects.filter(
        queue=queue, interval_start__gte=start, interval_start__lt=end
    ).delete()
    rows = [
        ForecastInterval(
            queue=queue,
            interval_start=selectors.slot_start(first_day + timedelta(days=day), slot, zone),
            calls=round(float(calls[day, slot]), 2),
            aht_seconds=round(float(handle[day % WEEK, slot]), 1),
            made_at=made_at,
            method=method,
        )
        for day in range(days)
        for slot in range(SLOTS)
    ]
    # A repeated local hour (clocks going back) maps two slots to one UTC start: keep one.
    unique = list({row.interval_start: row for row in rows}.values())
    ForecastInterval.objects.bulk_create(unique)
    return ForecastMade(queue, first_day, days, method, len(unique))


@transaction.atomic
def forecast_override_set(
    *,
    queue: Queue,
    interval_start: datetime,
    calls: float,
    aht_seconds: float | None,
    note: str,
    user: User,
) -> ForecastOverride:
    """Put a manager's own figure on an interval (replacing their earlier one)."""
    if interval_start.minute % 15 or interval_start.second or interval_start.microsecond:
        raise ValidationError({"interval_start": "Intervals start on a quarter hour."})
    override, _ = ForecastOverride.objects.update_or_create(
        queue=queue,
        interval_start=interval_start,
        defaults={"calls": calls, "aht_seconds": aht_seconds, "note": note, "set_by": user},
    )
    return override


@transaction.atomic
def forecast_override_clear(*, queue: Queue, interval_start: datetime) -> None:
    """Go back to the model's figure for an interval."""
    ForecastOverride.objects.filter(queue=queue, interval_start=interval_start).delete()
