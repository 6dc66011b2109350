"""Reading lead files: CSV or Excel in, a header and plain string rows out.

No database here; campaigns.services decides what each row becomes.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
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


# Byte-order marks a spreadsheet program writes, and the codec that reads past them.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DELIMITERS = (",", ";", "\t")
_SAMPLE_BYTES = 64 * 1024


def _encoding(head: bytes) -> str:
    """The file's encoding from its first bytes: a BOM says it, else UTF-8 if the sample
    reads as UTF-8, else the Windows code page spreadsheet programs still save CSV in."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec
    try:
        # Not final: the sample may end inside a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _delimiter(first_line: str) -> str:
    """The separator that splits the header into the most columns (comma on a tie):
    Excel writes semicolons where the comma is the decimal mark, and tabs on "Text"."""
    counts = {}
    for delimiter in _DELIMITERS:
        try:
            counts[delimiter] = len(next(csv.reader([first_line], delimiter=delimiter), []))
        except csv.Error:
            counts[delimiter] = 0
    return max(_DELIMITERS, key=lambda d: counts[d])  # max keeps the first of equals


def _csv_rows(handle: IO[bytes]) -> Iterator[list[str]]:
    # Read as a stream: a file of hundreds of thousands of rows is never held whole.
    start = handle.tell()
    encoding = _encoding(handle.read(_SAMPLE_BYTES))
    handle.seek(start)
    binary = getattr(handle, "file", handle)  # a Django File wraps the real one
    text = io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="")
    try:
        first_line = text.readline()
        reader = csv.reader(itertools.chain([first_line], text), delimiter=_delimiter(first_line))
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise ValidationError({"file": [_csv_problem(reader.line_num, error)]}) from None
            yield [_cell(value) for value in row]
    finally:
        # The wrapper would close the file when collected; the caller owns the file (and
        # may have closed it already, before dropping this generator).
        if not text.closed:
            text.detach()


def _csv_problem(line: int, error: csv.Error) -> str:
    if "field larger than field limit" in str(error):
        limit = csv.field_size_limit()
        return (
            f"Line {line} has a value longer than {limit:,} characters; "
            "this does not look like a lead file."
        )
    return f"Line {line} cannot be read as CSV ({error})."


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
