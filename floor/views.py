"""The wallboard page and its TV mode; the page re-fetches its snapshot when told."""

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
