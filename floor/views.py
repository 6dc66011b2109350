"""The wallboard page and its TV mode, the alerts page and the alerts strip on supervisors'
other pages; each re-fetches what it shows when told. The actions panel posts to one view
per action, each a thin adapter around floor.actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from callcenter.http import SignedInRequest
from callcenter.pages import render_page, submit
from telephony.desk import softphone
from telephony.models import MonitoringSession
from telephony.monitoring.services import supervisor_identity

from . import actions, selectors
from .forms import (
    AgentForm,
    AgentStateForm,
    CallerSendForm,
    DeskNoteForm,
    MonitorForm,
    WallboardFilterForm,
)

ACTION_FORMS: dict[str, type[AgentForm]] = {
    "monitor_form": MonitorForm,
    "state_form": AgentStateForm,
    "log_out_form": AgentForm,
    "caller_form": CallerSendForm,
    "note_form": DeskNoteForm,
}

MONITOR_DONE = {
    MonitoringSession.Mode.LISTEN: "Listening to",
    MonitoringSession.Mode.WHISPER: "Whispering on",
    MonitoringSession.Mode.BARGE: "Barged into",
    actions.LEAVE: "Left",
}


def _may_watch(request: SignedInRequest) -> None:
    user = request.user
    if not (user.has_perm(selectors.WALLBOARD) or user.has_perm(selectors.WHOLE_FLOOR)):
        raise PermissionDenied("The wallboard is for supervisors and managers.")


def _render(
    request: SignedInRequest,
    partial: str,
    *,
    done: str = "",
    bound: dict[str, AgentForm] | None = None,
) -> HttpResponse:
    form = WallboardFilterForm(request.GET, user=request.user)
    context: dict[str, Any] = {
        "form": form,
        "tv": request.GET.get("tv") == "1",
        "done": done,
        "softphone": softphone.mode(),
    }
    if not (request.htmx and partial == "actions"):  # the actions panel alone needs none
        context["snapshot"] = selectors.floor_snapshot(user=request.user, **form.filters())  # type: ignore[arg-type]
    context |= {
        "monitoring": MonitoringSession.objects.filter(
            supervisor=request.user, ended_at=None
        ).select_related("agent__user"),
    }
    for name, form_class in ACTION_FORMS.items():
        context[name] = (bound or {}).get(name) or form_class(user=request.user)
    return render_page(request, "floor/wallboard.html", context, partial=partial)


@require_GET
@login_required
def wallboard(request: SignedInRequest) -> HttpResponse:
    """Queues, agents and campaigns now; `?tv=1` is the full-screen board."""
    _may_watch(request)
    return _render(request, "snapshot")


def _act(
    request: SignedInRequest,
    name: str,
    operation: Callable[[dict[str, Any]], object],
    done: Callable[[dict[str, Any]], str],
) -> HttpResponse:
    """Submit the actions panel's form `name` to `operation`; the panel comes back with
    what was done, or the form's errors."""
    _may_watch(request)
    form = ACTION_FORMS[name](request.POST, user=request.user)
    if submit(form, operation):
        return _render(request, "actions", done=done(form.cleaned_data))
    return _render(request, "actions", bound={name: form})


@require_POST
@login_required
def floor_monitor(request: SignedInRequest) -> HttpResponse:
    """Listen to, whisper on, barge into or leave an agent's call."""
    return _act(
        request,
        "monitor_form",
        lambda data: actions.call_monitor(
            user=request.user,
            agent=data["agent"],
            mode=data["mode"],
            phone_number=data["phone_number"] or "",
        ),
        lambda data: f"{MONITOR_DONE[data['mode']]} {data['agent']}'s call.",
    )


@require_POST
@login_required
def floor_agent_state(request: SignedInRequest) -> HttpResponse:
    """Change an agent's state (with a reason), or log them out."""
    return _act(
        request,
        "state_form",
        lambda data: actions.agent_state_force(
            user=request.user, agent=data["agent"], state=data["state"], reason=data["reason"]
        ),
        lambda data: f"{data['agent']}'s state changed.",
    )


@require_POST
@login_required
def floor_agent_log_out(request: SignedInRequest) -> HttpResponse:
    """Log an agent out of the ACD."""
    return _act(
        request,
        "log_out_form",
        lambda data: actions.agent_log_out(user=request.user, agent=data["agent"]),
        lambda data: f"{data['agent']} is logged out.",
    )


@require_POST
@login_required
def floor_caller_send(request: SignedInRequest) -> HttpResponse:
    """Take a waiting caller out of the queue to a chosen agent."""
    return _act(
        request,
        "caller_form",
        lambda data: actions.caller_send(
            user=request.user, entry=data["entry"], agent=data["agent"]
        ),
        lambda data: f"Ringing {data['agent']} for the caller.",
    )


@require_POST
@login_required
def floor_desk_note(request: SignedInRequest) -> HttpResponse:
    """Send a note to an agent's desk."""
    return _act(
        request,
        "note_form",
        lambda data: actions.desk_note_send(
            user=request.user, agent=data["agent"], body=data["body"]
        ),
        lambda data: f"Note sent to {data['agent']}.",
    )


@require_GET
@login_required
def floor_softphone_token(request: SignedInRequest) -> JsonResponse:
    """A Voice access token for the supervisor's browser softphone (Twilio mode): the
    wallboard's listen, whisper and barge ring it."""
    _may_watch(request)
    identity = supervisor_identity(request.user)
    try:
        token = softphone.access_token(identity)
    except ImproperlyConfigured as error:
        return JsonResponse({"detail": str(error)}, status=503)
    return JsonResponse({"identity": identity, "token": token})


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
