"""Erlang C and Erlang A: how many agents a queue needs for its service level.

Pure functions on floats. Erlang C comes from the Erlang B recursion (no factorials, no
powers: stable for thousands of agents). Erlang A (M/M/n+M, callers abandon after an
exponential patience) has no closed form worth trusting, so its stationary distribution is
computed in log space on the birth-death chain and the waits by uniformisation, both with
NumPy and SciPy's Poisson weights rather than series written out by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import poisson

# Beyond this many agents above what the occupancy cap needs, no target is worth searching
# for: it is refused.
MAX_EXTRA_AGENTS = 2000


@dataclass(frozen=True)
class Performance:
    """What `agents` agents would give on one interval's load."""

    agents: int
    service_level: float  # answered within the threshold ÷ offered
    asa_seconds: float  # mean wait of every caller (Erlang C: of every caller too)
    occupancy: float  # busy time ÷ staffed time
    wait_probability: float  # share of callers who wait at all
    abandon_probability: float = 0.0  # Erlang A only


class ImpossibleTarget(ValueError):
    """No number of agents reaches the target (100% in 0 s, for instance)."""


def traffic(calls: float, aht_seconds: float, interval_seconds: float) -> float:
    """Offered load in Erlangs: the agents' worth of work the calls bring."""
    return calls * aht_seconds / interval_seconds


def erlang_b(agents: int, load: float) -> float:
    """Blocking probability of a loss system (the recursion, stable for any size)."""
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = load * blocking / (k + load * blocking)
    return blocking


def erlang_c_performance(
    agents: int, load: float, aht_seconds: float, threshold_seconds: float
) -> Performance:
    """Service level, ASA and occupancy of `agents` on `load` Erlangs (no abandons)."""
    if agents <= load:
        return Performance(agents, 0.0, math.inf, 1.0, 1.0)
    return _erlang_c_from_blocking(
        agents, load, erlang_b(agents, load), aht_seconds, threshold_seconds
    )


def _erlang_c_from_blocking(
    agents: int, load: float, blocking: float, aht_seconds: float, threshold_seconds: float
) -> Performance:
    waits = agents * blocking / (agents - load * (1 - blocking))
    spare = agents - load
    return Performance(
        agents=agents,
        service_level=1 - waits * math.exp(-spare * threshold_seconds / aht_seconds),
        asa_seconds=waits * aht_seconds / spare,
        occupancy=load / agents,
        wait_probability=waits,
    )


def _queue_distribution(
    agents: int, arrival_rate: float, service_rate: float, abandon_rate: float
) -> np.ndarray:
    """Stationary probabilities of 0, 1, 2... callers in an M/M/n+M system, truncated
    where the tail is below e⁻⁴⁰ of the mode (log space: no overflow at any size)."""
    k = np.arange(1, agents + 1)
    log_p = np.concatenate(([0.0], np.cumsum(np.log(arrival_rate / (k * service_rate)))))
    # Above n the ratios λ/(nμ + jθ) fall with j: extend until the tail is negligible.
    chunk, start = 1024, 0
    while True:
        j = np.arange(start + 1, start + chunk + 1)
        above = log_p[-1] + np.cumsum(
            np.log(arrival_rate / (agents * service_rate + j * abandon_rate))
        )
        log_p = np.concatenate((log_p, above))
        if above[-1] < log_p.max() - 40:
            break
        start += chunk
    log_p -= log_p.max()
    p = np.exp(log_p)
    return p / p.sum()


def _answered_within(
    agents: int, service_rate: float, abandon_rate: float, depth: int, threshold: float
) -> np.ndarray:
    """P(answered within `threshold` seconds) for a caller who finds 0..depth-1 callers
    waiting ahead of them: each step forward comes at rate nμ + mθ (an agent frees or one
    of the m ahead gives up), the caller's own patience runs out at rate θ. Solved by
    uniformisation: a Poisson number of steps of a discrete chain."""
    ahead = np.arange(depth)
    forward = agents * service_rate + ahead * abandon_rate
    uniform = forward[-1] + abandon_rate
    steps = int(poisson.ppf(1 - 1e-12, uniform * threshold)) + 1
    weights = poisson.pmf(np.arange(steps + 1), uniform * threshold)
    move = forward / uniform
    stay = 1 - (forward + abandon_rate) / uniform
    served = np.zeros(depth)
    total = weights[0] * served
    for step in range(1, steps + 1):
        served = move * np.concatenate(([1.0], served[:-1])) + stay * served
        total = total + weights[step] * served
    return total


def erlang_a_performance(
    agents: int,
    calls: float,
    aht_seconds: float,
    patience_seconds: float,
    threshold_seconds: float,
    interval_seconds: float,
) -> Performance:
    """Service level, mean wait, occupancy and abandons of `agents` when callers hang up
    after `patience_seconds` on average (Erlang A; stable even when overloaded)."""
    arrival_rate = calls / interval_seconds
    service_rate = 1 / aht_seconds
    abandon_rate = 1 / patience_seconds
    if arrival_rate == 0:
        return Performance(agents, 1.0, 0.0, 0.0, 0.0)
    p = _queue_distribution(agents, arrival_rate, service_rate, abandon_rate)
    queued = np.maximum(np.arange(p.size) - agents, 0)
    mean_queue = float(p @ queued)
    waiting = p[agents:]
    within = _answered_within(agents, service_rate, abandon_rate, waiting.size, threshold_seconds)
    busy = float(p @ np.minimum(np.arange(p.size), agents))
    return Performance(
        agents=agents,
        service_level=float(p[:agents].sum() + waiting @ within),
        asa_seconds=mean_queue / arrival_rate,
        occupancy=busy / agents if agents else 1.0,
        wait_probability=float(waiting.sum()),
        abandon_probability=abandon_rate * mean_queue / arrival_rate,
    )


def required_agents(
    *,
    calls: float,
    aht_seconds: float,
    interval_seconds: float,
    target_service_level: float,
    threshold_seconds: float,
    occupancy_cap: float = 1.0,
    patience_seconds: float | None = None,
) -> Performance:
    """The fewest agents that meet the service-level target without occupancy above the
    cap (Erlang A when a patience is known, else Erlang C), and what they give."""
    if calls < 0 or aht_seconds <= 0 or interval_seconds <= 0:
        raise ValueError("Calls must not be negative; handle time and interval must be positive.")
    if not 0 < target_service_level < 1 or not 0 < occupancy_cap <= 1:
        raise ImpossibleTarget("The target must be above 0% and below 100%.")
    if calls == 0:
        return Performance(0, 1.0, 0.0, 0.0, 0.0)
    load = traffic(calls, aht_seconds, interval_seconds)
    limit = math.ceil(load / occupancy_cap) + MAX_EXTRA_AGENTS

    def meets(result: Performance) -> bool:
        return result.service_level >= target_service_level and result.occupancy <= occupancy_cap

    def refuse() -> ImpossibleTarget:
        return ImpossibleTarget(
            f"No staffing up to {limit} agents reaches {target_service_level:.0%} "
            f"in {threshold_seconds:g} s."
        )

    if patience_seconds:
        # Abandons shorten every wait, so Erlang C's answer is an upper bound: walk down
        # from it while the target still holds (a step or two in practice).
        def perform(agents: int) -> Performance:
            return erlang_a_performance(
                agents, calls, aht_seconds, patience_seconds, threshold_seconds, interval_seconds
            )

        high = required_agents(
            calls=calls,
            aht_seconds=aht_seconds,
            interval_seconds=interval_seconds,
            target_service_level=target_service_level,
            threshold_seconds=threshold_seconds,
            occupancy_cap=occupancy_cap,
        ).agents
        best = perform(high)
        while not meets(best):  # not expected, but never answer a miss
            if high >= limit:
                raise refuse()
            high += 1
            best = perform(high)
        while high > 1:
            fewer = perform(high - 1)
            if not meets(fewer):
                break
            high, best = high - 1, fewer
        return best
    # Erlang C: walk up from the first stable count, carrying Erlang B one agent at a time
    # (the search costs one recursion, not one per candidate).
    agents = max(1, math.floor(load) + 1, math.ceil(load / occupancy_cap - 1e-9))
    blocking = erlang_b(agents, load)
    while agents <= limit:
        result = _erlang_c_from_blocking(agents, load, blocking, aht_seconds, threshold_seconds)
        if meets(result):
            return result
        agents += 1
        blocking = load * blocking / (agents + load * blocking)
    raise refuse()


def rostered(required: int, shrinkage: float) -> int:
    """Agents to roster so that `required` are on the phones after shrinkage."""
    if not 0 <= shrinkage < 1:
        raise ValueError("Shrinkage must be at least 0% and below 100%.")
    return math.ceil(required / (1 - shrinkage) - 1e-9)
