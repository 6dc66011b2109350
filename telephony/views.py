"""Agent desktop and dev phone pages. Each view parses input, calls one service, renders."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from crm.forms import add_service_errors

from . import acd, offers, selectors, services
from .forms import CallControlForm, DevPhoneForm, PresenceForm, WrapUpForm
from .models import AgentProfile, InboundNumber
from .simulator import SimulatorControl, SimulatorControlError


def _agent(request: HttpRequest) -> AgentProfile:
    agent = AgentProfile.objects.filter(user=request.user).select_related("user").first()
    if agent is None:
        raise PermissionDenied("Only agents with an agent profile have a desktop.")
    return agent


def _render_desk(
    request: HttpRequest, agent: AgentProfile, partial: str | None = None, **extra
) -> HttpResponse:
    context = {
        **selectors.agent_desk(agent=agent),
        "presence_form": PresenceForm(),
        "control_form": CallControlForm(),
    }
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
            if agent.state == AgentProfile.State.AVAILABLE:
                offers.schedule_routing()
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


@require_POST
@login_required
def desk_call_control(request: HttpRequest) -> HttpResponse:
    """Hold, resume, mute, unmute or transfer the call in hand."""
    agent = _agent(request)
    form = CallControlForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        action = data["action"]
        try:
            if action in ("hold", "resume"):
                offers.call_hold(agent=agent, on=action == "hold")
            elif action in ("mute", "unmute"):
                offers.call_mute(agent=agent, on=action == "mute")
            else:
                offers.call_transfer(
                    agent=agent, to_number=data["to_number"] or "", to_queue=data["to_queue"]
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            form = CallControlForm()
    return _render_desk(request, agent, "desk-call", control_form=form)


# --- Dev phone (staff, simulator mode) --------------------------------------------------


def _staff(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise PermissionDenied("The dev phone is for staff.")


def _dev_phone(request: HttpRequest, **context) -> HttpResponse:
    partial = "phone-call" if request.htmx and "call" in context else None
    name = f"telephony/dev_phone.html#{partial}" if partial else "telephony/dev_phone.html"
    lines = InboundNumber.objects.order_by("number")
    return render(
        request,
        name,
        {
            "form": context.pop("form", None) or DevPhoneForm(lines=lines),
            "simulated": settings.TWILIO_SIMULATED,
            "keys": "123456789*0#",
            **context,
        },
    )


def _control() -> SimulatorControl:
    return SimulatorControl(settings.SIMULATOR_URL)


@require_GET
@login_required
def dev_phone(request: HttpRequest) -> HttpResponse:
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
def dev_phone_dial(request: HttpRequest) -> HttpResponse:
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
def dev_phone_action(request: HttpRequest, sid: str) -> HttpResponse:
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
