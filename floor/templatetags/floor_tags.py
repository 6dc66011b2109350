"""How the wallboard writes durations: m:ss, or h:mm:ss past an hour."""

from __future__ import annotations

from datetime import datetime

from django import template

register = template.Library()


@register.filter
def clock(seconds: float | None) -> str:
    """Seconds as a clock face; a dash for none."""
    if seconds is None:
        return "—"
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.simple_tag
def since(start: datetime | None, now: datetime) -> str:
    """The time from `start` to `now` as a clock face (the browser ticks it on)."""
    return clock((now - start).total_seconds() if start else None)
