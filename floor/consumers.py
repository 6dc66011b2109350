"""Live wallboard: tells open wallboards that the floor changed, or sends wall displays the
figures themselves."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from typing import Any, cast

from channels.db import database_sync_to_async
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections
from django.http import QueryDict

from callcenter.live import NoticeConsumer
from telephony.acd.presence import FLOOR_EVENT, FLOOR_GROUP

from .api import agents_live, queues_live
from .selectors import ALERTS_GROUP, WALLBOARD, WHOLE_FLOOR, snapshot_scope
from .serializers import AgentFilterSerializer

logger = logging.getLogger(__name__)

FIGURES_EVENT = "floor-figures"

# The figures built on a notice, by notice and by what the display sees: every display of
# this process told by one notice shares one read of the floor and one JSON text. The
# last few notices are enough (they come at most every FLOOR_NOTICE_SECONDS per sender).
_FIGURES_KEPT = 32
_figures: OrderedDict[tuple[str, str], asyncio.Task[str]] = OrderedDict()


class WallboardConsumer(NoticeConsumer):
    def group_for(self, user: AbstractBaseUser | AnonymousUser) -> str | None:
        allowed = user.has_perm(WALLBOARD) or user.has_perm(WHOLE_FLOOR)  # type: ignore[union-attr]
        return FLOOR_GROUP if allowed else None


class FloorFiguresConsumer(WallboardConsumer):
    """A wall display's feed (`/ws/floor/figures/`, the agents list's filters in the query
    string): `{"event": "floor-figures", "queues": [...], "agents": [...]}`, as
    `/api/realtime/queues/` and `/api/realtime/agents/` give them, on opening and after
    each floor notice.

    Why not a notice and a fetch per display: one notice made every open display fetch at
    once, two HTTP requests each, and a few hundred displays queued behind the web workers
    for seconds. Here the figures are read once per notice for each floor seen (shared
    across processes by `floor.selectors.shared`) and the same text goes to every display
    of this process. A display busy sending gets only the newest figures once it is done.
    """

    _latest: str | None = None  # the newest notice not yet acted on
    _sending: asyncio.Task[None] | None = None

    def _allowed_group(self, user: AbstractBaseUser | AnonymousUser) -> str | None:
        group = super()._allowed_group(user)
        # What the displays sharing one build must have in common: their floor and filters.
        scope = snapshot_scope(user=cast(User, user)) or self.channel_name
        self.viewer = f"{scope}:" + ":".join(f"{k}={v}" for k, v in sorted(self.filters.items()))
        return group

    async def connect(self) -> None:
        query = QueryDict(self.scope.get("query_string", b"").decode())
        filters = AgentFilterSerializer(data=query)
        if not filters.is_valid():
            await self.close(code=4400)  # retrying the same filters will not help
            return
        self.filters: dict[str, Any] = dict(filters.validated_data)
        await super().connect()
        if hasattr(self, "group"):  # accepted: what the display shows until a notice
            await self._send_figures("")

    async def disconnect(self, code: int) -> None:
        if self._sending is not None:
            self._sending.cancel()
        await super().disconnect(code)

    async def page_notice(self, message: dict) -> None:
        if message["event"] != FLOOR_EVENT:  # alerts are not among the figures
            return
        self._latest = message.get("notice", "")
        if self._sending is None or self._sending.done():
            self._sending = asyncio.create_task(self._send_newest())

    async def _send_newest(self) -> None:
        while self._latest is not None:
            notice, self._latest = self._latest, None
            await self._send_figures(notice)

    async def _send_figures(self, notice: str) -> None:
        """The figures as they stand since `notice` ("": this display's own read)."""
        key = (notice or self.channel_name, self.viewer)
        built = _figures.get(key)
        if built is None:
            # Built after the notice came, so after the changes it tells of committed; on a
            # thread of the pool, not the consumers' database thread, which every opening
            # socket's sign-in check waits for (displays reconnecting together).
            build = database_sync_to_async(self._figures_text, thread_sensitive=False)
            built = asyncio.ensure_future(build())
            _figures[key] = built
            while len(_figures) > _FIGURES_KEPT:
                _figures.popitem(last=False)
        try:
            # Shielded: a display that closes meanwhile must not cancel the others' build.
            text = await asyncio.shield(built)
        except Exception:
            logger.exception("The floor's figures were not built; the next notice retries")
            if _figures.get(key) is built:
                del _figures[key]
            return
        finally:
            if not notice:
                _figures.pop(key, None)
        await self.send(text_data=text)

    def _figures_text(self) -> str:
        user = cast(User, self.scope["user"])  # connect let only signed-in users through
        try:
            figures = {
                "event": FIGURES_EVENT,
                "queues": queues_live(user=user),
                "agents": agents_live(user=user, filters=self.filters),
            }
        finally:
            # A thread of the pool may not run again for long: it keeps no connection open.
            connections.close_all()
        return json.dumps(figures, cls=DjangoJSONEncoder)


class FloorAlertsConsumer(NoticeConsumer):
    """A supervisor's other pages: told only when an alert is raised or cleared."""

    def group_for(self, user: AbstractBaseUser | AnonymousUser) -> str | None:
        allowed = user.has_perm(WALLBOARD) or user.has_perm(WHOLE_FLOOR)  # type: ignore[union-attr]
        return ALERTS_GROUP if allowed else None
