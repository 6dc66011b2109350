import datetime as dt

from django import template
from django.contrib.auth.models import User
from django.utils.timesince import timesince

from crm.services import user_display

register = template.Library()


@register.filter
def person(user: User | None) -> str:
    """A colleague's name as histories show it; blank for nobody."""
    return user_display(user) if user is not None else ""


@register.filter
def waited(since: dt.datetime | None, until: dt.datetime | None) -> str:
    """How long from `since` to `until`: in seconds under a minute, where Django's
    timesince would say "0 minutes"."""
    if since is None or until is None:
        return ""
    seconds = int((until - since).total_seconds())
    if seconds < 60:
        return f"{max(seconds, 0)} second{'' if seconds == 1 else 's'}"
    return timesince(since, until)
