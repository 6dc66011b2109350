"""Celery tasks of campaigns: thin adapters around the import and dialer services."""

from __future__ import annotations

from celery import shared_task

from . import services
from .dialer import services as dialer
from .models import Campaign


@shared_task(ignore_result=True)
def lead_import_run(lead_import_id: int) -> None:
    services.lead_import_run(lead_import_id=lead_import_id)


@shared_task(ignore_result=True)
def lead_imports_sweep() -> int:
    """Beat's sweep: run again the imports a dead worker left, from their last batch."""
    stale = services.lead_imports_sweep()
    for lead_import_id in stale:
        lead_import_run.delay(lead_import_id)
    return len(stale)


@shared_task(ignore_result=True)
def dialer_tick() -> int:
    """Beat's pacer tick: one pacing task per running campaign (they run side by side)."""
    running = list(
        Campaign.objects.filter(status=Campaign.Status.RUNNING).values_list("pk", flat=True)
    )
    for campaign_id in running:
        campaign_pace.delay(campaign_id)
    return len(running)


@shared_task(ignore_result=True)
def campaign_pace(campaign_id: int) -> int:
    """Claim the leads this tick dials, then place each call in its dialling slot."""
    placements = dialer.campaign_pace(campaign_id=campaign_id)
    for attempt_id, delay in placements:
        attempt_place.apply_async(args=(attempt_id,), countdown=delay)
    return len(placements)


@shared_task(ignore_result=True)
def attempt_place(attempt_id: int) -> None:
    dialer.attempt_place(attempt_id=attempt_id)


@shared_task(ignore_result=True)
def attempts_reap() -> int:
    """Settle attempts a crashed worker or lost callbacks left open."""
    return dialer.attempts_reap()
