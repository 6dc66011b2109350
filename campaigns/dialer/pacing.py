"""How many lines to dial: pure functions of what the pacer measured (tested as tables).

Progressive dials one line per free agent. Predictive expects some lines to be busy, ring
out or reach machines, so it keeps more lines in flight than agents expected free by the
time calls are answered: as many as a binomial model of answers allows within part of the
abandonment target, and at most `dial_level` per agent. A slow controller on the
campaign's rolling 30-day abandonment moves the level (down to 1.0 near the target), and a
fast one halves it on a burst of drops (DOMAIN §7-8).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Near the target, predictive drops to one line per agent (no more drops than progressive).
HARD_BACK_OFF_SHARE = 0.8
# From this share of the target on, the ceiling tapers linearly down to 1.0.
TAPER_FROM_SHARE = 0.5
# How far one tick moves the dial level towards its aim (smooths noisy answer rates).
STEP = 0.5
# A "burst": recent drops at more than this multiple of the target rate.
BURST_MULTIPLE = 2.0
# The share of the abandonment target the pacing model itself may use up.
DROP_BUDGET_SHARE = 0.5


@dataclass(frozen=True)
class Staffing:
    """The campaign's agents as the pacer sees them at one tick."""

    free: int  # available now, eligible for outbound (blending rule passed)
    soon_free: float  # expected to free up within the ring window
    lines_in_flight: int  # dialled, not yet answered or ended
    answered_waiting: int  # answered, waiting for an agent
    staffed: int = 0  # taking calls at all (free, ringing, talking, wrapping up)


def progressive_lines(staffing: Staffing) -> int:
    """One line per free agent, less those already ringing or waiting for them."""
    return max(0, staffing.free - staffing.lines_in_flight - staffing.answered_waiting)


def predictive_lines(
    staffing: Staffing, *, dial_level: float, answer_rate: float, drop_budget: float
) -> int:
    """Lines to add so that the lines in flight suit the agents expected free.

    The lines in flight may reach `dial_level` per agent, as far as a binomial model of
    answers keeps the expected drops within `drop_budget` of the answers. At a level of
    1.0 (the start, or backed off near the target) only agents free now count, which is
    progressive dialing: no more drops than it.
    """
    soon = staffing.soon_free if dial_level > 1.0 else 0.0
    agents = math.floor(staffing.free + soon - staffing.answered_waiting)
    if agents <= 0:
        return 0
    lines = safe_lines(
        agents=agents,
        answer_rate=answer_rate,
        drop_budget=drop_budget,
        max_lines=math.floor(agents * max(1.0, dial_level)),
    )
    return max(0, lines - staffing.lines_in_flight)


def expected_drops(lines: int, answer_rate: float, agents: int) -> float:
    """Expected answers beyond `agents` when `lines` are each answered at `answer_rate`."""
    return sum(
        (answered - agents)
        * math.comb(lines, answered)
        * answer_rate**answered
        * (1 - answer_rate) ** (lines - answered)
        for answered in range(agents + 1, lines + 1)
    )


def safe_lines(*, agents: int, answer_rate: float, drop_budget: float, max_lines: int) -> int:
    """The most lines (one per agent at least) whose expected drops stay within
    `drop_budget` of the expected answers: a lone agent gets one line, a team pools its
    luck and gets more."""
    lines = agents
    for more in range(agents + 1, max_lines + 1):
        if expected_drops(more, answer_rate, agents) > drop_budget * more * answer_rate:
            break
        lines = more
    return lines


def dial_level_ceiling(
    *, abandon_rate: float, target_rate: float, max_lines_per_agent: float
) -> float:
    """The most lines per agent the rolling abandonment rate allows."""
    if abandon_rate >= HARD_BACK_OFF_SHARE * target_rate:
        return 1.0
    taper_from = TAPER_FROM_SHARE * target_rate
    if abandon_rate <= taper_from:
        return max_lines_per_agent
    room = (HARD_BACK_OFF_SHARE * target_rate - abandon_rate) / (
        (HARD_BACK_OFF_SHARE - TAPER_FROM_SHARE) * target_rate
    )
    return 1.0 + (max_lines_per_agent - 1.0) * room


def next_dial_level(
    *,
    current: float,
    abandon_rate: float,
    recent_drop_rate: float,
    target_rate: float,
    max_lines_per_agent: float,
) -> float:
    """The adapted dial level (most lines per agent) for the next tick.

    It climbs step by step towards the ceiling the rolling abandonment allows, drops to
    it at once when the ceiling falls, and halves on a burst of recent drops.
    """
    ceiling = dial_level_ceiling(
        abandon_rate=abandon_rate,
        target_rate=target_rate,
        max_lines_per_agent=max_lines_per_agent,
    )
    if recent_drop_rate > BURST_MULTIPLE * target_rate:
        return max(1.0, min(ceiling, current / 2))
    level = current + STEP * (ceiling - current)
    return round(min(max(1.0, level), ceiling), 3)
