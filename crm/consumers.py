"""Live timeline: tells an open customer page that its timeline changed."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from .services import timeline_group


class CustomerTimelineConsumer(AsyncWebsocketConsumer):
    """Joins the customer's timeline group and forwards change notices, nothing more.

    The page answers a notice by re-fetching the timeline over HTTP, so what a user sees
    always passes the same permission checks as the page itself.
    """

    async def connect(self) -> None:
        user = self.scope.get("user")
        allowed = (
            user is not None
            and user.is_authenticated
            and await database_sync_to_async(user.has_perm)("crm.view_interaction")
        )
        if not allowed:
            await self.close(code=4403)
            return
        self.group = timeline_group(self.scope["url_route"]["kwargs"]["customer_id"])
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def timeline_changed(self, event: dict) -> None:
        await self.send(text_data='{"event": "timeline-changed"}')
