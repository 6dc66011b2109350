"""What a request carries by the time a view or an API endpoint sees it, for the type checker."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails
from rest_framework.request import Request


class SignedInRequest(HttpRequest):
    """A request past `login_required` and HtmxMiddleware: a signed-in user, and `htmx`.

    Only an annotation: Django builds the requests; this says what they hold by then.
    """

    user: User
    htmx: HtmxDetails


class SignedInApiRequest(Request):
    """An API request past the project's permission classes, which all need a signed-in user.

    Only an annotation, like SignedInRequest: DRF builds the requests.
    """

    user: User


def signed_in_user(request: HttpRequest) -> User:
    """The user of a request only signed-in users reach, where the signature must stay
    Django's HttpRequest (admin methods); anyone else here is a wiring mistake, refused."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def client_address(request: HttpRequest) -> str | None:
    """The client's address: the peer's, or behind TRUSTED_PROXIES proxies the entry of
    X-Forwarded-For the outermost trusted one added (counted as DRF's NUM_PROXIES counts)."""
    proxies = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies and forwarded:
        hops = forwarded.split(",")
        return hops[-min(proxies, len(hops))].strip()
    return request.META.get("REMOTE_ADDR")
