"""How many lines to dial: pure functions of what the pacer measured (tested as tables).

Progressive dials one line per free agent. Predictive expects some lines to be busy, ring
out or reach machines, so it dials `dial_level` lines per agent expected free by the time
calls are answered. The level aims at what a binomial model of answers allows within half
the abandonment target; a slow controller on the campaign's rolling 30-day abandonment
caps it (down to 1.0 near the target), and a fast one halves it on a burst of drops.
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


def predictive_lines(staffing: Staffing, *, dial_level: float, max_lines_per_agent: float) -> int:
    """Lines for the agents expected free, at `dial_level` lines each, less those in flight.

    At a level of 1.0 (the start, or backed off near the target) only agents free now
    count, which is progressive dialing: no more drops than it.
    """
    level = min(max(1.0, dial_level), max_lines_per_agent)
    soon = staffing.soon_free if level > 1.0 else 0.0
    expected = staffing.free + soon - staffing.answered_waiting
    if expected <= 0:
        return 0
    return max(0, math.floor(expected * level + 0.5) - staffing.lines_in_flight)


def expected_drops(lines: int, answer_rate: float, agents: int) -> float:
    """Expected live answers beyond `agents` when `lines` are each answered at `answer_rate`."""
    return sum(
        (answered - agents)
        * math.comb(lines, answered)
        * answer_rate**answered
        * (1 - answer_rate) ** (lines - answered)
        for answered in range(agents + 1, lines + 1)
    )


def safe_level(*, agents: float, answer_rate: float, drop_budget: float, max_level: float):
    """The most lines per agent whose expected drops stay within `drop_budget` of answers.

    Answers are binomial: few agents need a wide margin, many agents pool their luck.
    """
    count = max(1, round(agents))
    level = 1.0
    for lines in range(count + 1, math.floor(count * max_level) + 1):
        answers = lines * answer_rate
        if expected_drops(lines, answer_rate, count) > drop_budget * answers:
            break
        level = lines / count
    return level


def dial_level_ceiling(*, abandon_rate: float, target_rate: float, max_lines_per_agent: float):
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
    agents: float,
    answer_rate: float,
    abandon_rate: float,
    recent_drop_rate: float,
    target_rate: float,
    max_lines_per_agent: float,
) -> float:
    """The adapted dial level for the next tick.

    The aim is the level whose expected drops use half the target (the other half is
    the margin for estimates), under the ceiling the rolling abandonment allows. A burst
    of recent drops halves the level at once.
    """
    ceiling = dial_level_ceiling(
        abandon_rate=abandon_rate,
        target_rate=target_rate,
        max_lines_per_agent=max_lines_per_agent,
    )
    if recent_drop_rate > BURST_MULTIPLE * target_rate:
        return max(1.0, min(ceiling, current / 2))
    aim = safe_level(
        agents=agents,
        answer_rate=answer_rate,
        drop_budget=DROP_BUDGET_SHARE * target_rate,
        max_level=ceiling,
    )
    level = current + STEP * (aim - current)
    return round(min(max(1.0, level), ceiling), 3)
