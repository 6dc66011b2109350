"""How a scorecard scores: pure arithmetic over the questions and their answers.

Each applicable answer earns a share of its question: yes 1 and no 0; a 1-5 scale (v-1)/4,
so 1 earns nothing and 5 everything; points v/max. N/A answers are left out. A section
scores the weighted mean of its applicable questions; the card the weighted mean of its
sections that have any. A critical question answered with its lowest value fails the
whole evaluation: 0, whatever else was earned.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    """A question as scoring sees it, with its answer (None: N/A)."""

    section: object  # any hashable key of the question's section
    section_weight: int
    weight: int
    kind: str  # yes_no, scale or points
    value: int | None
    critical: bool = False
    max_points: int | None = None

    @property
    def lowest(self) -> int:
        return 1 if self.kind == "scale" else 0

    @property
    def share(self) -> float:
        """What the answer earns of the question, 0 to 1."""
        if self.value is None:
            raise ValueError("An N/A answer earns no share: it is left out.")
        if self.kind == "scale":
            return (self.value - 1) / 4
        if self.kind == "points":
            return self.value / (self.max_points or 1)
        return float(self.value)


@dataclass(frozen=True)
class Result:
    score: float | None  # 0-100, None when every answer is N/A
    critical_failed: bool
    sections: dict[object, float]  # each section with an applicable answer: 0-100


def score(items: Iterable[Item]) -> Result:
    """The card's score of these answers."""
    items = list(items)
    critical_failed = any(
        item.critical and item.value is not None and item.value <= item.lowest for item in items
    )
    earned: dict[object, float] = {}
    possible: dict[object, float] = {}
    section_weights: dict[object, int] = {}
    for item in items:
        if item.value is None:
            continue
        earned[item.section] = earned.get(item.section, 0.0) + item.weight * item.share
        possible[item.section] = possible.get(item.section, 0.0) + item.weight
        section_weights[item.section] = item.section_weight
    sections = {key: 100 * earned[key] / possible[key] for key in possible if possible[key] > 0}
    total_weight = sum(section_weights[key] for key in sections)
    if total_weight == 0:  # nothing applicable (weights are at least 1)
        return Result(None, critical_failed, sections)
    total = sum(section_weights[key] * sections[key] for key in sections) / total_weight
    return Result(0.0 if critical_failed else round(total, 2), critical_failed, sections)
