"""The schedule generator: shifts for a week that cover the requirement per queue and
quarter hour, as an integer program solved by OR-Tools' CP-SAT; and the simple greedy
schedule it is measured against. Pure: plain data in, plain data out.

Agents with the same skills and availability are interchangeable, so the program counts
shifts per group of such agents (a few dozen groups, not hundreds of agents), and the
counts are then dealt to the group's agents: each works one shift a day at most and
`max_days` a week, weekends going first to whoever worked the fewest lately.

A shift may run past midnight (22:00-06:00): it belongs to the day it starts, and its
quarter hours after midnight cover the next day's requirement. One agent's shifts never
overlap, so a night shift and the next day's shift are counted against each other (in
the program, and again when the counts are dealt). The week's last night spills past the
week: those hours are paid but cover nothing here; the next week is planned knowing them
(`Agent.free_from`, and the requirement they already cover).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

SLOTS = 96
SATURDAY, SUNDAY = 5, 6
# A quarter hour left uncovered costs more than any shift's paid quarter hours: coverage
# first, then the fewest hours that give it.
SHORTFALL_WEIGHT = 100


@dataclass(frozen=True)
class Template:
    """Shift kind: start slots allowed, length, and quarter hours off the phones."""

    id: int
    starts: tuple[int, ...]
    length: int  # quarter hours
    off: tuple[tuple[int, int, str], ...] = ()  # (offset, quarter hours, "break"/"lunch")

    def working(self, start: int) -> np.ndarray:
        """1 where an agent on this shift starting at `start` is on the phones, over its
        day and the next (a night shift's hours after midnight are the second half)."""
        mask = np.zeros(2 * SLOTS, dtype=np.int64)
        mask[start : start + self.length] = 1
        for offset, size, _kind in self.off:
            mask[start + offset : start + offset + size] = 0
        return mask


@dataclass(frozen=True)
class Agent:
    id: int
    queues: frozenset[int]
    # Per weekday (0 = the schedule's first day), the quarter hours they can work; None
    # means any.
    available: tuple[tuple[bool, ...] | None, ...] = (None,) * 7
    max_days: int = 5
    recent_weekends: int = 0  # weekend days worked in the last weeks
    # The first quarter hour of the first day they may start: after a night shift of the
    # week before that runs into it.
    free_from: int = 0


@dataclass(frozen=True)
class Assignment:
    agent: int
    day: int
    template: int
    start: int
    queue: int


@dataclass
class Result:
    assignments: list[Assignment]
    coverage: dict[int, np.ndarray]  # queue -> days x 96 agents on the phones
    status: str
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def coverage_share(self, requirement: Mapping[int, np.ndarray]) -> float:
        """Share of required agent-quarter-hours staffed: Σ min(on phones, required) ÷ Σ
        required."""
        needed = sum(int(grid.sum()) for grid in requirement.values())
        met = sum(
            int(np.minimum(self.coverage[queue], grid).sum()) for queue, grid in requirement.items()
        )
        return met / needed if needed else 1.0

    def paid_quarter_hours(self, templates: Sequence[Template]) -> int:
        length = {template.id: template.length for template in templates}
        return sum(length[a.template] for a in self.assignments)


def _fits(
    available: tuple[tuple[bool, ...] | None, ...], day: int, start: int, length: int
) -> bool:
    """Inside the agent's availability on its day and, past midnight, on the next (the
    week's last night reads the first weekday's, as next week's would)."""
    today = available[day % len(available)]
    tomorrow = available[(day + 1) % len(available)]
    if start + length > 2 * SLOTS:
        return False
    tonight = min(start + length, SLOTS)
    return (today is None or all(today[start:tonight])) and (
        tomorrow is None or all(tomorrow[: max(0, start + length - SLOTS)])
    )


@dataclass(frozen=True)
class _Group:
    queues: frozenset[int]
    available: tuple[tuple[bool, ...] | None, ...]
    max_days: int
    free_from: int


def _groups(agents: Sequence[Agent]) -> dict[_Group, list[Agent]]:
    groups: dict[_Group, list[Agent]] = defaultdict(list)
    for agent in agents:
        key = _Group(agent.queues, agent.available, agent.max_days, agent.free_from)
        groups[key].append(agent)
    return groups


def _options(
    group: _Group, day: int, templates: Sequence[Template], queues: set[int]
) -> list[tuple[Template, int, int]]:
    """(template, start, queue) a group's agent may work on a day."""
    return [
        (template, start, queue)
        for template in templates
        for start in template.starts
        if _fits(group.available, day, start, template.length) and (day or start >= group.free_from)
        for queue in sorted(group.queues & queues)
    ]


def _overlaps(earlier: tuple[Template, int, int], later: tuple[Template, int, int]) -> bool:
    """Whether a shift of one day runs into a shift of the next day's start."""
    template, start, _queue = earlier
    return start + template.length > SLOTS + later[1]


def _deal(
    groups: dict[_Group, list[Agent]],
    counts: Mapping[tuple[_Group, int], list[tuple[Template, int, int]]],
    days: int,
) -> list[Assignment]:
    """Give each group's shifts to its agents: one a day, `max_days` a week, never two
    that overlap; weekend days first, to those with the fewest recent weekends (most days
    left always first, which keeps every count placeable). Next to a night shift the
    latest-ending shifts go first; one no free agent can take without an overlap moves a
    colleague's shift of that day on to another (`_hand_on`)."""
    assignments = []
    order = [d for d in range(days) if d % 7 in (SATURDAY, SUNDAY)]
    order += [d for d in range(days) if d % 7 not in (SATURDAY, SUNDAY)]
    for group, members in groups.items():
        left = {agent.id: group.max_days for agent in members}
        weekends = {agent.id: agent.recent_weekends for agent in members}
        worked: dict[tuple[int, int], tuple[Template, int, int]] = {}
        for day in order:
            # The longest into the night and the earliest in the morning are the hardest
            # to place beside a neighbouring day's shifts: they choose first.
            shifts = sorted(
                counts.get((group, day), []), key=lambda s: (-(s[1] + s[0].length), s[1])
            )
            for shift in shifts:
                free = [
                    agent
                    for agent in members
                    if left[agent.id]
                    and (agent.id, day) not in worked
                    and _clear_of_neighbours(worked, agent.id, day, shift)
                ]
                if not free:
                    # Every agent it fits works that day already: one of them hands their
                    # shift on to another it fits, if any can. Left out otherwise, and
                    # coverage says so.
                    _hand_on(shift, day, members, worked, left, weekends, set())
                    continue
                agent_id = min(free, key=lambda a: (-left[a.id], weekends[a.id], a.id)).id
                worked[agent_id, day] = shift
                left[agent_id] -= 1
                if day % 7 in (SATURDAY, SUNDAY):
                    weekends[agent_id] += 1
        for (agent_id, day), (template, start, queue) in sorted(worked.items()):
            assignments.append(Assignment(agent_id, day, template.id, start, queue))
    return assignments


def _hand_on(
    shift: tuple[Template, int, int],
    day: int,
    members: list[Agent],
    worked: dict[tuple[int, int], tuple[Template, int, int]],
    left: dict[int, int],
    weekends: dict[int, int],
    seen: set[int],
) -> bool:
    """Give `shift` on `day` to an agent it fits: one not working that day with days
    left, or one whose shift that day goes on in turn to another it fits (an augmenting
    path: the day's placed shifts only grow). A night shift's agent busy into the morning
    takes the later shift, the later shift's agent the early one."""
    for agent in members:
        if agent.id in seen or not _clear_of_neighbours(worked, agent.id, day, shift):
            continue
        seen.add(agent.id)
        held = worked.get((agent.id, day))
        if held is None:
            if not left[agent.id]:
                continue
            left[agent.id] -= 1
            if day % 7 in (SATURDAY, SUNDAY):
                weekends[agent.id] += 1
        elif not _hand_on(held, day, members, worked, left, weekends, seen):
            continue
        worked[agent.id, day] = shift
        return True
    return False


def _clear_of_neighbours(
    worked: Mapping[tuple[int, int], tuple[Template, int, int]],
    agent_id: int,
    day: int,
    shift: tuple[Template, int, int],
) -> bool:
    """Whether `shift` on `day` overlaps none of the agent's shifts the day before or after."""
    before, after = worked.get((agent_id, day - 1)), worked.get((agent_id, day + 1))
    return not (before and _overlaps(before, shift)) and not (after and _overlaps(shift, after))


def _coverage(
    assignments: Sequence[Assignment], templates: Sequence[Template], queues: set[int], days: int
) -> dict[int, np.ndarray]:
    by_id = {template.id: template for template in templates}
    # A day more than the week: the last night's hours past it are dropped at the end.
    coverage = {queue: np.zeros((days + 1) * SLOTS, dtype=np.int64) for queue in queues}
    for a in assignments:
        coverage[a.queue][a.day * SLOTS : (a.day + 2) * SLOTS] += by_id[a.template].working(a.start)
    return {queue: flat[: days * SLOTS].reshape(days, SLOTS) for queue, flat in coverage.items()}


def _flat(grid: np.ndarray) -> np.ndarray:
    """A days x 96 grid as one timeline with an empty day after it (where the week's last
    night spills)."""
    return np.concatenate((grid.ravel(), np.zeros(SLOTS, dtype=grid.dtype)))


def _no_overlaps(
    model: cp_model.CpModel,
    chosen: Mapping[tuple[_Group, int], list[tuple[cp_model.IntVar, Template, int, int]]],
    group: _Group,
    days: int,
    size: int,
) -> None:
    """Night shifts running into the next day's shifts need other agents: at each
    quarter hour m of a day, the shifts of the day before still on after m and the day's
    shifts starting by m are all worked by different people. (These cuts are what a
    placement without overlaps needs between two days; `_deal` checks it again.)"""
    for day in range(1, days):
        late = [
            (count, template.length + start - SLOTS)
            for count, template, start, _queue in chosen.get((group, day - 1), [])
            if start + template.length > SLOTS
        ]
        if not late:
            continue
        early = [(count, start) for count, _t, start, _q in chosen.get((group, day), [])]
        for moment in sorted({until - 1 for _count, until in late}):
            model.add(
                sum(count for count, until in late if until > moment)
                + sum(count for count, start in early if start <= moment)
                <= size
            )


def generate(
    *,
    requirement: Mapping[int, np.ndarray],
    agents: Sequence[Agent],
    templates: Sequence[Template],
    time_limit_seconds: float = 30.0,
    workers: int = 2,
) -> Result:
    """The integer program: shift counts per agent group, day, template start and queue
    that minimise uncovered requirement, then paid hours."""
    queues = set(requirement)
    days = next(iter(requirement.values())).shape[0] if requirement else 0
    groups = _groups(agents)
    model = cp_model.CpModel()
    chosen: dict[tuple[_Group, int], list[tuple[cp_model.IntVar, Template, int, int]]] = {}
    staffed: dict[tuple[int, int, int], list[tuple[cp_model.IntVar, int]]] = defaultdict(list)
    paid = []
    needed = {queue: _flat(grid) > 0 for queue, grid in requirement.items()}
    for group, members in groups.items():
        size = len(members)
        week = []
        for day in range(days):
            variables = []
            for template, start, queue in _options(group, day, templates, queues):
                working = template.working(start)
                if not (working * needed[queue][day * SLOTS : (day + 2) * SLOTS]).any():
                    continue  # a shift that covers nothing needed is never worth paying
                count = model.new_int_var(0, size, "")
                variables.append((count, template, start, queue))
                for slot in np.flatnonzero(working):
                    on_day, at = divmod(int(slot), SLOTS)  # a night shift's next day: 1
                    if day + on_day < days:
                        staffed[(queue, day + on_day, at)].append((count, 1))
                paid.append(count * template.length)
            if variables:
                model.add(sum(v for v, *_ in variables) <= size)
                week += [v for v, *_ in variables]
            chosen[(group, day)] = variables
        if week:
            model.add(sum(week) <= size * group.max_days)
        _no_overlaps(model, chosen, group, days, size)
    shortfalls = []
    for queue, grid in requirement.items():
        for day, slot in zip(*np.nonzero(grid), strict=True):
            need = int(grid[day, slot])
            short = model.new_int_var(0, need, "")
            terms = staffed.get((queue, int(day), int(slot)), [])
            model.add(sum(v for v, _ in terms) + short >= need)
            shortfalls.append(short)
    model.minimize(SHORTFALL_WEIGHT * sum(shortfalls) + sum(paid))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_seconds
    solver.parameters.num_workers = workers
    # Shift covering is LP-shaped: the full linear relaxation guides the search best.
    solver.parameters.linearization_level = 2
    status = solver.solve(model)
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Result([], _coverage([], templates, queues, days), name, solver.wall_time)
    counts = {
        key: [
            (template, start, queue)
            for count, template, start, queue in variables
            for _ in range(solver.value(count))
        ]
        for key, variables in chosen.items()
    }
    assignments = _deal(groups, counts, days)
    return Result(
        assignments, _coverage(assignments, templates, queues, days), name, solver.wall_time
    )


def greedy(
    *,
    requirement: Mapping[int, np.ndarray],
    agents: Sequence[Agent],
    templates: Sequence[Template],
) -> Result:
    """The baseline: day by day, add the shift that covers the most still-uncovered
    requirement, until no shift covers any."""
    queues = set(requirement)
    days = next(iter(requirement.values())).shape[0] if requirement else 0
    groups = _groups(agents)
    left = {group: len(members) * group.max_days for group, members in groups.items()}
    counts: dict[tuple[_Group, int], list[tuple[Template, int, int]]] = defaultdict(list)
    order = sorted(queues)
    row = {queue: index for index, queue in enumerate(order)}
    # The whole week as one timeline per queue, so a night shift counts on both days.
    timeline = np.array([_flat(requirement[queue]) for queue in order], dtype=np.int64)
    for day in range(days):
        need = timeline[:, day * SLOTS : (day + 2) * SLOTS]  # a view: updates the timeline
        today = {group: len(members) for group, members in groups.items()}
        choices = {group: _options(group, day, templates, queues) for group in groups}
        masks = {
            group: (
                np.array([t.working(s) for t, s, _q in options]).reshape(-1, 2 * SLOTS),
                np.array([row[q] for _t, _s, q in options], dtype=np.int64),
            )
            for group, options in choices.items()
        }
        while True:
            best, best_gain = None, 0
            for group, (working, queue_rows) in masks.items():
                if not today[group] or not left[group] or not len(queue_rows):
                    continue
                gains = (working * (need[queue_rows] > 0)).sum(axis=1)
                option = int(gains.argmax())
                if gains[option] > best_gain:
                    best, best_gain = (group, option), int(gains[option])
            if best is None:
                break
            group, option = best
            template, start, queue = choices[group][option]
            need[row[queue]] -= masks[group][0][option]
            today[group] -= 1
            left[group] -= 1
            counts[(group, day)].append((template, start, queue))
    assignments = _deal(groups, counts, days)
    return Result(assignments, _coverage(assignments, templates, queues, days), "GREEDY")
