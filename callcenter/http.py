"""What a page view's request carries, for the type checker."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class SignedInRequest(HttpRequest):
    """A request past `login_required` and HtmxMiddleware: a signed-in user, and `htmx`.

    Only an annotation: Django builds the requests; this says what they hold by then.
    """

    user: User
    htmx: HtmxDetails
