"""Live agent desktop: tells an agent's open desktop that their state or call changed."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from callcenter.live import NoticeConsumer

from ..acd.presence import desk_group
from ..models import AgentProfile


class AgentDeskConsumer(NoticeConsumer):
    def group_for(self, user: AbstractBaseUser | AnonymousUser) -> str | None:
        if user.pk is None:  # anonymous: connect() refuses them before asking
            return None
        agent_id = AgentProfile.objects.filter(user_id=user.pk).values_list("pk", flat=True).first()
        return desk_group(agent_id) if agent_id else None
