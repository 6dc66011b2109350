"""The wallboard page and its TV mode, the alerts page and the alerts strip on supervisors'
other pages; each re-fetches what it shows when told."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from callcenter.http import SignedInRequest
from callcenter.pages import render_page

from . import selectors
from .forms import WallboardFilterForm


def _may_watch(request: SignedInRequest) -> None:
    user = request.user
    if not (user.has_perm(selectors.WALLBOARD) or user.has_perm(selectors.WHOLE_FLOOR)):
        raise PermissionDenied("The wallboard is for supervisors and managers.")


@require_GET
@login_required
def wallboard(request: SignedInRequest) -> HttpResponse:
    """Queues, agents and campaigns now; `?tv=1` is the full-screen board."""
    _may_watch(request)
    form = WallboardFilterForm(request.GET, user=request.user)
    snapshot = selectors.floor_snapshot(user=request.user, **form.filters())  # type: ignore[arg-type]
    return render_page(
        request,
        "floor/wallboard.html",
        {"form": form, "snapshot": snapshot, "tv": request.GET.get("tv") == "1"},
        partial="snapshot",
    )


@require_GET
@login_required
def alerts(request: SignedInRequest) -> HttpResponse:
    """The open alerts and today's; `?strip=1` (HTMX) is the strip atop other pages."""
    _may_watch(request)
    return render_page(
        request,
        "floor/alerts.html",
        {
            "open": selectors.alerts_open(user=request.user),
            "history": selectors.alerts_today(user=request.user),
        },
        partial="strip" if request.GET.get("strip") else None,
    )
