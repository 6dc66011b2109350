"""Report periods in the call center's time zone, made of 15-minute UTC intervals.

A sub-day period is keyed by its local wall-clock start *and* its UTC offset, so the
hour repeated when clocks go back is two periods (a 25-hour day) and the skipped hour
none (23 hours). Days, weeks (Monday first) and months are local calendar ones.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

INTERVALS = {
    "15m": "15 minutes",
    "30m": "30 minutes",
    "hour": "Hour",
    "day": "Day",
    "week": "Week",
    "month": "Month",
}
# The longest range each interval may cover (one request, one page of rows).
MAX_SPAN_DAYS = {"15m": 31, "30m": 62, "hour": 93, "day": 400, "week": 3 * 366, "month": 5 * 366}


def center_zone() -> ZoneInfo:
    """The call center's time zone (settings.TIME_ZONE)."""
    zone = timezone.get_default_timezone()
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo(str(zone))


def period_of(interval_start: datetime, interval: str, zone: ZoneInfo) -> tuple[str, datetime]:
    """The label of the period holding a 15-minute interval, and its sort key."""
    local = interval_start.astimezone(zone)
    if interval in ("15m", "30m", "hour"):
        size = {"15m": 15, "30m": 30, "hour": 60}[interval]
        minutes = local.hour * 60 + local.minute
        floor = minutes - minutes % size
        start = local.replace(hour=floor // 60, minute=floor % 60, second=0, microsecond=0)
        # Keyed in UTC: within one zone Python compares wall clocks, ignoring the fold.
        return start.isoformat(timespec="minutes"), start.astimezone(UTC)
    day = local.date()
    if interval == "week":
        day -= timedelta(days=day.weekday())
    elif interval == "month":
        day = day.replace(day=1)
    return day.isoformat(), _local_midnight(day, zone).astimezone(UTC)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def local_moment(value: date | datetime, zone: ZoneInfo, *, end: bool) -> datetime:
    """A date (its local midnight; for an end, the next one) or a local date-time as an
    aware datetime in UTC (within one zone Python does wall-clock arithmetic). Raises
    ValueError for a wall-clock time the zone skips."""
    if not isinstance(value, datetime):
        return _local_midnight(value + timedelta(days=1) if end else value, zone).astimezone(UTC)
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    aware = value.replace(tzinfo=zone)
    round_trip = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != value:
        raise ValueError(f"{value:%Y-%m-%d %H:%M} does not exist in {zone.key}: clocks skip it.")
    return aware.astimezone(UTC)


def period_end(start: datetime, interval: str, zone: ZoneInfo) -> datetime:
    """Where the period starting at `start` (UTC) ends (UTC)."""
    if interval in ("15m", "30m", "hour"):
        return start + timedelta(minutes={"15m": 15, "30m": 30, "hour": 60}[interval])
    day = start.astimezone(zone).date()
    if interval == "day":
        following = day + timedelta(days=1)
    elif interval == "week":
        following = day + timedelta(days=7)
    else:
        following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return _local_midnight(following, zone).astimezone(UTC)
