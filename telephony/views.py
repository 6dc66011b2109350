"""Agent desktop pages. Each view parses input, calls one service or selector, renders."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from crm.forms import add_service_errors

from . import acd, selectors, services
from .forms import PresenceForm, WrapUpForm
from .models import AgentProfile


def _agent(request: HttpRequest) -> AgentProfile:
    agent = AgentProfile.objects.filter(user=request.user).select_related("user").first()
    if agent is None:
        raise PermissionDenied("Only agents with an agent profile have a desktop.")
    return agent


def _render_desk(
    request: HttpRequest, agent: AgentProfile, partial: str | None = None, **extra
) -> HttpResponse:
    context = {**selectors.agent_desk(agent=agent), "presence_form": PresenceForm()}
    if agent.state == AgentProfile.State.WRAP_UP and context["entry"] is not None:
        context["wrap_up_form"] = WrapUpForm(entry=context["entry"], customer=context["customer"])
    context.update(extra)
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


@require_POST
@login_required
def desk_wrap_up(request: HttpRequest) -> HttpResponse:
    """Submit after-call work; errors come back on the form, nothing half-saved."""
    agent = _agent(request)
    desk_now = selectors.agent_desk(agent=agent)
    entry = desk_now["entry"]
    if agent.state != AgentProfile.State.WRAP_UP or entry is None:
        return _render_desk(request, agent, "desk-call")
    form = WrapUpForm(request.POST, entry=entry, customer=desk_now["customer"])
    if form.is_valid():
        try:
            services.wrap_up_submit(agent=agent, entry=entry, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            agent.refresh_from_db()
            return _render_desk(request, agent, "desk-call")
    return _render_desk(request, agent, "desk-call", wrap_up_form=form)
