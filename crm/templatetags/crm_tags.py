from django import template

from crm.services import user_display

register = template.Library()


@register.filter
def person(user) -> str:
    """A colleague's name as histories show it; blank for nobody."""
    return user_display(user) if user is not None else ""
