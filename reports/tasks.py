"""Celery tasks of reports: thin adapters around the interval services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def stale_intervals_refresh() -> None:
    """Refresh the intervals of the calls noted since, in batches (idempotent: a repeat
    writes the same); a burst of ended calls shares a few refreshes."""
    while services.stale_intervals_refresh():
        pass


@shared_task(ignore_result=True)
def intervals_settle() -> None:
    """Beat's pass: the last half hour, for agents' running time and lost tasks."""
    services.intervals_settle()


@shared_task(ignore_result=True)
def scheduled_reports_send() -> int:
    """Beat's hourly look: email the scheduled reports whose period is over."""
    return services.scheduled_reports_send()
