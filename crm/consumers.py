"""Live timeline: tells an open customer page that its timeline changed."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from callcenter.live import NoticeConsumer

from .services import timeline_group


class CustomerTimelineConsumer(NoticeConsumer):
    permission = "crm.view_interaction"

    def group_for(self, user: AbstractBaseUser | AnonymousUser) -> str:
        return timeline_group(self.scope["url_route"]["kwargs"]["customer_id"])
