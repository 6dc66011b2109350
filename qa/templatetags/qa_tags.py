"""Template filters of qa's pages."""

from __future__ import annotations

from collections.abc import Mapping

from django import template

from ..surveys.wording import worded

register = template.Library()


@register.filter
def clock(ms: int | None) -> str:
    """A moment in a recording as m:ss."""
    if ms is None:
        return ""
    minutes, seconds = divmod(int(ms) // 1000, 60)
    return f"{minutes}:{seconds:02d}"


@register.filter(name="worded")
def worded_in(wording: Mapping[str, str], language: str) -> str:
    """A survey question's wording in the survey's language (as the caller heard it)."""
    return worded(wording, language)
