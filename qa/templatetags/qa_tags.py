"""Template filters of qa's pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def clock(ms: int | None) -> str:
    """A moment in a recording as m:ss."""
    if ms is None:
        return ""
    minutes, seconds = divmod(int(ms) // 1000, 60)
    return f"{minutes}:{seconds:02d}"
