"""A report's rows as a spreadsheet: CSV (streamed) and Excel, with the headings the page
shows and every text cell safe to open (callcenter.spreadsheets)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from openpyxl import Workbook

from callcenter.spreadsheets import csv_lines, safe_cell

from .catalog import Report
from .selectors import KPI_DEFINITIONS, Row


def headings(report: Report) -> list[str]:
    units = {"%": " (%)", "s": " (s)", "": ""}
    return [heading for _key, heading in report.keys] + [
        KPI_DEFINITIONS[key].label + units[KPI_DEFINITIONS[key].unit] for key in report.figures
    ]


def _cells(report: Report, rows: list[Row]) -> Iterator[list[Any]]:
    yield headings(report)
    columns = [key for key, _heading in report.keys] + report.figures
    for row in rows:
        yield [row[column] for column in columns]


def report_csv(report: Report, rows: list[Row]) -> Iterator[str]:
    """The rows as CSV lines, headings first."""
    return csv_lines(_cells(report, rows))


def report_xlsx(report: Report, rows: list[Row]) -> bytes:
    """The rows as an Excel workbook, headings first; a ratio with no value is empty."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(report.label)
    for cells in _cells(report, rows):
        sheet.append([safe_cell(value) for value in cells])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
