"""Reading lead files: CSV or Excel in, a header and plain string rows out.

No database here; campaigns.services decides what each row becomes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO

from django.core.exceptions import ValidationError

EXTENSIONS = (".csv", ".xlsx")
# The lead fields a column can be mapped to; unmapped columns are kept in the lead's data.
FIELDS = {
    "phone": "Phone number",
    "name": "Name",
    "time_zone": "Time zone",
    "account_number": "Account number",
    "email": "Email",
}
REQUIRED_FIELDS = ("phone",)
_GUESSES = {
    "phone": ("phone", "phone number", "number", "telephone", "mobile", "tel"),
    "name": ("name", "full name", "customer", "contact"),
    "time_zone": ("time zone", "timezone", "tz"),
    "account_number": ("account", "account number", "account no"),
    "email": ("email", "e-mail", "email address"),
}


def kind_of(filename: str) -> str:
    """ "csv" or "xlsx" from the file name; anything else is refused."""
    lowered = filename.lower()
    for extension in EXTENSIONS:
        if lowered.endswith(extension):
            return extension[1:]
    raise ValidationError(
        {"file": ["Upload a .csv or .xlsx file."]},
        code="invalid",
    )


def _cell(value: object) -> str:
    # Excel keeps phone numbers typed as numbers as floats (4155550142.0).
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def _csv_rows(handle: IO[bytes]) -> Iterator[list[str]]:
    raw = handle.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheet programs on Windows still save CSV in their legacy code page.
        text = raw.decode("cp1252", errors="replace")
    for row in csv.reader(io.StringIO(text, newline="")):
        yield [_cell(value) for value in row]


def _xlsx_rows(handle: IO[bytes]) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged or foreign file
        raise ValidationError({"file": [f"This is not a readable Excel file ({error})."]}) from None
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_cell(value) for value in row]
    finally:
        workbook.close()


def read(handle: IO[bytes], *, kind: str) -> tuple[list[str], Iterator[list[str]]]:
    """The column names and an iterator over the other non-blank rows of the first sheet.

    A file without a usable header row is refused.
    """
    reader = _csv_rows(handle) if kind == "csv" else _xlsx_rows(handle)
    rows = (row for row in reader if any(row))
    first = next(rows, None)
    if not first:
        raise ValidationError({"file": ["The file is empty."]})
    names = [name or f"Column {i + 1}" for i, name in enumerate(first)]
    if len(set(names)) != len(names):
        raise ValidationError({"file": ["Two columns have the same name; rename one."]})
    return names, rows


def guess_mapping(columns: list[str]) -> dict[str, str]:
    """A first mapping from the column names, for the person to correct."""
    mapping: dict[str, str] = {}
    for column in columns:
        lowered = column.strip().lower().replace("_", " ")
        for field, names in _GUESSES.items():
            if lowered in names and field not in mapping.values():
                mapping[column] = field
                break
    return mapping


def check_mapping(mapping: object, columns: list[str]) -> dict[str, str]:
    """The mapping as {column: field} if it is usable with these columns."""
    if not isinstance(mapping, dict):
        raise ValidationError({"mapping": ['Map column names to fields, e.g. {"Tel": "phone"}.']})
    cleaned = {str(column): str(field) for column, field in mapping.items() if field}
    problems = []
    unknown_columns = sorted(set(cleaned) - set(columns))
    if unknown_columns:
        problems.append(f"The file has no column {', '.join(unknown_columns)}.")
    unknown_fields = sorted(set(cleaned.values()) - set(FIELDS))
    if unknown_fields:
        problems.append(f"Unknown fields {', '.join(unknown_fields)}; use {', '.join(FIELDS)}.")
    fields = list(cleaned.values())
    twice = sorted({field for field in fields if fields.count(field) > 1})
    if twice:
        problems.append(f"Map one column only to {', '.join(twice)}.")
    missing = [field for field in REQUIRED_FIELDS if field not in fields]
    if missing:
        problems.append(f"Map a column to {', '.join(missing)}.")
    if problems:
        raise ValidationError({"mapping": problems})
    return cleaned
