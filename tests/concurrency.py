"""Run work in several threads at once, each with its own database connection.

On PostgreSQL these are concurrent sessions, as several web and worker processes would be.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import pytest
from django.db import connection, connections


def on_postgresql_only(reason: str) -> list[pytest.MarkDecorator]:
    """Marks for a module of concurrency tests: committed data, real PostgreSQL sessions."""
    return [
        pytest.mark.postgres,
        pytest.mark.django_db(transaction=True),
        pytest.mark.skipif(connection.vendor != "postgresql", reason=reason),
    ]


def run_at_once(workers: Sequence[Callable[[], object]], timeout: float = 120) -> None:
    """Start every worker together; re-raise (as a failed assert) whatever one of them hit."""
    errors: list[BaseException] = []
    start = threading.Barrier(len(workers))

    def guard(work: Callable[[], object]) -> None:
        try:
            start.wait()
            work()
        except BaseException as error:  # surfaced below, so the test fails loudly
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=guard, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not errors, errors
