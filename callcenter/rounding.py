"""How every figure is shown, defined once: two decimals, halves up.

A figure is rounded from its value in double precision, floor(value x 100 + 0.5) ÷ 100,
and a ratio is that of part x scale ÷ whole. The same operations in the same order give
the same double in Python and in SQL (PostgreSQL's and SQLite's double precision are
IEEE doubles), so a figure the database computes and one computed here are one number.
Neither built-in rounding would do: Python's round() takes halves to even, PostgreSQL's
ROUND of a numeric takes them away from zero, and neither can be written on the other side.
"""

from __future__ import annotations

import math


def shown(value: float) -> float:
    """A figure as the reports show it: two decimals, halves up."""
    return math.floor(value * 100 + 0.5) / 100


def ratio(part: float, whole: float, scale: int = 1) -> float | None:
    """part x scale ÷ whole, shown; None (shown as —) when there is nothing to divide by."""
    return shown(part * scale / whole) if whole else None


def shown_sql(expression: str) -> str:
    """SQL for shown() of a double precision expression."""
    return f"FLOOR(({expression}) * 100 + 0.5) / 100"


def ratio_sql(part: str, whole: str, scale: int = 1) -> str:
    """SQL for ratio() of two SQL expressions (counts or seconds), in double precision."""
    scaled = f"CAST({part} AS double precision)" + (f" * {scale}" if scale != 1 else "")
    divided = f"{scaled} / CAST({whole} AS double precision)"
    return f"CASE WHEN {whole} <> 0 THEN {shown_sql(divided)} END"
