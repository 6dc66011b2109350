"""The project's ASGI application served by daphne on a thread of the test process, so a
browser's pages get their websockets as in `make run`.

In-process rather than a daphne subprocess: the server shares the test's database
settings and channel layer, and nothing is left to reap at teardown. Twisted's reactor
runs once per process, so one server serves the whole session; it stops at the end of
it, on a bounded wait.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import daphne.server  # installs Twisted's asyncio reactor before anything imports one
from channels.routing import get_default_application
from daphne.ws_protocol import WebSocketProtocol
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from twisted.internet import reactor


class WebsocketGate:
    """Holds new websocket connections while shut, as a network outage would: the
    browser's socket stays connecting, and notices sent meanwhile reach nobody."""

    def __init__(self, application: Any) -> None:
        self.application = application
        self.open = threading.Event()
        self.open.set()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            while not self.open.is_set():
                await asyncio.sleep(0.05)
        await self.application(scope, receive, send)


class AsgiLiveServer:
    def __init__(self) -> None:
        # Any ASGI application can be wrapped; the stubs name Django's handler alone.
        static = ASGIStaticFilesHandler(get_default_application())  # type: ignore[arg-type]
        self.gate = WebsocketGate(static)
        self._ready = threading.Event()
        self.server = daphne.server.Server(
            application=self.gate,
            endpoints=["tcp:port=0:interface=127.0.0.1"],
            signal_handlers=False,  # not the main thread
            ready_callable=self._ready.set,
            verbosity=0,
        )
        self._thread = threading.Thread(target=self.server.run, name="daphne", daemon=True)

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(timeout=10):
            raise RuntimeError("daphne did not start")
        host, port = self.server.listening_addresses[0]
        self.url = f"http://{host}:{port}"

    def stop(self) -> None:
        # Twisted's stubs type the reactor's bound stop() as if it took no self.
        reactor.callFromThread(reactor.stop)  # type: ignore[misc]
        self._thread.join(timeout=5)

    def drop_websockets(self) -> int:
        """Cut every open websocket's connection, as a network failure would (no closing
        handshake); returns how many were cut."""
        done = threading.Event()
        cut: list[object] = []

        def abort() -> None:
            for protocol, details in list(self.server.connections.items()):
                if isinstance(protocol, WebSocketProtocol) and "disconnected" not in details:
                    protocol.transport.abortConnection()
                    cut.append(protocol)
            done.set()

        reactor.callFromThread(abort)
        done.wait(timeout=5)
        return len(cut)
