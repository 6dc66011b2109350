"""Celery tasks of the ACD: thin adapters around routing and the wrap-up sweep."""

from __future__ import annotations

from celery import shared_task

from . import offers, routing, wrap_up


@shared_task(ignore_result=True)
def acd_route(limit: int = routing.PASS_LIMIT) -> int:
    """Pair waiting callers with free agents (a pass of up to `limit`) and ring those
    agents; a pass that reached its limit may have left pairs: another follows."""
    pairings = routing.route(limit=limit)
    for pairing in pairings:
        offers.ring_agent(entry_id=pairing.entry_id)
    if len(pairings) == limit:
        acd_route.delay(limit=limit)
    return len(pairings)


@shared_task(ignore_result=True)
def wrap_up_sweep() -> int:
    """End the wrap-ups whose time is over."""
    return wrap_up.wrap_ups_done()
