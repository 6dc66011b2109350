"""Live page updates: tell open pages that something changed, after the data is committed.

Pages listen over one websocket each (static/js/live.js). A notice is only an event name;
the page re-fetches what it shows over HTTP, through the same permission checks as ever.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


class _NoticeSender:
    """Sends notices from one event-loop thread per process; senders do not wait.

    `async_to_sync` would start a loop (and a thread) for every notice, which costs more
    than the routing decision it reports. A notice is a hint to re-fetch, so it is sent
    fire-and-forget; a failure is logged, never raised into the business operation.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid: int | None = None

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            # A forked worker (Celery's prefork pool) inherits no running thread: start anew.
            if self._loop is None or self._pid != os.getpid():
                self._loop = asyncio.new_event_loop()
                threading.Thread(
                    target=self._loop.run_forever, name="live-notices", daemon=True
                ).start()
                self._pid = os.getpid()
            return self._loop

    def send(self, group: str, message: dict) -> None:
        future = asyncio.run_coroutine_threadsafe(
            get_channel_layer().group_send(group, message), self._running_loop()
        )
        future.add_done_callback(_log_failure)


def _log_failure(future) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.error("A live notice was not sent", exc_info=future.exception())


_sender = _NoticeSender()


def notify(group: str, event: str) -> None:
    """Send `event` to the pages in `group` once the current transaction commits."""
    transaction.on_commit(lambda: _sender.send(group, {"type": "page.notice", "event": event}))


class NoticeConsumer(AsyncJsonWebsocketConsumer):
    """Authenticates, joins the page's group, forwards notices: nothing more.

    Subclasses say which group a connection joins (None refuses it) and may check more.
    """

    permission = ""

    def group_for(self, user) -> str | None:
        raise NotImplementedError

    async def connect(self) -> None:
        user = self.scope.get("user")
        group = None
        if user is not None and user.is_authenticated:
            allowed = not self.permission or await database_sync_to_async(user.has_perm)(
                self.permission
            )
            group = await database_sync_to_async(self.group_for)(user) if allowed else None
        if group is None:
            await self.close(code=4403)
            return
        self.group = group
        await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def page_notice(self, message: dict) -> None:
        await self.send_json({"event": message["event"]})
