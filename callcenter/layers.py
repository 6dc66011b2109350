"""The embedded mode's channel layer: group messages cross processes through SQLite.

Production uses Redis. Without it, `make run` still runs web, worker and beat as separate
processes, and the in-memory layer would keep a worker's notices (the router offering a
call to an agent) inside the worker. This layer appends each group message to a small
SQLite file; every process with websocket consumers follows the file and hands new
messages to its own members. Channel sends and group membership stay in-process, which
is all the pages need: they only listen to groups.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from channels.layers import InMemoryChannelLayer
from channels_redis import core

SCHEMA = """
CREATE TABLE IF NOT EXISTS group_message (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_name TEXT NOT NULL,
    message TEXT NOT NULL,
    sent_at REAL NOT NULL
)
"""


class RelayedInMemoryChannelLayer(InMemoryChannelLayer):
    def __init__(
        self,
        path: str,
        poll_interval: float = 0.2,
        retention_seconds: float = 60.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.path = Path(path)
        self.poll_interval = poll_interval
        self.retention_seconds = retention_seconds
        self._follower: asyncio.Task | None = None
        self._file_ready = False

    def _connect(self) -> sqlite3.Connection:
        if not self._file_ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        if not self._file_ready:
            # WAL is kept by the file: set it, and the table, once per process, not on
            # every send and every poll.
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(SCHEMA)
            self._file_ready = True
        return connection

    def _append(self, group: str, message: dict) -> None:
        now = time.time()
        with closing(self._connect()) as connection:
            connection.execute(
                "INSERT INTO group_message (group_name, message, sent_at) VALUES (?, ?, ?)",
                (group, json.dumps(message), now),
            )
            connection.execute(
                "DELETE FROM group_message WHERE sent_at < ?", (now - self.retention_seconds,)
            )

    def _last_id(self) -> int:
        with closing(self._connect()) as connection:
            return connection.execute("SELECT COALESCE(MAX(id), 0) FROM group_message").fetchone()[
                0
            ]

    def _read_after(self, last_id: int) -> list[tuple[int, str, str]]:
        with closing(self._connect()) as connection:
            return connection.execute(
                "SELECT id, group_name, message FROM group_message WHERE id > ? ORDER BY id",
                (last_id,),
            ).fetchall()

    async def group_send(self, group: str, message: dict) -> None:
        self.require_valid_group_name(group)
        await asyncio.to_thread(self._append, group, message)

    async def group_add(self, group: str, channel: str) -> None:
        await super().group_add(group, channel)
        loop = asyncio.get_running_loop()
        if self._follower is None or self._follower.done() or self._follower.get_loop() is not loop:
            self._follower = loop.create_task(self._follow())

    async def _follow(self) -> None:
        """Deliver messages appended from now on, by any process, to members here."""
        last_id = await asyncio.to_thread(self._last_id)
        while True:
            rows = await asyncio.to_thread(self._read_after, last_id)
            for row_id, group, message in rows:
                await super().group_send(group, json.loads(message))
                last_id = row_id
            await asyncio.sleep(self.poll_interval)


class RedisChannelLayer(core.RedisChannelLayer):
    """channels_redis's layer, whose receive ends when its task is cancelled.

    A consumer's receive waits in blocking pops that channels_redis repeats until a message
    comes. A cancellation that reaches the pop mid-read can be swallowed on its way out of
    redis-py, and the pop simply returns empty: channels_redis then pops again, forever, so
    a closed page's consumer never ended (nor the event loop waiting for it). A pop that
    returns while its task has a cancellation pending raises it. A message it took stays
    in channels_redis's backup queue, which the next pop puts back.
    """

    async def _brpop_with_clean(self, index: int, channel: str, timeout: int) -> bytes | None:
        result = await super()._brpop_with_clean(index, channel, timeout)
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise asyncio.CancelledError
        return result
