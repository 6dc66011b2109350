"""Workforce planning at a large center's size, pure computation (no database):

- staffing: Erlang C requirement for 20 queues x 96 quarter hours x 4 weeks of a synthetic
  forecast (a weekday and time-of-day shape), with an 85% occupancy cap;
- schedule: a week of shifts for 300 agents (1 or 2 skills of 6 queues, four availability
  patterns, three shift templates with breaks and lunch) against 6 queues' requirement,
  by the integer program (`workforce.scheduling.generate`, OR-Tools CP-SAT, 2 workers)
  and, in the same run, by the simple greedy schedule (`scheduling.greedy`).

Printed: time to each result, `coverage N%` (Σ min(on phones, required) ÷ Σ required)
and paid hours for both schedules. Targets: the program's coverage at least the greedy
one's with fewer paid hours, and staffing plus schedule under 60 s. Exit 1 on any miss.

    .venv/bin/python bench/wfm.py [--time-limit 30]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workforce import erlang, scheduling

SLOTS = 96
SHAPE = np.exp(-(((np.arange(SLOTS) - 46) / 16) ** 2))
SHAPE[:30] = SHAPE[86:] = 0  # open 07:30-21:30
WEEKDAY = np.array([1.25, 1.1, 1.05, 1.0, 0.95, 0.55, 0.3])


def forecast(queues: int, days: int, peak_calls: float, rng: np.random.Generator) -> np.ndarray:
    scale = rng.uniform(0.6, 1.4, size=queues)
    return np.array([[peak_calls * s * WEEKDAY[d % 7] * SHAPE for d in range(days)] for s in scale])


def staffing(calls: np.ndarray, aht: float) -> np.ndarray:
    required = np.zeros(calls.shape, dtype=np.int64)
    for index, value in np.ndenumerate(calls):
        required[index] = erlang.required_agents(
            calls=float(value),
            aht_seconds=aht,
            interval_seconds=900,
            target_service_level=0.8,
            threshold_seconds=20,
            occupancy_cap=0.85,
        ).agents
    return required


def agents(count: int, queues: int, rng: np.random.Generator) -> list[scheduling.Agent]:
    any_time = (None,) * 7
    mornings = tuple(tuple(7 * 4 <= s < 16 * 4 for s in range(SLOTS)) for _ in range(7))
    weekdays = tuple(None if d < 5 else (False,) * SLOTS for d in range(7))
    evenings = tuple(tuple(s >= 11 * 4 for s in range(SLOTS)) for _ in range(7))
    patterns = [any_time, any_time, mornings, weekdays, evenings]
    people = []
    for number in range(count):
        first = int(rng.integers(queues))
        skills = {first, (first + 1) % queues} if rng.random() < 0.4 else {first}
        people.append(
            scheduling.Agent(
                id=number,
                queues=frozenset(skills),
                available=patterns[int(rng.integers(len(patterns)))],
                recent_weekends=int(rng.integers(3)),
            )
        )
    return people


def templates() -> list[scheduling.Template]:
    return [
        scheduling.Template(
            1, tuple(range(28, 37)), 34, ((8, 1, "break"), (16, 2, "lunch"), (26, 1, "break"))
        ),
        scheduling.Template(
            2, tuple(range(44, 55)), 34, ((8, 1, "break"), (16, 2, "lunch"), (26, 1, "break"))
        ),
        scheduling.Template(3, tuple(range(36, 65)), 16, ((8, 1, "break"),)),
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-limit", type=float, default=30.0)
    options = parser.parse_args()
    rng = np.random.default_rng(2026)
    failures = []

    started = time.perf_counter()
    required = staffing(forecast(20, 28, 60, rng), aht=300)
    staffing_seconds = time.perf_counter() - started
    print(
        f"staffing: 20 queues x 96 x 28 days = {required.size} intervals in "
        f"{staffing_seconds:.1f} s ({required.size / staffing_seconds:,.0f} intervals/s), "
        f"peak {required.max()} agents"
    )

    week = staffing(forecast(6, 7, 64, rng), aht=300)
    requirement = {queue: week[queue] for queue in range(6)}
    people = agents(300, 6, rng)
    shifts = templates()
    started = time.perf_counter()
    program = scheduling.generate(
        requirement=requirement,
        agents=people,
        templates=shifts,
        time_limit_seconds=options.time_limit,
    )
    program_seconds = time.perf_counter() - started
    started = time.perf_counter()
    baseline = scheduling.greedy(requirement=requirement, agents=people, templates=shifts)
    greedy_seconds = time.perf_counter() - started
    needed_hours = sum(int(grid.sum()) for grid in requirement.values()) / 4
    print(f"schedule: 300 agents, 6 queues, a week; {needed_hours:,.0f} agent-hours required")
    rows = []
    for name, result, seconds in (
        ("integer program", program, program_seconds),
        ("greedy", baseline, greedy_seconds),
    ):
        share = result.coverage_share(requirement)
        hours = result.paid_quarter_hours(shifts) / 4
        rows.append((share, hours))
        print(
            f"  {name:<16} coverage {share:.1%}  paid {hours:,.0f} h  shifts "
            f"{len(result.assignments)}  {seconds:.1f} s  ({result.status})"
        )
    (program_share, program_hours), (greedy_share, greedy_hours) = rows
    print(
        f"coverage {program_share:.1%} vs greedy {greedy_share:.1%}; paid hours ratio "
        f"{program_hours / greedy_hours:.2f}"
    )
    total = staffing_seconds + program_seconds
    checks = [
        ("coverage at least greedy's", program_share >= greedy_share),
        ("fewer paid hours than greedy", program_hours < greedy_hours),
        (f"staffing + schedule under 60 s ({total:.1f} s)", total < 60),
    ]
    for label, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'} {label}")
        if not ok:
            failures.append(label)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
