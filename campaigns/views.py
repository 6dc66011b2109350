"""Supervisor pages of campaigns: the list, a campaign's controls and live figures, and
lead imports (upload, column mapping, progress, result).

The agent's desk also loads a campaign panel from here: the lead on the line with the
script, or the next preview lead to dial or skip.

Each view parses input, calls one service or selector, renders; HTMX requests get the
named partial of the same template.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from callcenter.http import SignedInRequest
from callcenter.pages import render_page, submit
from crm import selectors as crm_selectors
from telephony.desk.selectors import desk_agent
from telephony.models import AgentProfile

from . import api, selectors, services
from .dialer import selectors as dialer_selectors
from .dialer import services as dialer
from .forms import ControlForm, LeadMappingForm, LeadUploadForm
from .models import Campaign, Lead, LeadImport

SUPERVISE = selectors.SUPERVISE


LEADS_PER_PAGE = 25


def _may_see_campaigns(request: SignedInRequest) -> None:
    """Supervisors see every campaign; agents see theirs, read-only."""
    if not (request.user.has_perm(SUPERVISE) or hasattr(request.user, "agent_profile")):
        raise PermissionDenied(
            "Campaign pages are for supervisors and the agents who work on campaigns."
        )


def _campaign(request: SignedInRequest, pk: int) -> Campaign:
    _may_see_campaigns(request)
    return get_object_or_404(selectors.campaigns_visible_to(request.user), pk=pk)


def _campaign_context(campaign: Campaign, **extra: object) -> dict:
    return {
        "campaign": campaign,
        "window_notice": dialer_selectors.calling_window_notice(campaign=campaign),
        "counters": selectors.campaign_counters(campaign=campaign),
        "dnc_warning": crm_selectors.national_dnc_warning(),
        "skills_warning": selectors.agents_skills_warning(campaign),
        "controls": _controls(campaign),
        "imports": campaign.imports.all()[:10],
        **extra,
    }


def _controls(campaign: Campaign) -> list[str]:
    """The buttons that make sense from the campaign's status ("resume" only when paused)."""
    hidden = "start" if campaign.status == Campaign.Status.PAUSED else "resume"
    allowed = campaign.allowed_transitions()
    return [v for v, status in services.CONTROLS.items() if v != hidden and status in allowed]


@require_GET
@login_required
def campaign_list(request: SignedInRequest) -> HttpResponse:
    _may_see_campaigns(request)
    campaigns = selectors.campaigns_visible_to(request.user)
    return render(
        request,
        "campaigns/campaign_list.html",
        {"campaigns": campaigns, "dnc_warning": crm_selectors.national_dnc_warning()},
    )


@require_GET
@login_required
def campaign_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    leads = Paginator(
        selectors.leads_visible_to(request.user, campaign=campaign).order_by("id"),
        LEADS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(
        request, "campaigns/campaign_detail.html", _campaign_context(campaign, leads=leads)
    )


@require_GET
@login_required
def campaign_counters(request: SignedInRequest, pk: int) -> HttpResponse:
    """The live figures alone; the page polls this."""
    campaign = _campaign(request, pk)
    return render(
        request,
        "campaigns/campaign_detail.html#counters",
        {"campaign": campaign, "counters": selectors.campaign_counters(campaign=campaign)},
    )


@require_POST
@login_required
@permission_required("campaigns.control_campaign", raise_exception=True)
def campaign_control(request: SignedInRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    form = ControlForm(request.POST)
    moved = submit(
        form,
        lambda data: services.campaign_transition(
            campaign=campaign, status=services.CONTROLS[data["action"]], by=request.user
        ),
    )
    if moved:
        campaign = moved.result
    if not request.htmx:
        for errors in form.errors.values():
            messages.error(request, " ".join(str(message) for message in errors))
        return redirect(campaign)
    return render(
        request,
        "campaigns/campaign_detail.html#campaign-panel",
        _campaign_context(campaign, control_form=form),
    )


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("campaigns.add_leadimport", raise_exception=True)
def lead_import_upload(request: SignedInRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    form = LeadUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and (
        uploaded := submit(
            form,
            lambda data: services.lead_import_create(
                campaign=campaign, file=data["file"], by=request.user
            ),
        )
    ):
        return redirect(uploaded.result)
    return render(
        request, "campaigns/lead_import_upload.html", {"campaign": campaign, "form": form}
    )


def _lead_import(request: SignedInRequest, pk: int) -> LeadImport:
    lead_import = get_object_or_404(LeadImport.objects.select_related("campaign"), pk=pk)
    _campaign(request, lead_import.campaign_id)
    return lead_import


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("campaigns.view_leadimport", raise_exception=True)
def lead_import_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    """Mapping step while the file waits for one, then progress, then the result."""
    lead_import = _lead_import(request, pk)
    form = None
    if lead_import.status == LeadImport.Status.PENDING and not lead_import.mapping:
        try:
            columns = services.lead_import_columns(lead_import=lead_import)
        except (OSError, ValidationError):
            columns = []  # the stored file is gone; the page says so
        form = LeadMappingForm(request.POST or None, columns=columns)
        if request.method == "POST":
            if not request.user.has_perm("campaigns.add_leadimport"):
                return HttpResponse(status=403)
            mapping_form = form
            started = submit(
                mapping_form,
                lambda data: services.lead_import_start(
                    lead_import=lead_import,
                    mapping=mapping_form.mapping(),
                    default_time_zone=data["default_time_zone"],
                ),
            )
            if started:
                return redirect(started.result)
    return render_page(
        request,
        "campaigns/lead_import_detail.html",
        {"lead_import": lead_import, "form": form},
        partial="import-progress",
    )


@require_GET
@login_required
@permission_required("campaigns.view_leadimport", raise_exception=True)
def lead_import_report(request: SignedInRequest, pk: int) -> StreamingHttpResponse:
    return api.report_response(_lead_import(request, pk))


# --- The agent's desk: campaign panel and preview dialing ------------------------------


def _desk_panel(request: SignedInRequest, agent: AgentProfile, error: str = "") -> HttpResponse:
    context = {**dialer_selectors.desk_panel(agent=agent), "error": error}
    return render(request, "campaigns/desk_panel.html", context)


@require_GET
@login_required
def desk_panel(request: SignedInRequest) -> HttpResponse:
    """The campaign part of the agent's desk: the lead and script, or the next preview."""
    return _desk_panel(request, desk_agent(user=request.user))


@require_POST
@login_required
def desk_preview(request: SignedInRequest, lead_id: int) -> HttpResponse:
    """Dial or skip the previewed lead."""
    agent = desk_agent(user=request.user)
    lead = get_object_or_404(Lead.objects.select_related("campaign"), pk=lead_id)
    action = dialer.preview_dial if request.POST.get("action") == "dial" else dialer.preview_skip
    try:
        action(agent=agent, lead=lead)
    except ValidationError as error:
        return _desk_panel(request, agent, error=" ".join(error.messages))
    return _desk_panel(request, agent)
