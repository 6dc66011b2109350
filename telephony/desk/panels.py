"""Panels apps above telephony add to the agent's desk, as they register them: the desk
loads each one's URL (a page of that app, which telephony must not import)."""

from __future__ import annotations

from collections.abc import Callable

_PANELS: list[Callable[[], str]] = []


def register_desk_panel(url: Callable[[], str]) -> None:
    """The desk loads the panel at `url()` (called per request: URLs resolve late)."""
    if url not in _PANELS:
        _PANELS.append(url)


def desk_panels() -> list[str]:
    return [url() for url in _PANELS]
