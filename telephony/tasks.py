"""Celery tasks of telephony: thin adapters around the ACD's services."""

from __future__ import annotations

from celery import shared_task

from . import acd, offers


@shared_task(ignore_result=True)
def acd_route() -> int:
    """Pair waiting callers with free agents and ring those agents."""
    pairings = acd.route()
    for pairing in pairings:
        offers.ring_agent(entry_id=pairing.entry_id)
    return len(pairings)


@shared_task(ignore_result=True)
def wrap_up_sweep() -> int:
    """End the wrap-ups whose time is over."""
    return offers.wrap_ups_done()
