"""Celery tasks of reports: thin adapters around the interval services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def call_intervals_refresh(call_id: int) -> None:
    """Recompute the intervals a call touched (idempotent: a repeat writes the same)."""
    services.call_intervals_refresh(call_id=call_id)


@shared_task(ignore_result=True)
def intervals_settle() -> None:
    """Beat's pass: the last half hour, for agents' running time and lost tasks."""
    services.intervals_settle()


@shared_task(ignore_result=True)
def scheduled_reports_send() -> int:
    """Beat's hourly look: email the scheduled reports whose period is over."""
    return services.scheduled_reports_send()
