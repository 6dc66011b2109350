"""Adherence the apps above floor report for the agents table: since when each agent has
been out of their scheduled activity. Floor shows it without knowing what a schedule is;
workforce, which does, registers its source when it loads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

# Given the agents' ids, those out of adherence now and since when.
OutOfAdherence = Callable[[list[int]], dict[int, datetime]]

_SOURCES: list[OutOfAdherence] = []


def register_out_of_adherence(source: OutOfAdherence) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def out_of_adherence_since(agent_ids: list[int]) -> dict[int, datetime]:
    """Each out-of-adherence agent's earliest "since" over the registered sources."""
    since: dict[int, datetime] = {}
    for source in _SOURCES:
        for agent_id, moment in source(agent_ids).items():
            since[agent_id] = min(moment, since.get(agent_id, moment))
    return since
