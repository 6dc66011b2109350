"""Live pages' websockets in tests: the ASGI app as a browser on the site would reach it."""

from __future__ import annotations

from channels.testing import WebsocketCommunicator

from callcenter.asgi import application

_SAME_SITE = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]


def page_socket(path: str, user) -> WebsocketCommunicator:
    """A page's websocket at `path`, opened as `user` (not yet connected)."""
    communicator = WebsocketCommunicator(application, path, headers=_SAME_SITE)
    # The key AuthMiddlewareStack would set, which the test sets in its place.
    communicator.scope["user"] = user  # type: ignore[typeddict-unknown-key]
    return communicator


async def desk_socket(user) -> WebsocketCommunicator:
    """The agent desk's websocket, connected."""
    communicator = page_socket("/ws/desk/", user)
    connected, _ = await communicator.connect()
    assert connected
    return communicator
