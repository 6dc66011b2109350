"""IVR reads: whether a line's business hours are open."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from ..models import BusinessHours


def business_hours_open(*, hours: BusinessHours, at: datetime) -> bool:
    """Whether `hours` are open at the aware time `at`, in the hours' own time zone."""
    local = at.astimezone(zoneinfo.ZoneInfo(hours.time_zone))
    if hours.holidays.filter(date=local.date()).exists():
        return False
    return hours.periods.filter(
        weekday=local.weekday(), opens__lte=local.time(), closes__gt=local.time()
    ).exists()
