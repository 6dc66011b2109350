"""What the benchmark scripts share (bench/ is on sys.path when they run)."""

from __future__ import annotations

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo


def create_database_if_missing(database_url: str) -> None:
    """CREATE DATABASE through the maintenance database `postgres` (it cannot run in itself)."""
    name = conninfo_to_dict(database_url)["dbname"]
    maintenance = make_conninfo(database_url, dbname="postgres")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
