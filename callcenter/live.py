"""Live page updates: tell open pages that something changed, after the data is committed.

Pages listen over one websocket each (static/js/live.js). A notice is only an event name;
the page re-fetches what it shows over HTTP, through the same permission checks as ever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import uuid

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

logger = logging.getLogger(__name__)


class _NoticeSender:
    """Sends notices from one event-loop thread per process; senders do not wait.

    `async_to_sync` would start a loop (and a thread) for every notice, which costs more
    than the routing decision it reports. One task drains the pending notices, one at a
    time: a burst (the router pairing hundreds of calls) neither opens a connection per
    notice (the Redis layer's pool refuses past its limit) nor wakes the thread per
    notice. A notice still pending is not queued twice, as it is only a hint to re-fetch.
    A failure is logged, never raised into the business operation.
    """

    # A process that is exiting waits for its pending notices while they go out, and gives
    # up once none has gone out for this long (Redis unreachable, the file locked). A
    # limit on the whole wait lost the last notices of a long burst on a busy disk.
    FLUSH_SECONDS = 2.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._progress = threading.Condition(self._lock)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid: int | None = None
        self._pending: dict[tuple[str, str], None] = {}  # an ordered set
        self._draining = False
        self._handled = 0  # notices the drain is done with, sent or not
        self._abandoned = False
        # Notices sent at most once per window (`every`): when each last went, and those
        # held back until their window ends.
        self._windows: dict[tuple[str, str], float] = {}
        self._last_sent: dict[tuple[str, str], float] = {}
        self._held: set[tuple[str, str]] = set()
        # Stamps in the shared cache renewed as a notice goes out (`notify`'s `stamp`).
        self._stamps: dict[tuple[str, str], str] = {}

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        # A forked worker (Celery's prefork pool) inherits no running thread: start anew.
        if self._loop is None or self._pid != os.getpid():
            self._loop = asyncio.new_event_loop()
            threading.Thread(
                target=self._loop.run_forever, name="live-notices", daemon=True
            ).start()
            self._pid = os.getpid()
            self._pending.clear()
            self._draining = False
            self._abandoned = False
            self._last_sent.clear()
            self._held.clear()
            # A command that ends right after its writes (seed_demo) still has notices to
            # send: let them go before the interpreter closes the thread pools a channel
            # layer may write through. Plain atexit would run after that. These hooks run
            # last registered first, and concurrent.futures registered its own on import,
            # before this module's (asgiref imports it), so this one runs before it.
            threading._register_atexit(self._flush)  # type: ignore[attr-defined]
        return self._loop

    def _flush(self) -> None:
        if self._pid != os.getpid():  # a forked child that never sent one
            return
        with self._lock:
            while self._draining or self._held:
                handled = self._handled

                def moved_on(handled: int = handled) -> bool:
                    return not (self._draining or self._held) or self._handled != handled

                if not self._progress.wait_for(moved_on, timeout=self.FLUSH_SECONDS):
                    # The thread pools close next: what is left would only fail, one
                    # error per notice.
                    self._abandoned = True
                    logger.warning("Live notices pending at exit were not sent")
                    return

    def send(self, group: str, event: str, every: float = 0.0, stamp: str = "") -> None:
        with self._lock:
            loop = self._running_loop()
            if every:
                self._windows[(group, event)] = every
            if stamp:
                self._stamps[(group, event)] = stamp
            self._pending[(group, event)] = None
            if self._draining:
                return  # the running drain takes it
            self._draining = True
        loop.call_soon_threadsafe(lambda: loop.create_task(self._drain()))

    def _held_back(self, key: tuple[str, str], loop: asyncio.AbstractEventLoop) -> bool:
        """Whether `key` went out less than its window ago: then it goes once the window
        ends, however many more come meanwhile (lock held)."""
        window = self._windows.get(key)
        if window is None:
            return False
        wait = self._last_sent.get(key, -window) + window - loop.time()
        if wait <= 0:
            return False
        if key not in self._held:
            self._held.add(key)
            loop.call_later(wait, self._release, key, loop)
        return True

    def _release(self, key: tuple[str, str], loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            self._held.discard(key)
            self._pending[key] = None
            if self._draining:
                return
            self._draining = True
        loop.create_task(self._drain())

    async def _drain(self) -> None:
        layer = get_channel_layer()
        if layer is None:  # settings always configure one
            raise ImproperlyConfigured("CHANNEL_LAYERS has no default layer.")
        while True:
            with self._lock:
                if not self._pending or self._abandoned:
                    self._pending.clear()
                    self._draining = False
                    self._progress.notify_all()
                    return
                loop = asyncio.get_running_loop()
                batch = [key for key in self._pending if not self._held_back(key, loop)]
                self._pending.clear()
                for key in batch:
                    if key in self._windows:
                        self._last_sent[key] = loop.time()
            for group, event in batch:
                if self._abandoned:
                    break
                stamp = self._stamps.get((group, event))
                if stamp:
                    _renew(stamp)
                # Each notice's own id: the consumers of one process told by it may share
                # what they build on it (floor.consumers.FloorFiguresConsumer).
                message = {"type": "page.notice", "event": event, "notice": uuid.uuid4().hex}
                try:
                    await layer.group_send(group, message)
                except Exception:
                    logger.exception("A live notice to %s was not sent", group)
                with self._lock:
                    self._handled += 1
                    self._progress.notify_all()


def _renew(stamp: str) -> None:
    """A new value for `stamp`; on failure, none (what was shared under the old one must
    not be served as fresh)."""
    try:
        cache.set(stamp, uuid.uuid4().hex, timeout=None)
    except Exception:
        logger.warning("Could not renew the stamp %s", stamp)
        with contextlib.suppress(Exception):
            cache.delete(stamp)


_sender = _NoticeSender()


def notify(group: str, event: str, *, every: float = 0.0, stamp: str = "") -> None:
    """Send `event` to the pages in `group` once the current transaction commits; with
    `every`, at most once per that many seconds (the first at once, the last of a burst
    when its window ends), so a burst of changes is one re-fetch per page, never a flood.

    With `stamp`, that key of the shared cache gets a new value just before each notice
    goes: what the pages fetch under it shows every change the notice tells of, so the
    pages told at once can share one read (`stamp_of`), renewed once per notice rather
    than once per change."""
    transaction.on_commit(lambda: _sender.send(group, event, every, stamp))


def stamp_of(stamp: str) -> str:
    """The current value of a `notify` stamp, "" when there is none or the cache fails."""
    try:
        return cache.get(stamp, "")
    except Exception:
        return ""


class NoticeConsumer(AsyncJsonWebsocketConsumer):
    """Authenticates, joins the page's group, forwards notices: nothing more.

    Subclasses say which group a connection joins (None refuses it) and may check more.
    """

    permission = ""

    def group_for(self, user: AbstractBaseUser | AnonymousUser) -> str | None:
        raise NotImplementedError

    def _allowed_group(self, user: AbstractBaseUser | AnonymousUser) -> str | None:
        if self.permission and not user.has_perm(self.permission):  # type: ignore[union-attr]
            return None
        return self.group_for(user)

    async def connect(self) -> None:
        user = self.scope.get("user")
        group = None
        if user is not None and user.is_authenticated:
            # One trip to the consumers' database thread, which every connecting page shares.
            group = await database_sync_to_async(self._allowed_group)(user)
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
