"""Waking the router: every change that may let a waiting caller pair calls
`schedule_routing`, which routes after commit and tells passes under way to look afresh.

A routing pass remembers which queues had no free agent; the stamp in the shared cache
(Redis in production) is how a change made elsewhere reaches a pass already running.
"""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

ROUTING_STAMP_KEY = "telephony:acd-routing-stamp"


def routing_changed() -> None:
    """Something just committed may let a waiting caller pair: passes forget what they know."""
    try:
        cache.set(ROUTING_STAMP_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        logger.warning("Could not renew the routing stamp; passes under way keep what they know.")


def routing_stamp() -> str:
    """The current stamp; a pass that sees it change forgets what it learned."""
    try:
        return cache.get(ROUTING_STAMP_KEY, "")
    except Exception:
        return uuid.uuid4().hex  # the shared cache is down: never trust what a pass learned


def schedule_routing() -> None:
    """Route after this transaction commits (callers and agents it changed are visible),
    and tell routing passes under way to look afresh."""
    # The task runs routing, which imports this module: the task is found when needed.
    from .tasks import acd_route

    def route_soon() -> None:
        routing_changed()
        acd_route.delay()

    transaction.on_commit(route_soon)
