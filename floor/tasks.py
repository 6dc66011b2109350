"""Celery tasks of the floor: thin adapters around the alert services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def alerts_evaluate() -> int:
    """Beat's look at the floor: raise and clear alerts; returns how many changed."""
    evaluation = services.alerts_evaluate()
    return evaluation.raised + evaluation.cleared


@shared_task(ignore_result=True)
def alert_notify(alert_id: int) -> None:
    """Email and text a raised alert's recipients (once, however often delivered)."""
    services.alert_notify(alert_id=alert_id)
