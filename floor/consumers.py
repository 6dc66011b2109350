"""Live wallboard: tells open wallboards that the floor changed."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from callcenter.live import NoticeConsumer
from telephony.acd.presence import FLOOR_GROUP

from .selectors import ALERTS_GROUP, WALLBOARD, WHOLE_FLOOR


class WallboardConsumer(NoticeConsumer):
    def group_for(self, user: AbstractBaseUser | AnonymousUser) -> str | None:
        allowed = user.has_perm(WALLBOARD) or user.has_perm(WHOLE_FLOOR)  # type: ignore[union-attr]
        return FLOOR_GROUP if allowed else None


class FloorAlertsConsumer(NoticeConsumer):
    """A supervisor's other pages: told only when an alert is raised or cleared."""

    def group_for(self, user: AbstractBaseUser | AnonymousUser) -> str | None:
        allowed = user.has_perm(WALLBOARD) or user.has_perm(WHOLE_FLOOR)  # type: ignore[union-attr]
        return ALERTS_GROUP if allowed else None
