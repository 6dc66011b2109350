"""Cells of the spreadsheets we produce (CSV and Excel), safe to open in Excel.

A cell that starts with = + - @ (or a tab or carriage return, which Excel skips before
them) is read as a formula: `=HYPERLINK(...)` from an uploaded file would run on a
supervisor's machine. Such text gets a leading apostrophe, which Excel shows as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """`value`, with text that a spreadsheet would run as a formula made plain text."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """Rows as CSV text, one line at a time (for streaming responses), every cell safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
