"""qa's pages: a call's page with its recordings (player, pause timeline, automated QA
rule by rule), the media stream every player and download goes through, the supervisors'
report of pauses, the automated-QA dashboard and the agent's own trend on the desk."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from callcenter.http import SignedInRequest
from telephony.desk.selectors import desk_agent

from . import selectors, services
from .autoqa import selectors as autoqa
from .forms import DashboardFilterForm
from .models import RecordingAccess, RecordingMedia
from .streaming import ranged_response
from .surveys import selectors as surveys


def _listener(request: SignedInRequest) -> None:
    if not selectors.may_listen_at_all(request.user):
        raise PermissionDenied("Your role may not listen to recordings.")


@require_GET
@login_required
def call_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    """The call: who, when, whether and why (not) recorded, each recording with a player
    and its pauses on a timeline; its survey's answers and comment, for those who may see
    them."""
    _listener(request)
    call = get_object_or_404(
        selectors.calls_audible_to(request.user).select_related(
            "customer", "queue", "inbound_number"
        ),
        pk=pk,
    )
    recordings = selectors.call_recordings(call=call)
    scores = autoqa.call_scores(call=call) if autoqa.may_see_scores(request.user) else {}
    for recording in recordings:
        recording.auto_qa = scores.get(recording.pk)  # type: ignore[attr-defined]  # for the page
    survey = surveys.call_survey(user=request.user, call=call)
    return render(
        request,
        "qa/call_detail.html",
        {"call": call, "recordings": recordings, "survey": survey},
    )


@require_GET
@login_required
def recording_media(request: SignedInRequest, pk: int) -> HttpResponseBase:
    """The audio, streamed with ranges (seeking), for those who may hear it; every request
    is audited. `?download=1` saves it as a file."""
    _listener(request)
    recording = get_object_or_404(selectors.recordings_audible_to(request.user), pk=pk)
    media = getattr(recording, "media", None)
    if media is None or media.state != RecordingMedia.State.STORED:
        state = media.get_state_display() if media else "not fetched yet"
        raise Http404(f"The recording's media is not available ({state}).")
    download = request.GET.get("download") == "1"
    range_header = request.headers.get("Range", "")
    services.recording_access_record(
        recording=recording,
        user=request.user,
        action=RecordingAccess.Action.DOWNLOAD if download else RecordingAccess.Action.PLAY,
        byte_range=range_header,
    )
    return ranged_response(
        media.file,
        size=media.size_bytes,
        content_type=media.content_type or "audio/wav",
        range_header=range_header,
        filename=f"{recording.sid}.wav" if download else "",
    )


@require_GET
@login_required
def paused_calls(request: SignedInRequest) -> HttpResponse:
    """Supervisors' report: recorded calls with pauses, who paused them and for how long."""
    if not (
        request.user.has_perm(selectors.LISTEN_TEAM) or request.user.has_perm(selectors.LISTEN_ANY)
    ):
        raise PermissionDenied("The report of pauses is for supervisors and QA.")
    return render(
        request,
        "qa/paused_calls.html",
        {"recordings": selectors.paused_recordings(user=request.user)[:200]},
    )


def _score_reader(request: SignedInRequest) -> None:
    if not autoqa.may_see_scores(request.user):
        raise PermissionDenied("Your role may not see automated QA.")


@require_GET
@login_required
def auto_qa_dashboard(request: SignedInRequest) -> HttpResponse:
    """Per-rule hit rates by queue, agent and week, and the flagged calls to review, over
    the calls the user may hear (QA and managers all, supervisors their teams')."""
    _score_reader(request)
    form = DashboardFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    return render(
        request,
        "qa/auto_qa_dashboard.html",
        {"form": form, "dashboard": autoqa.dashboard(user=request.user, **filters)},
    )


@require_GET
@login_required
def auto_qa_desk_panel(request: SignedInRequest) -> HttpResponse:
    """The agent's own automated-QA trend by week, as a panel of their desk."""
    _score_reader(request)
    return render(
        request,
        "qa/_auto_qa_desk_panel.html",
        {"weeks": autoqa.agent_trend(agent=desk_agent(user=request.user))},
    )
