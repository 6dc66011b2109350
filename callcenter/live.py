"""Live page updates: tell open pages that something changed, after the data is committed.

Pages listen over one websocket each (static/js/live.js). A notice is only an event name;
the page re-fetches what it shows over HTTP, through the same permission checks as ever.
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.db import transaction


def notify(group: str, event: str) -> None:
    """Send `event` to the pages in `group` once the current transaction commits."""
    layer = get_channel_layer()
    transaction.on_commit(
        lambda: async_to_sync(layer.group_send)(group, {"type": "page.notice", "event": event})
    )


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
