"""Pages of post-call surveys and FCR: the survey answers of the calls a user may see, and
the last days' contacts that were not resolved first time, with their repeat contacts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from callcenter.http import SignedInRequest

from . import fcr, selectors

PAGE_ROWS = 200


def _scope(request: SignedInRequest) -> selectors.QualityScope:
    scope = selectors.quality_scope(request.user)
    if scope is None:
        raise PermissionDenied("Your role may not see survey answers.")
    return scope


@require_GET
@login_required
def survey_list(request: SignedInRequest) -> HttpResponse:
    """The latest surveys (`?low=1`: satisfaction answered 1 or 2), newest first."""
    _scope(request)
    surveys = selectors.surveys_visible_to(request.user)
    low = request.GET.get("low") == "1"
    if low:
        surveys = surveys.filter(answers__question__position=1, answers__score__lte=2)
    return render(request, "qa/surveys.html", {"surveys": surveys[:PAGE_ROWS], "low": low})


@require_GET
@login_required
def repeat_contacts(request: SignedInRequest) -> HttpResponse:
    """FCR over the last two windows, and each repeated contact with what followed it."""
    scope = _scope(request)
    end = timezone.now()
    outcomes = fcr.contact_outcomes(
        start=end - 2 * fcr.window(),
        end=end,
        where=scope.calls(agent_field="served_by", queue_field="queue"),
    )
    repeated = [o for o in outcomes if o.outcome == fcr.REPEATED]
    return render(
        request,
        "qa/repeat_contacts.html",
        {
            "figures": fcr.fcr_figures(outcomes),
            "repeated": repeated[-PAGE_ROWS:][::-1],
            "window_days": fcr.window().days,
            "definition": fcr.DEFINITION,
            "since": end - 2 * fcr.window(),
        },
    )
