"""The call rows every voice webhook writes, as hand-written SQL.

An incoming call is a handful of single-row statements (the call, the IVR step, the event
log), and building them through the ORM's query compiler cost more CPU than PostgreSQL
spent running them: the webhook benchmark (bench/webhook.py) measures the difference.
The statements are built once per model from its fields, so a column added by a
migration is written like any other, and every value goes through its field's own
database preparation (JSON, times, foreign keys), so the same text serves PostgreSQL and
SQLite (both have INSERT ... ON CONFLICT DO NOTHING and RETURNING). No signal is sent:
no receiver listens to these models' saves.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from django.db import connection
from django.db.models import Field, Model

from ..models import Call, CallEvent


def _columns(model: type[Model]) -> list[Field]:
    return [field for field in model._meta.concrete_fields if not field.primary_key]


def _quoted(field: Field | None) -> str:
    if field is None or field.column is None:
        raise TypeError("Only concrete columns are written here.")
    return connection.ops.quote_name(field.column)


# Only names from the models' _meta and placeholders are formatted into these statements;
# every value is a bound parameter.
@functools.cache
def _insert_sql(model: type[Model], vendor: str, conflict: str) -> str:
    meta = model._meta
    columns = ", ".join(_quoted(field) for field in _columns(model))
    values = ", ".join(["%s"] * len(_columns(model)))
    on_conflict = (
        f" ON CONFLICT ({_quoted(meta.get_field(conflict))}) DO NOTHING" if conflict else ""  # type: ignore[arg-type]
    )
    table = connection.ops.quote_name(meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES ({values})" + (  # noqa: S608
        f"{on_conflict} RETURNING {_quoted(meta.pk)}"
    )


@functools.cache
def _update_sql(model: type[Model], vendor: str, names: tuple[str, ...]) -> str:
    meta = model._meta
    columns = ", ".join(f"{_quoted(meta.get_field(name))} = %s" for name in names)  # type: ignore[arg-type]
    table = connection.ops.quote_name(meta.db_table)
    return f"UPDATE {table} SET {columns} WHERE {_quoted(meta.pk)} = %s"  # noqa: S608


def _insert(row: Model, *, conflict: str = "") -> bool:
    """INSERT `row` with every column (its defaults filled in by the model); False when
    `conflict` names a unique column that already holds this value (nothing written)."""
    values = [
        field.get_db_prep_save(field.pre_save(row, add=True), connection)
        for field in _columns(type(row))
    ]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(type(row), connection.vendor, conflict), values)
        returned = cursor.fetchone()
    if returned is None:
        return False
    row.pk = returned[0]
    row._state.adding, row._state.db = False, connection.alias
    return True


def _update(row: Model, names: Sequence[str]) -> None:
    """UPDATE the columns `names` of a saved row from its attributes."""
    meta = type(row)._meta
    fields = [meta.get_field(name) for name in names]
    values = [
        field.get_db_prep_save(getattr(row, field.attname), connection)  # type: ignore[union-attr]
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(_update_sql(type(row), connection.vendor, tuple(names)), [*values, row.pk])


def call_insert(call: Call) -> bool:
    """Write a new call; False (nothing written) if its SID is already there: a retry."""
    return _insert(call, conflict="sid")


def call_by_sid(sid: str, *, lock: bool) -> Call | None:
    """The call with this SID, locked until the transaction ends when `lock` (a no-op on
    SQLite, whose IMMEDIATE transactions hold the whole file anyway)."""
    query = Call.objects.filter(sid=sid)
    return (query.select_for_update() if lock else query).first()


def call_ivr_step(call: Call) -> None:
    """Write the call's IVR path, when it entered the IVR and its state."""
    _update(call, ("ivr_path", "ivr_started_at", "state"))


def event_insert(event: CallEvent) -> CallEvent:
    """Write one webhook's entry in the event log."""
    _insert(event)
    return event
