"""Live agent desktop: tells an agent's open desktop that their state or call changed."""

from __future__ import annotations

from callcenter.live import NoticeConsumer

from ..acd.presence import desk_group
from ..models import AgentProfile


class AgentDeskConsumer(NoticeConsumer):
    def group_for(self, user) -> str | None:
        agent_id = AgentProfile.objects.filter(user=user).values_list("pk", flat=True).first()
        return desk_group(agent_id) if agent_id else None
