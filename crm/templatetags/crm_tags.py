from django import template
from django.contrib.auth.models import User

from crm.services import user_display

register = template.Library()


@register.filter
def person(user: User | None) -> str:
    """A colleague's name as histories show it; blank for nobody."""
    return user_display(user) if user is not None else ""
