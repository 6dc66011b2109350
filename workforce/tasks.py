"""Celery tasks of workforce: thin adapters around its services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def forecasts_refresh_nightly() -> int:
    """Beat's nightly pass: yesterday's intervals join the history of every forecast."""
    return len(services.forecasts_refresh_nightly())
