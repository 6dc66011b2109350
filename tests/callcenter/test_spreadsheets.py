"""Cells of the spreadsheets we produce: formulas from uploaded text never run."""

from __future__ import annotations

import csv

import pytest

from callcenter.spreadsheets import csv_lines, safe_cell


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://x","y")', "+1 415 555 0101", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
)
def test_text_a_spreadsheet_would_run_is_made_plain_text(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Ann Lee", "", 12, None, "a=b"])
def test_other_cells_are_unchanged(value):
    assert safe_cell(value) == value


def test_csv_lines_write_every_cell_safe_one_line_at_a_time():
    lines = list(csv_lines([["row", "name"], [2, "=1+1"]]))
    assert len(lines) == 2
    assert list(csv.reader(lines)) == [["row", "name"], ["2", "'=1+1"]]
