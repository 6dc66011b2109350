"""Campaign pages. Each view parses input, calls one service or selector, renders."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from telephony.models import AgentProfile

from .dialer import selectors as dialer_selectors
from .dialer import services as dialer
from .models import Lead


def _agent(request: HttpRequest) -> AgentProfile:
    agent = AgentProfile.objects.filter(user=request.user).first()
    if agent is None:
        raise PermissionDenied("Only agents with an agent profile have a desktop.")
    return agent


def _desk_panel(request: HttpRequest, agent: AgentProfile, error: str = "") -> HttpResponse:
    context = {**dialer_selectors.desk_panel(agent=agent), "error": error}
    return render(request, "campaigns/desk_panel.html", context)


@require_GET
@login_required
def desk_panel(request: HttpRequest) -> HttpResponse:
    """The campaign part of the agent's desk: the lead and script, or the next preview."""
    return _desk_panel(request, _agent(request))


@require_POST
@login_required
def desk_preview(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Dial or skip the previewed lead."""
    agent = _agent(request)
    lead = get_object_or_404(Lead.objects.select_related("campaign"), pk=lead_id)
    action = dialer.preview_dial if request.POST.get("action") == "dial" else dialer.preview_skip
    try:
        action(agent=agent, lead=lead)
    except ValidationError as error:
        return _desk_panel(request, agent, error=" ".join(error.messages))
    return _desk_panel(request, agent)
