"""The account's calls-per-second limit, shared by every pacer in every process.

Time is cut into slots of 1/CPS seconds; a pacer owns a slot once `cache.add` (Redis
SET NX, atomic across processes) succeeds on its key, and places that call when the slot
starts (a task countdown, so no worker sleeps). Slots are only looked for within a short
horizon: a pacer that finds none dials nothing this tick. Without Redis the cache is each
process's own memory, so the embedded setup's two worker processes may together reach
twice the rate; Twilio (and the simulator) queue the excess rather than fail it.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

# How far ahead a pacer may book calls: about one pacer tick.
HORIZON_SECONDS = 5.0


def dial_slots(count: int) -> list[float]:
    """Book up to `count` dialling slots; returns each one's delay in seconds from now."""
    if count <= 0:
        return []
    cps = float(settings.TWILIO_CALLS_PER_SECOND)
    now = time.time()
    slot, last = int(now * cps), int((now + HORIZON_SECONDS) * cps)
    delays: list[float] = []
    while len(delays) < count and slot <= last:
        if cache.add(f"dialer:cps:{slot}", 1, timeout=int(HORIZON_SECONDS) + 5):
            delays.append(max(0.0, slot / cps - now))
        slot += 1
    return delays
