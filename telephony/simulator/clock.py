"""Clocks for the simulator: virtual time for tests, wall time for the live service.

The engine asks a clock for "now" and, in virtual mode, moves it forward to the next
event, so a ten-minute queue wait takes microseconds and every run is repeatable.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """What the engine needs from a clock."""

    @property
    def virtual(self) -> bool: ...

    def now(self) -> datetime: ...

    def advance_to(self, when: datetime) -> None: ...


class VirtualClock:
    """Time that only moves when the engine processes events (tests, benchmarks)."""

    virtual = True

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime.now(UTC).replace(microsecond=0)
        if start.tzinfo is None:
            raise ValueError("VirtualClock needs an aware datetime (UTC).")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance_to(self, when: datetime) -> None:
        # Never backwards: events scheduled "in the past" simply run now.
        if when > self._now:
            self._now = when


class RealClock:
    """Wall time (the live service): the engine sleeps until the next event instead."""

    virtual = False

    def now(self) -> datetime:
        return datetime.now(UTC)

    def advance_to(self, when: datetime) -> None:
        """Wall time moves by itself; nothing to do."""
