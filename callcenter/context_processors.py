from django.http import HttpRequest

from . import roles


def navigation(request: HttpRequest) -> dict:
    """The signed-in user's role names and whether they have a desk, for the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    names = [g.name for g in user.groups.all() if g.name in roles.ROLES]
    return {"user_roles": names, "is_agent": hasattr(user, "agent_profile")}
