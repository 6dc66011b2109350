"""Pages of post-call surveys and FCR: the survey answers of the calls a user may see (and
their spoken comments, streamed), and the last days' contacts that were not resolved
first time, with their repeat contacts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from callcenter.http import SignedInRequest

from .. import services as media
from ..models import RecordingAccess, RecordingMedia
from ..streaming import ranged_response
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
def survey_comment_media(request: SignedInRequest, pk: int) -> HttpResponseBase:
    """A survey's spoken comment, streamed with ranges, for those who may hear the call;
    every request is audited as recordings' are."""
    _scope(request)
    survey = get_object_or_404(selectors.comments_audible_to(request.user), pk=pk)
    if survey.comment_state != RecordingMedia.State.STORED:
        raise Http404("The comment's audio is not available.")
    range_header = request.headers.get("Range", "")
    media.recording_access_record(
        survey=survey,
        user=request.user,
        action=RecordingAccess.Action.PLAY,
        byte_range=range_header,
    )
    return ranged_response(
        survey.comment_file,
        size=survey.comment_size_bytes,
        content_type="audio/wav",
        range_header=range_header,
    )


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
