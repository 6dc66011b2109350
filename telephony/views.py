"""Agent desktop pages. Each view parses input, calls one service or selector, renders."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from crm.forms import add_service_errors

from . import acd, selectors
from .forms import PresenceForm
from .models import AgentProfile


def _agent(request: HttpRequest) -> AgentProfile:
    agent = AgentProfile.objects.filter(user=request.user).select_related("user").first()
    if agent is None:
        raise PermissionDenied("Only agents with an agent profile have a desktop.")
    return agent


def _render_desk(
    request: HttpRequest, agent: AgentProfile, partial: str | None = None, **extra
) -> HttpResponse:
    context = {**selectors.agent_desk(agent=agent), "presence_form": PresenceForm(), **extra}
    name = f"telephony/desk.html#{partial}" if partial and request.htmx else "telephony/desk.html"
    return render(request, name, context)


@require_GET
@login_required
def desk(request: HttpRequest) -> HttpResponse:
    """The agent's desktop; HTMX asks for one panel at a time when told of a change."""
    panel = request.GET.get("panel")
    return _render_desk(
        request, _agent(request), panel if panel in {"desk-state", "desk-call"} else None
    )


@require_POST
@login_required
def desk_presence(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    form = PresenceForm(request.POST)
    if form.is_valid():
        try:
            agent = acd.agent_set_state(agent=agent, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            form = PresenceForm()
    return _render_desk(request, agent, "desk-state", presence_form=form)
