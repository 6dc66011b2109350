"""The project's ASGI application plus the naive wallboard bench/wallboard.py compares with.

The naive design pushes every floor event, with its payload (the changed agent's and
queue's figures), to every open wallboard: one websocket message per event and client.
bench/wallboard.py's driver sends those events to NAIVE_GROUP; this consumer forwards them
as they come. It lives here, not in the product, which sends small coalesced notices.
"""

from __future__ import annotations

from channels.auth import AuthMiddlewareStack
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from callcenter.asgi import django_asgi_app, websockets

NAIVE_GROUP = "bench-naive-floor"
NAIVE_PATH = "bench/ws/naive-floor/"


class NaiveFloorConsumer(AsyncJsonWebsocketConsumer):
    """Every event of the floor, payload included, to every signed-in wallboard."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4403)
            return
        await self.channel_layer.group_add(NAIVE_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(NAIVE_GROUP, self.channel_name)

    async def floor_event(self, message: dict) -> None:
        await self.send_json(message["payload"])


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(
                URLRouter([path(NAIVE_PATH, NaiveFloorConsumer.as_asgi()), *websockets])  # type: ignore[arg-type]
            )
        ),
    }
)
