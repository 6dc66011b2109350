from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views import defaults
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotAuthenticated

from callcenter.api import SignInThrottle
from callcenter.http import SignedInRequest
from crm import selectors


@require_GET
def favicon(request: HttpRequest) -> HttpResponseBase:
    """Browsers ask for /favicon.ico on pages that name no icon (Django admin's, say)."""
    return redirect(static("img/favicon.svg"), permanent=True)


@require_GET
@login_required
def home(request: SignedInRequest) -> HttpResponse:
    """Each role's start page: what they may use, and an agent's active cases."""
    my_cases = (
        selectors.case_list(user=request.user, scope="mine", status="active")[:10]
        if request.user.has_perm("crm.view_case")
        else []
    )
    return render(request, "home.html", {"my_cases": my_cases})


class ApiDocsView(SpectacularSwaggerView):
    """Swagger UI over the schema; an anonymous visitor is sent to sign in first."""

    # A redirect is no DRF Response, but DRF finalizes any HttpResponse: the stubs are narrower.
    def handle_exception(self, exc: Exception) -> HttpResponseBase:  # type: ignore[override]
        if isinstance(exc, NotAuthenticated):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)


class ApiTokenView(ObtainAuthToken):
    """A user's API token for their username and password; attempts are throttled."""

    throttle_classes = [SignInThrottle]


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for paths no URL matches: JSON under /api/ (as the API's own 404s), else the page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
