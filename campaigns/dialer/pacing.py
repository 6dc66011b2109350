"""How many lines to dial: pure functions of what the pacer measured (tested as tables).

Progressive dials one line per free agent. Predictive dials as many lines as a binomial
model of answers allows: the most lines for which the chance that more of them answer
than agents are free stays within a drop budget. Lines ringing longer than answers take
(ringing out) no longer count against the free agents. The budget is the campaign's
boldness times its abandonment target; a feedback loop on the measured abandonment
moves the boldness so that the rolling rate settles just under the target (DOMAIN §7-8).

Only agents free now count: betting on agents about to finish a call or a wrap-up bought
drops in `bench/pacing.py` and no talk time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# The rolling abandonment the boldness aims at, as a share of the target: the margin
# absorbs the drops of the ticks it takes the feedback to react.
AIM_SHARE = 0.93
# Over this share of the target, dial progressive (no drop) until the rate falls back.
HARD_BACK_OFF_SHARE = 0.98
# A burst: recent drops at more than this multiple of the target rate.
BURST_MULTIPLE = 2.0
MIN_BOLDNESS = 0.5
MAX_BOLDNESS = 10.0
# Per tick: slow up, faster down (the rate spends about a fifth of ticks over the aim).
STEP_UP = 0.005
STEP_DOWN = 0.02
# The window of "recent" drops for the burst check, and of the answer rate.
RECENT_MINUTES = 10
# How many of the latest answers give the answer horizon (the longest ring they took).
HORIZON_ANSWERS = 50


@dataclass(frozen=True)
class Staffing:
    """The campaign's agents and lines as the pacer sees them at one tick."""

    free: int  # available now, eligible for outbound (blending rule passed)
    lines_in_flight: int  # claimed or dialled, not yet answered or ended
    answered_waiting: int  # answered, waiting for an agent
    ringing_out: int = 0  # of the lines in flight, ringing longer than answers take
    staffed: int = 0  # taking calls at all (free, ringing, talking, wrapping up)


@dataclass(frozen=True)
class Reading:
    """How the campaign's calls have gone, for the boldness feedback."""

    abandon_rate: float  # rolling (30 days): abandoned ÷ live answers
    recent_drop_rate: float  # the same over the last RECENT_MINUTES
    answer_rate: float  # answered (people and machines) ÷ ended dials, recent
    live_answers: int  # the rolling rate's denominator


def progressive_lines(staffing: Staffing) -> int:
    """One line per free agent, less those already ringing or waiting for them."""
    return max(0, staffing.free - staffing.lines_in_flight - staffing.answered_waiting)


def safe_lines(*, agents: int, answer_rate: float, drop_budget: float, max_lines: int) -> int:
    """The most lines (up to `max_lines`) for which P(more than `agents` answer), each
    line answered at `answer_rate`, stays within `drop_budget`.

    Walks n upwards keeping P(X_n <= agents) and P(X_n = agents) of X_n ~ Bin(n, p):
    P(X_n+1 <= k) = P(X_n <= k) - p P(X_n = k), and P(X_n+1 = k) = P(X_n = k) q (n+1)/(n+1-k).
    """
    p = min(max(answer_rate, 0.0), 1.0)
    if agents < 0 or max_lines <= agents or p >= 1.0:
        return max(0, min(agents, max_lines))
    at_most, exactly, n = 1.0, p**agents, agents
    while n < max_lines:
        at_most_next = at_most - p * exactly
        if 1.0 - at_most_next > drop_budget:
            break
        n += 1
        at_most, exactly = at_most_next, exactly * (1 - p) * n / (n - agents)
    return n


def predictive_lines(
    staffing: Staffing, *, answer_rate: float, drop_budget: float, max_lines_per_agent: float
) -> int:
    """Lines to add: the safe lines for the free agents (less the answered calls waiting
    for them), less the lines in flight that may still answer, capped at
    `max_lines_per_agent` per staffed agent."""
    agents = staffing.free - staffing.answered_waiting
    if agents < 0:
        return 0
    cap = math.floor(max_lines_per_agent * max(staffing.staffed, staffing.free))
    lines = safe_lines(
        agents=agents, answer_rate=answer_rate, drop_budget=drop_budget, max_lines=cap
    )
    return max(0, lines - (staffing.lines_in_flight - staffing.ringing_out))


def measuring(reading: Reading, *, target_rate: float) -> bool:
    """Enough live answers for the rolling rate to tell the aim from zero: fewer than
    one drop's worth at the aim, and predictive would fly blind."""
    return reading.live_answers * AIM_SHARE * target_rate >= 1


def next_boldness(current: float, reading: Reading, *, target_rate: float) -> float:
    """The boldness for the next tick: up a little while the rolling abandonment is under
    the aim, down faster over it, halved on a burst, the minimum past the hard limit."""
    aim = AIM_SHARE * target_rate
    if reading.abandon_rate > HARD_BACK_OFF_SHARE * target_rate:
        return MIN_BOLDNESS
    if reading.recent_drop_rate > BURST_MULTIPLE * target_rate and reading.abandon_rate > aim:
        boldness = current / 2
    elif reading.abandon_rate > aim:
        boldness = current - STEP_DOWN
    else:
        boldness = current + STEP_UP
    return round(min(max(boldness, MIN_BOLDNESS), MAX_BOLDNESS), 4)


def predictive_tick(
    staffing: Staffing,
    reading: Reading,
    *,
    boldness: float,
    target_rate: float,
    max_lines_per_agent: float,
) -> tuple[int, float]:
    """One predictive tick: the lines to add and the campaign's new boldness.

    Progressive until enough answers measure the abandonment, and while the rolling rate
    is over the hard limit.
    """
    if not measuring(reading, target_rate=target_rate):
        return progressive_lines(staffing), boldness
    boldness = next_boldness(boldness, reading, target_rate=target_rate)
    if reading.abandon_rate > HARD_BACK_OFF_SHARE * target_rate:
        return progressive_lines(staffing), boldness
    lines = predictive_lines(
        staffing,
        answer_rate=reading.answer_rate,
        drop_budget=boldness * target_rate,
        max_lines_per_agent=max_lines_per_agent,
    )
    return lines, boldness
