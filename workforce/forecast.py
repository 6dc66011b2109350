"""Forecasting calls per 15 minutes from the interval history: pure functions on arrays.

Top-down, as planners do it: each day's total comes from Holt-Winters exponential
smoothing (statsmodels: damped additive trend, weekly seasonality, fitted by maximum
likelihood), and is spread over the day by that weekday's time-of-day profile. Known
events are data: history on an event day is divided by its factor before fitting and the
forecast multiplied by it. The seasonal-naive forecast (the same interval one week earlier)
is the baseline every accuracy figure stands beside.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.holtwinters import ExponentialSmoothing

SLOTS = 96  # quarter hours in a day
WEEK = 7
MIN_DAYS = WEEK  # seasonal naive needs one week
MIN_SMOOTHING_DAYS = 3 * WEEK  # Holt-Winters with a weekly season needs a few of them

SMOOTHING = "Holt-Winters"
SEASONAL_NAIVE = "seasonal naive"


class NotEnoughHistory(ValueError):
    """Fewer days of history than any forecast needs."""


def _check(history: np.ndarray) -> None:
    if history.ndim != 2 or history.shape[1] != SLOTS:
        raise ValueError("History is days x 96 quarter hours.")
    if history.shape[0] < MIN_DAYS:
        raise NotEnoughHistory(f"At least {MIN_DAYS} days of history are needed.")
    if not np.isfinite(history).all() or history.sum() == 0:
        raise NotEnoughHistory("The history has no calls to learn from.")


def seasonal_naive(history: np.ndarray, horizon_days: int) -> np.ndarray:
    """Each interval as it was one week earlier (the last observed week, repeated)."""
    _check(history)
    last_week = history[-WEEK:]
    return np.array([last_week[day % WEEK] for day in range(horizon_days)])


def _profiles(history: np.ndarray) -> np.ndarray:
    """Per position in the week, each quarter hour's share of the day (the last weeks'
    days summed, so a quiet day's noise does not set the shape)."""
    days = history.shape[0]
    profiles = np.zeros((WEEK, SLOTS))
    for position in range(WEEK):
        rows = history[[d for d in range(days) if (days - d) % WEEK == (WEEK - position) % WEEK]]
        total = rows.sum()
        profiles[position] = rows.sum(axis=0) / total if total else 0.0
    return profiles


def smoothed(history: np.ndarray, horizon_days: int) -> np.ndarray:
    """Holt-Winters day totals x weekday profiles, `horizon_days` x 96 (never negative)."""
    _check(history)
    if history.shape[0] < MIN_SMOOTHING_DAYS:
        raise NotEnoughHistory(f"Smoothing needs {MIN_SMOOTHING_DAYS} days of history.")
    totals = history.sum(axis=1)
    model = ExponentialSmoothing(
        totals,
        trend="add",
        damped_trend=True,
        seasonal="add",
        seasonal_periods=WEEK,
        initialization_method="estimated",
    )
    with warnings.catch_warnings():
        # A short or flat history converges loosely; the back-test shows what it is worth.
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = model.fit()
    days = np.maximum(fit.forecast(horizon_days), 0.0)
    # Profile positions count from the day after the history: position p is p days on.
    profiles = _profiles(history)
    return np.array([days[d] * profiles[d % WEEK] for d in range(horizon_days)])


def best_forecast(history: np.ndarray, horizon_days: int) -> tuple[np.ndarray, str]:
    """Holt-Winters when the history allows, else seasonal naive; and which it was."""
    if history.shape[0] >= MIN_SMOOTHING_DAYS:
        return smoothed(history, horizon_days), SMOOTHING
    return seasonal_naive(history, horizon_days), SEASONAL_NAIVE


@dataclass(frozen=True)
class Accuracy:
    method: str
    wape: float | None  # Σ|actual - forecast| ÷ Σ actual
    bias: float | None  # Σ(forecast - actual) ÷ Σ actual: above 0 over-forecasts


def accuracy(method: str, actual: np.ndarray, forecast: np.ndarray) -> Accuracy:
    total = float(actual.sum())
    if not total:
        return Accuracy(method, None, None)
    return Accuracy(
        method,
        float(np.abs(actual - forecast).sum()) / total,
        float((forecast - actual).sum()) / total,
    )


def backtest(history: np.ndarray, holdout_weeks: int = 1) -> list[Accuracy]:
    """Both methods fitted without the last `holdout_weeks` and scored on them."""
    holdout = holdout_weeks * WEEK
    if history.shape[0] < holdout + MIN_DAYS:
        raise NotEnoughHistory(
            f"A back-test over {holdout_weeks} week(s) needs {holdout + MIN_DAYS} days."
        )
    train, actual = history[:-holdout], history[-holdout:]
    scores = [accuracy(SEASONAL_NAIVE, actual, seasonal_naive(train, holdout))]
    if train.shape[0] >= MIN_SMOOTHING_DAYS:
        scores.insert(0, accuracy(SMOOTHING, actual, smoothed(train, holdout)))
    return scores
