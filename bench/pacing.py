"""Outbound pacing over a simulated shift: does our predictive pacer earn its keep?

An event-driven simulation of one campaign's 8-hour shift (heapq of events, virtual
seconds). Every tick (3 s, as beat ticks the pacer) the dialer decides how many lines to
add; calls go out at most 5 per second. Each lead, drawn once per seed and shared by
every mode (common random numbers), is a person with probability p (ringing U(4, 16) s
before answering), a machine 10% (answering as a person would, holding an agent 4 s), busy
10% (ends after 4 s), else no answer (ends after 25 s). A person talks an exponential time
of mean 180 s, then the agent wraps up 15 s. A live answer with no agent within 2 s is
abandoned (safe-harbor message); a machine with none is hung up on.

Dialling modes, on the same leads and agents:
- progressive: `pacing.progressive_lines`, one line per free agent;
- fixed ratio r: r lines per free agent (less the answered calls waiting), less the lines
  in flight that may still answer, the same count the predictive pacer keeps; swept over
  1..8 in 0.25 steps, then ±0.05 around the best: the `hindsight best` is the ratio with
  the most talk time whose abandonment over the seeds is at or under the target;
- predictive: `pacing.predictive_tick`, the production code, fed a `Reading` and a
  `Staffing` built as `dialer.selectors` builds them (same windows).

Printed per scenario: talk minutes per agent-hour and abandonment (abandoned ÷ live
answers) of each mode over all seeds, the ratios, and PASS/FAIL per target: predictive
at least the hindsight best, at least 1.10x progressive, abandonment at or under 3%.
Exit code 1 on a miss.

    .venv/bin/python bench/pacing.py [--seeds 3] [--first-seed 1000] [--hours 8]
        [--scenario 20/25 ...]
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import sys
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from campaigns.dialer import pacing

TARGET_RATE = 0.03
MAX_LINES_PER_AGENT = 3.0  # the campaign's default
TICK_SECONDS = 3.0
CALLS_PER_SECOND = 5
MACHINE_SHARE, BUSY_SHARE = 0.10, 0.10
RING_RANGE = (4.0, 16.0)
BUSY_SECONDS, NO_ANSWER_SECONDS, MACHINE_HOLD_SECONDS = 4.0, 25.0, 4.0
MEAN_TALK_SECONDS, WRAP_UP_SECONDS = 180.0, 15.0
ABANDON_SECONDS = 2.0
RECENT_SECONDS = pacing.RECENT_MINUTES * 60
BOLDNESS_START = 1.0  # Campaign.pacing_boldness's default
TARGET_OVER_PROGRESSIVE = 1.10
SCENARIOS = {"20/25": (20, 0.25), "20/10": (20, 0.10), "20/50": (20, 0.50), "5/25": (5, 0.25)}
COARSE_RATIOS = [1 + 0.25 * step for step in range(29)]  # 1.00 .. 8.00

LIVE, MACHINE, BUSY, NO_ANSWER = range(4)
# Event kinds, in the order they run at the same instant.
AGENT_FREE, LINE_ANSWERED, LINE_ENDED, ANSWER_TIMEOUT, TICK = range(5)


class Leads:
    """The seed's called parties, drawn on demand and the same for every mode."""

    def __init__(self, seed: int, live_rate: float) -> None:
        self.rng = random.Random(seed)
        self.live_rate = live_rate
        self.drawn: list[tuple[int, float, float]] = []

    def __getitem__(self, index: int) -> tuple[int, float, float]:
        while len(self.drawn) <= index:
            u, ring = self.rng.random(), self.rng.uniform(*RING_RANGE)
            talk = self.rng.expovariate(1 / MEAN_TALK_SECONDS)
            p = self.live_rate
            kind = (
                LIVE
                if u < p
                else MACHINE
                if u < p + MACHINE_SHARE
                else BUSY
                if u < p + MACHINE_SHARE + BUSY_SHARE
                else NO_ANSWER
            )
            self.drawn.append((kind, ring, talk))
        return self.drawn[index]


class Line:
    __slots__ = ("abandoned", "answered", "counted", "kind", "placed", "settled", "talk")

    def __init__(self, kind: int, placed: float, talk: float) -> None:
        self.kind, self.placed, self.talk = kind, placed, talk
        self.answered = self.settled = self.abandoned = False
        self.counted = True  # still inside the answer-rate window (placed recently)


@dataclass
class Outcome:
    talk_seconds: float = 0.0
    live: int = 0
    abandoned: int = 0
    placed: int = 0
    agent_seconds: float = 0.0

    def add(self, other: Outcome) -> Outcome:
        return Outcome(
            self.talk_seconds + other.talk_seconds,
            self.live + other.live,
            self.abandoned + other.abandoned,
            self.placed + other.placed,
            self.agent_seconds + other.agent_seconds,
        )

    @property
    def talk_per_agent_hour(self) -> float:
        return self.talk_seconds / 60 / (self.agent_seconds / 3600)

    @property
    def abandonment(self) -> float:
        return self.abandoned / self.live if self.live else 0.0


Dialer = Callable[[pacing.Staffing, pacing.Reading], int]


def fixed_ratio(ratio: float) -> Callable[[], Dialer]:
    def make() -> Dialer:
        def lines(staffing: pacing.Staffing, reading: pacing.Reading) -> int:
            agents = staffing.free - staffing.answered_waiting
            wanted = math.floor(ratio * agents + 0.5) if agents > 0 else 0
            return max(0, wanted - (staffing.lines_in_flight - staffing.ringing_out))

        return lines

    return make


def progressive() -> Dialer:
    return lambda staffing, reading: pacing.progressive_lines(staffing)


def predictive() -> Dialer:
    boldness = BOLDNESS_START

    def lines(staffing: pacing.Staffing, reading: pacing.Reading) -> int:
        nonlocal boldness
        wanted, boldness = pacing.predictive_tick(
            staffing,
            reading,
            boldness=boldness,
            target_rate=TARGET_RATE,
            max_lines_per_agent=MAX_LINES_PER_AGENT,
        )
        return wanted

    return lines


def shift(make_dialer: Callable[[], Dialer], *, agents: int, leads: Leads, hours: float) -> Outcome:
    """One campaign's shift under one dialling mode."""
    dialer = make_dialer()
    end = hours * 3600
    events: list[tuple[float, int, int, object]] = []
    sequence = 0

    def at(when: float, kind: int, subject: object = None) -> None:
        nonlocal sequence
        sequence += 1
        heapq.heappush(events, (when, kind, sequence, subject))

    free = agents
    in_flight: dict[int, Line] = {}  # unanswered, unended, in placing order
    waiting: deque[Line] = deque()  # answered, no agent yet, in answering order
    waiting_for_agent: set[Line] = set()
    window: deque[Line] = deque()  # placed in the last RECENT_SECONDS
    window_settled = window_answered = 0
    recent_live: deque[tuple[float, Line]] = deque()  # live answers of the last RECENT_SECONDS
    recent_abandoned = 0
    horizon: deque[float] = deque(maxlen=pacing.HORIZON_ANSWERS)  # latest answers' rings
    outcome = Outcome(agent_seconds=agents * end)
    next_lead = 0

    def settled(line: Line) -> None:
        nonlocal window_settled, window_answered
        line.settled = True
        if line.counted:
            window_settled += 1
            window_answered += line.answered

    def connect(line: Line, now: float) -> None:
        nonlocal free
        free -= 1
        waiting_for_agent.discard(line)
        if line.kind == MACHINE:
            at(now + MACHINE_HOLD_SECONDS, AGENT_FREE)
            return
        outcome.talk_seconds += max(0.0, min(now + line.talk, end) - now)
        at(now + line.talk + WRAP_UP_SECONDS, AGENT_FREE)

    at(0.0, TICK)
    while events:
        now, kind, _, subject = heapq.heappop(events)
        if kind == TICK:
            if now >= end:
                continue
            at(now + TICK_SECONDS, TICK)
            while window and window[0].placed < now - RECENT_SECONDS:
                gone = window.popleft()
                gone.counted = False
                if gone.settled:
                    window_settled -= 1
                    window_answered -= gone.answered
            while recent_live and recent_live[0][0] < now - RECENT_SECONDS:
                recent_abandoned -= recent_live.popleft()[1].abandoned
            ringing_out = 0
            if horizon:
                cutoff = now - max(horizon)
                for line in in_flight.values():
                    if line.placed > cutoff:
                        break
                    ringing_out += 1
            answer_rate = max(window_answered / window_settled, 0.05) if window_settled else 1.0
            reading = pacing.Reading(
                abandon_rate=outcome.abandonment,
                recent_drop_rate=recent_abandoned / len(recent_live) if recent_live else 0.0,
                answer_rate=answer_rate,
                live_answers=outcome.live,
            )
            staffing = pacing.Staffing(
                free=free,
                lines_in_flight=len(in_flight),
                answered_waiting=len(waiting),
                ringing_out=ringing_out,
                staffed=agents,
            )
            wanted = min(dialer(staffing, reading), int(TICK_SECONDS * CALLS_PER_SECOND))
            for slot in range(wanted):
                placed = now + slot / CALLS_PER_SECOND
                lead_kind, ring, talk = leads[next_lead]
                line = Line(lead_kind, placed, talk)
                in_flight[next_lead] = line
                window.append(line)
                if lead_kind in (LIVE, MACHINE):
                    at(placed + ring, LINE_ANSWERED, next_lead)
                else:
                    seconds = BUSY_SECONDS if lead_kind == BUSY else NO_ANSWER_SECONDS
                    at(placed + seconds, LINE_ENDED, next_lead)
                next_lead += 1
            outcome.placed += wanted
        elif kind == LINE_ANSWERED:
            line = in_flight.pop(subject)  # type: ignore[call-overload]
            line.answered = True
            settled(line)
            horizon.append(now - line.placed)
            if line.kind == LIVE:
                outcome.live += 1
                recent_live.append((now, line))
            if free > 0 and not waiting:
                connect(line, now)
            else:
                waiting.append(line)
                waiting_for_agent.add(line)
                at(now + ABANDON_SECONDS, ANSWER_TIMEOUT, line)
        elif kind == LINE_ENDED:
            settled(in_flight.pop(subject))  # type: ignore[call-overload]
        elif kind == ANSWER_TIMEOUT:
            line = subject  # type: ignore[assignment]
            if line in waiting_for_agent:
                waiting_for_agent.discard(line)
                waiting.remove(line)
                if line.kind == LIVE:
                    line.abandoned = True
                    outcome.abandoned += 1
                    recent_abandoned += 1
        elif kind == AGENT_FREE:
            free += 1
            if waiting:
                connect(waiting.popleft(), now)
    return outcome


def run_mode(args: tuple[str, float | None, int, float, list[int], float]) -> Outcome:
    """One mode (a fixed ratio when `ratio` is set) over the seeds, pooled."""
    mode, ratio, agents, live_rate, seeds, hours = args
    make = (
        fixed_ratio(ratio)
        if ratio is not None
        else {"progressive": progressive, "predictive": predictive}[mode]
    )
    total = Outcome()
    for seed in seeds:
        total = total.add(shift(make, agents=agents, leads=Leads(seed, live_rate), hours=hours))
    return total


@dataclass
class Scenario:
    name: str
    progressive: Outcome
    predictive: Outcome
    best_ratio: float | None
    best: Outcome | None


def scenario(pool: ProcessPoolExecutor, name: str, seeds: list[int], hours: float) -> Scenario:
    agents, live_rate = SCENARIOS[name]

    def job(mode: str, ratio: float | None = None) -> tuple:
        return (mode, ratio, agents, live_rate, seeds, hours)

    def sweep(ratios: list[float]) -> dict[float, Outcome]:
        return dict(zip(ratios, pool.map(run_mode, [job("ratio", r) for r in ratios]), strict=True))

    modes = list(pool.map(run_mode, [job("progressive"), job("predictive")]))
    tried = sweep(COARSE_RATIOS)
    feasible = {r: o for r, o in tried.items() if o.abandonment <= TARGET_RATE}
    if feasible:
        coarse = max(feasible, key=lambda r: feasible[r].talk_seconds)
        fine = [round(coarse + 0.05 * k, 2) for k in (-4, -3, -2, -1, 1, 2, 3, 4)]
        tried.update(sweep([r for r in fine if r >= 1.0]))
        feasible = {r: o for r, o in tried.items() if o.abandonment <= TARGET_RATE}
    best_ratio = max(feasible, key=lambda r: feasible[r].talk_seconds) if feasible else None
    return Scenario(
        name=name,
        progressive=modes[0],
        predictive=modes[1],
        best_ratio=best_ratio,
        best=feasible[best_ratio] if best_ratio is not None else None,
    )


def report(result: Scenario) -> bool:
    agents, live_rate = SCENARIOS[result.name]
    print(f"\n{agents} agents, {live_rate:.0%} live answers")

    def row(label: str, o: Outcome) -> None:
        print(
            f"  {label:<28} talk {o.talk_per_agent_hour:5.1f} min/agent-hour  "
            f"abandoned {o.abandonment:5.2%}  ({o.abandoned}/{o.live} live, {o.placed} dials)"
        )

    prog, pred, best = result.progressive, result.predictive, result.best
    row("progressive", prog)
    if best is not None:
        row(f"hindsight best (ratio {result.best_ratio:.2f})", best)
        print(f"  hindsight best / progressive  ratio {best.talk_seconds / prog.talk_seconds:.3f}")
    else:
        print("  hindsight best: no fixed ratio keeps abandonment at or under the target")
    row("predictive", pred)
    over_prog = pred.talk_seconds / prog.talk_seconds
    print(f"  predictive / progressive      ratio {over_prog:.3f}")
    if best is not None and best.talk_seconds < TARGET_OVER_PROGRESSIVE * prog.talk_seconds:
        # Measured, not assumed: no fixed ratio reaches the target, so a pacer that does
        # would have to beat the best fixed ratio by the difference.
        print(
            f"  note: hindsight best itself is {best.talk_seconds / prog.talk_seconds:.3f}x"
            f" progressive, under {TARGET_OVER_PROGRESSIVE:.2f}x"
        )
    checks = [
        (
            f"predictive >= {TARGET_OVER_PROGRESSIVE:.2f}x progressive",
            over_prog >= TARGET_OVER_PROGRESSIVE,
        ),
        (f"predictive abandonment <= {TARGET_RATE:.0%}", pred.abandonment <= TARGET_RATE),
    ]
    if best is not None:
        over_best = pred.talk_seconds / best.talk_seconds
        print(f"  predictive / hindsight best   ratio {over_best:.3f}")
        checks.insert(0, ("predictive >= hindsight best", over_best >= 1.0))
    for label, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'} {result.name}: {label}")
    return all(ok for _, ok in checks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--first-seed", type=int, default=1000, help="other seeds check it is not tuned to one"
    )
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scenario", action="append", choices=list(SCENARIOS))
    options = parser.parse_args(argv)
    seeds = [options.first_seed + k for k in range(options.seeds)]
    started = time.perf_counter()
    passed = True
    with ProcessPoolExecutor(max_workers=options.workers) as pool:
        for name in options.scenario or list(SCENARIOS):
            passed &= report(scenario(pool, name, seeds, options.hours))
    print(
        f"\n{time.perf_counter() - started:.0f} s for seeds {seeds[0]}..{seeds[-1]}"
        f" x {options.hours:g} h"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
