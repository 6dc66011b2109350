"""Agent desktop and dev phone pages. Each view parses input, calls one service, renders."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from callcenter.http import SignedInRequest
from callcenter.pages import render_page, submit

from ..acd import controls
from ..acd.presence import agent_set_state
from ..acd.wrap_up import wrap_up_submit
from ..models import AgentProfile, InboundNumber
from ..simulator import SimulatorControl, SimulatorControlError
from . import selectors, services, softphone
from .forms import (
    CallControlForm,
    CallerQuickCreateForm,
    CallNotesForm,
    DevPhoneForm,
    OfferForm,
    PresenceForm,
    WrapUpForm,
)
from .panels import desk_panels


def _agent(request: SignedInRequest) -> AgentProfile:
    return selectors.desk_agent(user=request.user)


def _render_desk(
    request: SignedInRequest, agent: AgentProfile, partial: str | None = None, **extra: forms.Form
) -> HttpResponse:
    context = {
        **selectors.agent_desk(agent=agent),
        "presence_form": PresenceForm(agent=agent),
        "control_form": CallControlForm(agent=agent),
        "softphone": softphone.mode(),
        "panels": desk_panels(),
    }
    if context["entry"] is not None and context["customer"] is None and context["call"]:
        context["caller_form"] = CallerQuickCreateForm(
            initial={"phone": context["call"].from_number}
        )
    if context["agent"].state == AgentProfile.State.WRAP_UP and context["entry"] is not None:
        context["wrap_up_form"] = WrapUpForm(
            entry=context["entry"],
            customer=context["customer"],
            initial={"notes": context["entry"].notes},
        )
    context.update(extra)
    return render_page(request, "telephony/desk.html", context, partial=partial)


@require_GET
@login_required
def desk(request: SignedInRequest) -> HttpResponse:
    """The agent's desktop; HTMX asks for one panel at a time when told of a change."""
    panel = request.GET.get("panel")
    return _render_desk(
        request, _agent(request), panel if panel in {"desk-state", "desk-call"} else None
    )


@require_POST
@login_required
def desk_presence(request: SignedInRequest) -> HttpResponse:
    agent = _agent(request)
    form = PresenceForm(request.POST, agent=agent)
    if submit(form, lambda data: agent_set_state(agent=agent, **data)):
        agent.refresh_from_db()
        form = PresenceForm(agent=agent)
    return _render_desk(request, agent, "desk-state", presence_form=form)


@require_POST
@login_required
def desk_wrap_up(request: SignedInRequest) -> HttpResponse:
    """Submit after-call work; errors come back on the form, nothing half-saved."""
    desk_now = selectors.agent_desk(agent=_agent(request))
    agent, entry = desk_now["agent"], desk_now["entry"]
    if agent.state != AgentProfile.State.WRAP_UP or entry is None:
        return _render_desk(request, agent, "desk-call")
    form = WrapUpForm(request.POST, entry=entry, customer=desk_now["customer"])
    if submit(form, lambda data: wrap_up_submit(agent=agent, entry=entry, **data)):
        agent.refresh_from_db()
        return _render_desk(request, agent, "desk-call")
    return _render_desk(request, agent, "desk-call", wrap_up_form=form)


@require_POST
@login_required
def desk_offer(request: SignedInRequest) -> HttpResponse:
    """Accept (simulator mode; with Twilio the browser's softphone answers) or reject."""
    agent = _agent(request)
    form = OfferForm(request.POST)
    submit(
        form,
        lambda data: (
            services.offer_accept if data["action"] == "accept" else services.offer_reject
        )(agent=agent),
    )
    return _render_desk(request, agent, "desk-call", offer_form=form)


@require_POST
@login_required
def desk_caller_create(request: SignedInRequest) -> HttpResponse:
    """Quick-create the unknown caller on the screen-pop as a customer."""
    agent = _agent(request)
    if not request.user.has_perm("crm.add_customer"):
        raise PermissionDenied
    form = CallerQuickCreateForm(request.POST)
    if submit(form, lambda data: services.caller_quick_create(agent=agent, **data)):
        return _render_desk(request, agent, "desk-call")
    return _render_desk(request, agent, "desk-call", caller_form=form)


@require_POST
@login_required
def desk_call_notes(request: SignedInRequest) -> HttpResponse:
    """Save in-call notes as the agent types (the panel itself is not re-rendered)."""
    agent = _agent(request)
    form = CallNotesForm(request.POST)
    if not form.is_valid():
        return HttpResponse(form.errors["notes"].as_text(), status=400)
    try:
        controls.call_notes_save(agent=agent, notes=form.cleaned_data["notes"])
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=400)
    return HttpResponse("Saved.")


CALL_CONTROLS = {
    "hold": lambda agent, data: controls.call_hold(agent=agent, on=True),
    "resume": lambda agent, data: controls.call_hold(agent=agent, on=False),
    "mute": lambda agent, data: controls.call_mute(agent=agent, on=True),
    "unmute": lambda agent, data: controls.call_mute(agent=agent, on=False),
    "hangup": lambda agent, data: controls.call_hang_up(agent=agent),
    "pause_recording": lambda agent, data: controls.call_recording_pause(agent=agent, on=True),
    "resume_recording": lambda agent, data: controls.call_recording_pause(agent=agent, on=False),
    "transfer": lambda agent, data: controls.call_transfer(
        agent=agent,
        to_agent=data["to_agent"],
        to_number=data["to_number"] or "",
        to_queue=data["to_queue"],
    ),
    "consult": lambda agent, data: controls.call_consult(
        agent=agent, to_agent=data["to_agent"], to_number=data["to_number"] or ""
    ),
    "complete": lambda agent, data: controls.consult_complete(agent=agent),
    "cancel": lambda agent, data: controls.consult_cancel(agent=agent),
}


@require_POST
@login_required
def desk_call_control(request: SignedInRequest) -> HttpResponse:
    """Hold, mute, hang up or transfer the call in hand."""
    agent = _agent(request)
    form = CallControlForm(request.POST, agent=agent)
    if submit(form, lambda data: CALL_CONTROLS[data["action"]](agent, data)):
        form = CallControlForm(agent=agent)
    return _render_desk(request, agent, "desk-call", control_form=form)


@require_GET
@login_required
def softphone_token(request: SignedInRequest) -> JsonResponse:
    """A Voice access token for the agent's browser softphone (Twilio mode)."""
    agent = _agent(request)
    try:
        token = softphone.access_token(agent.client_identity)
    except ImproperlyConfigured as error:
        return JsonResponse({"detail": str(error)}, status=503)
    return JsonResponse({"identity": agent.client_identity, "token": token})


# --- Dev phone (staff, simulator mode) --------------------------------------------------


def _staff(request: SignedInRequest) -> None:
    if not request.user.is_staff:
        raise PermissionDenied("The dev phone is for staff.")


def _dev_phone(request: SignedInRequest, **context: Any) -> HttpResponse:
    lines = InboundNumber.objects.order_by("number")
    return render_page(
        request,
        "telephony/dev_phone.html",
        {
            "form": context.pop("form", None) or DevPhoneForm(lines=lines),
            "simulated": settings.TWILIO_SIMULATED,
            "keys": "123456789*0#",
            **context,
        },
        partial="phone-call" if "call" in context else None,
    )


def _control() -> SimulatorControl:
    return SimulatorControl(settings.SIMULATOR_URL)


@require_GET
@login_required
def dev_phone(request: SignedInRequest) -> HttpResponse:
    """Call our numbers from the browser through the simulator: hear, key, trace."""
    _staff(request)
    sid = request.GET.get("call", "")
    if not sid:
        return _dev_phone(request)
    try:
        return _dev_phone(request, call=_control().call(sid))
    except SimulatorControlError as error:
        return _dev_phone(request, error=str(error))


@require_POST
@login_required
def dev_phone_dial(request: SignedInRequest) -> HttpResponse:
    _staff(request)
    form = DevPhoneForm(request.POST, lines=InboundNumber.objects.all())
    if not form.is_valid():
        return _dev_phone(request, form=form)
    try:
        call = _control().start_call(
            from_=form.cleaned_data["caller"], to=form.cleaned_data["line"].number
        )
    except SimulatorControlError as error:
        return _dev_phone(request, form=form, error=str(error))
    return _dev_phone(request, form=form, call=call)


@require_POST
@login_required
def dev_phone_action(request: SignedInRequest, sid: str) -> HttpResponse:
    """Press keys, say words or hang up on a dev-phone call."""
    _staff(request)
    control = _control()
    try:
        if "hangup" in request.POST:
            call = control.hang_up(sid)
        elif request.POST.get("speech", "").strip():
            call = control.speak(sid, request.POST["speech"].strip()[:200])
        else:
            digits = "".join(c for c in request.POST.get("digits", "") if c in "0123456789*#")
            call = control.press(sid, digits[:32]) if digits else control.call(sid)
    except SimulatorControlError as error:
        return _dev_phone(request, error=str(error))
    return _dev_phone(request, call=call)
