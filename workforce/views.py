"""The planning pages: forecast and staffing per queue and day, with accuracy, overrides
and the what-if calculator."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from callcenter.http import SignedInRequest
from callcenter.pages import Submission, render_page, submit
from reports.periods import center_zone
from telephony.desk.selectors import desk_agent
from telephony.models import AgentProfile

from . import adherence, selectors, services
from .forecast import NotEnoughHistory
from .forms import (
    DecideForm,
    ForecastForm,
    GenerateForm,
    OverrideForm,
    ScheduleRequestForm,
    ShiftMoveForm,
    ShiftSwapForm,
    StaffingFilterForm,
    WhatIfForm,
)
from .models import Schedule, ScheduleRequest, Shift

PLAN = "workforce.plan_workforce"
SEE_SCHEDULES = "workforce.view_schedule"
DECIDE = "workforce.decide_requests"


def _may_plan(request: SignedInRequest) -> None:
    if not request.user.has_perm(PLAN):
        raise PermissionDenied("Planning is for workforce managers.")


def _back_to(queue_pk: str, day: str = "") -> str:
    query = urlencode({"queue": queue_pk, "day": day} if day else {"queue": queue_pk})
    return f"{reverse('workforce:staffing')}?{query}"


@require_GET
@login_required
def staffing_page(request: SignedInRequest) -> HttpResponse:
    """A queue's day: forecast, overrides, agents required and rostered; accuracy."""
    _may_plan(request)
    form = StaffingFilterForm(request.GET)
    queue, day = form.chosen()
    context: dict = {"form": form, "queue": queue, "day": day, "what_if": WhatIfForm()}
    if queue is not None:
        rows = selectors.staffing_day(queue=queue, day=day)
        context.update(
            rows=[r for r in rows if r.calls or r.forecast_calls or r.override or r.outbound],
            rules=selectors.staffing_rules(queue=queue),
            span=selectors.forecast_span(queue=queue),
            problems=sorted({row.problem for row in rows if row.problem}),
            override_form=OverrideForm(initial={"queue": queue}),
        )
        if day == timezone.localdate():
            today = selectors.intraday(queue=queue, day=day, now=timezone.now())
            context["intraday"] = today
            context["intraday_rows"] = [r for r in today.rows if r.forecast_calls or r.actual_calls]
        try:
            context["accuracy"] = selectors.forecast_accuracy(queue=queue, today=day)
        except NotEnoughHistory as error:
            context["accuracy_problem"] = str(error)
    return render_page(request, "workforce/staffing.html", context)


@require_POST
@login_required
def forecast_refresh(request: SignedInRequest) -> HttpResponse:
    """Re-forecast a queue from its history (the overrides stay)."""
    _may_plan(request)
    form = ForecastForm(request.POST)
    done = submit(form, lambda data: services.forecast_refresh(queue=data["queue"]))
    if done:
        made = done.result
        messages.success(request, f"{made.queue}: {made.days} days forecast ({made.method}).")
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect(_back_to(request.POST.get("queue", "")))


@require_POST
@login_required
def override_set(request: SignedInRequest) -> HttpResponse:
    """Set (or, with no calls given, clear) a manager's figure for one interval."""
    _may_plan(request)
    form = OverrideForm(request.POST)

    def apply(data: dict) -> None:
        if data["calls"] is None:
            services.forecast_override_clear(
                queue=data["queue"], interval_start=data["interval_start"]
            )
            return
        services.forecast_override_set(
            queue=data["queue"],
            interval_start=data["interval_start"],
            calls=data["calls"],
            aht_seconds=data["aht_seconds"],
            note=data["note"],
            user=request.user,
        )

    if submit(form, apply):
        messages.success(request, "Override saved.")
    else:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{field}: {error}" if field != "__all__" else str(error))
    moment = form.cleaned_data.get("interval_start") if hasattr(form, "cleaned_data") else None
    return redirect(_back_to(request.POST.get("queue", ""), str(moment.date()) if moment else ""))


@require_POST
@login_required
def what_if(request: SignedInRequest) -> HttpResponse:
    """The calculator's answer (its HTMX partial), or its form with the errors."""
    _may_plan(request)
    form = WhatIfForm(request.POST)
    done = submit(form, lambda data: selectors.what_if(**data))
    context = {"what_if": form, "answer": done.result if done else None}
    response = render_page(request, "workforce/staffing.html", context, partial="what_if")
    if not done and not request.htmx:
        response.status_code = 400
    return response


def _flash_errors(request: SignedInRequest, form: forms.BaseForm) -> None:
    for field, errors in form.errors.items():
        for error in errors:
            messages.error(request, str(error) if field == "__all__" else f"{field}: {error}")


@require_GET
@login_required
def schedule_page(request: SignedInRequest) -> HttpResponse:
    """A week's schedule: coverage against the requirement per queue, a day's shifts as a
    grid (edited by dragging on a draft), the requests waiting; generate and publish."""
    user = request.user
    if not (user.has_perm(PLAN) or user.has_perm(SEE_SCHEDULES)):
        raise PermissionDenied("Schedules are for supervisors and workforce managers.")
    schedules = list(Schedule.objects.all()[:12])
    chosen = next((s for s in schedules if str(s.pk) == request.GET.get("schedule")), None)
    chosen = chosen or (schedules[0] if schedules else None)
    context = _schedule_context(request, chosen, day=request.GET.get("day", ""))
    context["schedules"] = schedules
    return render_page(request, "workforce/schedules.html", context, partial="schedule")


def _may_edit(request: SignedInRequest) -> None:
    if not (request.user.has_perm(PLAN) or request.user.has_perm(DECIDE)):
        raise PermissionDenied("Schedules are edited by supervisors and workforce managers.")


def _shown_day(schedule: Schedule, asked: str) -> date:
    """The day of the week the grid shows: the one asked for, else the week's first."""
    week = selectors.week_days(schedule)
    try:
        day = date.fromisoformat(asked)
    except ValueError:
        return week[0]
    return day if day in week else week[0]


def _schedule_context(
    request: SignedInRequest,
    chosen: Schedule | None,
    *,
    day: str,
    move: ShiftMoveForm | None = None,
    swap: ShiftSwapForm | None = None,
    refused: forms.Form | None = None,
) -> dict:
    """The chosen schedule's coverage and the grid of one day, with the edit forms when it
    is a draft and the user may edit; `refused` is the edit whose errors are shown."""
    user = request.user
    # The refused edit's shift (when it named one of the schedule's) is marked where it stayed.
    refused_shift = refused.cleaned_data.get("shift") if refused is not None else None
    context: dict = {
        "schedule": chosen,
        "generate_form": GenerateForm(),
        "requests": selectors.pending_requests() if user.has_perm(DECIDE) else [],
        "refused": refused,
        "refused_shift": refused_shift.pk if refused_shift else None,
    }
    if chosen is not None:
        context["week"] = selectors.week_days(chosen)
        coverage = selectors.schedule_coverage(schedule=chosen)
        context["coverage"] = coverage
        context["grid"] = selectors.schedule_day_grid(
            schedule=chosen, day=_shown_day(chosen, day), coverage=coverage
        )
        context["editable"] = chosen.status == Schedule.Status.DRAFT and (
            user.has_perm(PLAN) or user.has_perm(DECIDE)
        )
        if context["editable"]:
            context["move_form"] = move or ShiftMoveForm(schedule=chosen)
            context["swap_form"] = swap or ShiftSwapForm(schedule=chosen)
    return context


def _edited(
    request: SignedInRequest,
    schedule: Schedule,
    form: ShiftMoveForm | ShiftSwapForm,
    done: Submission,
    day: str,
) -> HttpResponse:
    """After a hand edit: the schedule section again (HTMX) with the coverage recomputed,
    or the page; a refused edit answers 400 with its form's errors, the shifts unchanged."""
    if done.ok and not request.htmx:
        messages.success(request, "Shift updated: coverage recomputed.")
        query = urlencode({"schedule": str(schedule.pk), "day": day})
        return redirect(f"{reverse('workforce:schedules')}?{query}")
    refused = None if done.ok else form
    # A refused form comes back as it was filled in.
    context = _schedule_context(
        request,
        schedule,
        day=day,
        refused=refused,
        move=form if refused and isinstance(form, ShiftMoveForm) else None,
        swap=form if refused and isinstance(form, ShiftSwapForm) else None,
    )
    context["schedules"] = list(Schedule.objects.all()[:12])
    context["edited"] = done.ok
    response = render_page(request, "workforce/schedules.html", context, partial="schedule")
    if refused:
        response.status_code = 400
    return response


def _edited_day(shift: Shift | None, fallback: str) -> str:
    """The day the grid shows after an edit: the (first) shift's, as it now stands."""
    if shift is None:
        return fallback
    shift.refresh_from_db(fields=["start"])
    return shift.start.astimezone(center_zone()).date().isoformat()


@require_POST
@login_required
def shift_move(request: SignedInRequest, pk: int) -> HttpResponse:
    """Move a draft shift to another start in its template's window, another day of the
    week, or another agent."""
    _may_edit(request)
    schedule = get_object_or_404(Schedule, pk=pk)
    form = ShiftMoveForm(request.POST, schedule=schedule)
    done = submit(
        form,
        lambda data: services.shift_move(
            shift=data["shift"],
            day=data["day"],
            start=data["start"],
            agent=data["agent"] or data["shift"].agent,
        ),
    )
    day = _edited_day(form.cleaned_data.get("shift"), request.POST.get("day", ""))
    return _edited(request, schedule, form, done, day)


@require_POST
@login_required
def shift_swap(request: SignedInRequest, pk: int) -> HttpResponse:
    """Two agents of a draft exchange their shifts."""
    _may_edit(request)
    schedule = get_object_or_404(Schedule, pk=pk)
    form = ShiftSwapForm(request.POST, schedule=schedule)
    done = submit(form, lambda data: services.shift_swap(shift=data["shift"], other=data["other"]))
    day = _edited_day(form.cleaned_data.get("shift"), request.POST.get("day", ""))
    return _edited(request, schedule, form, done, day)


@require_POST
@login_required
def schedule_generate(request: SignedInRequest) -> HttpResponse:
    """Generate (or regenerate) a week's draft schedule."""
    _may_plan(request)
    form = GenerateForm(request.POST)
    done = submit(form, lambda data: services.schedule_generate(week_start=data["week_start"]))
    if not done:
        _flash_errors(request, form)
        return redirect("workforce:schedules")
    messages.success(
        request, f"Schedule for the {done.result} generated ({done.result.solver_status})."
    )
    return redirect(f"{reverse('workforce:schedules')}?schedule={done.result.pk}")


@require_POST
@login_required
def schedule_publish(request: SignedInRequest, pk: int) -> HttpResponse:
    _may_plan(request)
    schedule = get_object_or_404(Schedule, pk=pk)
    form = forms.Form(request.POST)
    if submit(form, lambda _data: services.schedule_publish(schedule=schedule)):
        messages.success(request, f"Schedule for the {schedule} published.")
    else:
        _flash_errors(request, form)
    return redirect(f"{reverse('workforce:schedules')}?schedule={schedule.pk}")


@require_POST
@login_required
def request_decide(request: SignedInRequest, pk: int) -> HttpResponse:
    """A supervisor approves or declines an agent's request."""
    if not request.user.has_perm(DECIDE):
        raise PermissionDenied("Requests are decided by supervisors.")
    asked = get_object_or_404(ScheduleRequest, pk=pk)
    form = DecideForm(request.POST)
    done = submit(
        form,
        lambda data: services.schedule_request_decide(
            request=asked, approve=data["approve"], user=request.user
        ),
    )
    if done:
        messages.success(request, f"Request {done.result.get_status_display().lower()}.")
    else:
        _flash_errors(request, form)
    return redirect("workforce:schedules")


def _desk_context(agent_id: int, form: ScheduleRequestForm | None = None) -> dict:
    today = timezone.localdate()
    return {
        "shifts": selectors.agent_shifts(agent_id=agent_id, since=today),
        "my_requests": ScheduleRequest.objects.filter(agent_id=agent_id)[:10],
        "request_form": form or ScheduleRequestForm(agent_id=agent_id),
    }


@require_GET
@login_required
def desk_schedule(request: SignedInRequest) -> HttpResponse:
    """The agent's published shifts and requests, as a panel of their desk."""
    agent = desk_agent(user=request.user)
    return render(request, "workforce/_desk_schedule.html", _desk_context(agent.pk))


@require_POST
@login_required
def request_create(request: SignedInRequest) -> HttpResponse:
    """An agent asks for time off or a swap; the panel comes back with the outcome."""
    agent = desk_agent(user=request.user)
    form = ScheduleRequestForm(request.POST, agent_id=agent.pk)
    done = submit(
        form,
        lambda data: services.schedule_request_create(
            agent=agent,
            shift=data["shift"],
            kind=data["kind"],
            swap_with=data["swap_with"],
            note=data["note"],
        ),
    )
    context = _desk_context(agent.pk, None if done else form)
    response = render(request, "workforce/_desk_schedule.html", context)
    if not done and not request.htmx:
        response.status_code = 400
    return response


@require_GET
@login_required
def adherence_page(request: SignedInRequest) -> HttpResponse:
    """Adherence and conformance per agent and team over a day, and who is out now."""
    user = request.user
    if not (user.has_perm(PLAN) or user.has_perm(SEE_SCHEDULES)):
        raise PermissionDenied("Adherence is for supervisors and workforce managers.")
    form = StaffingFilterForm(request.GET)
    _queue, day = form.chosen()
    rows = adherence.agents_adherence(
        agents=AgentProfile.objects.select_related("user"), first=day, last=day
    )
    context = {
        "form": form,
        "day": day,
        "rows": rows,
        "teams": adherence.teams_adherence(rows=rows),
        "out_now": adherence.out_of_adherence_now(),
        "tolerance_minutes": int(adherence.DEFAULT_TOLERANCE.total_seconds() // 60),
    }
    return render_page(request, "workforce/adherence.html", context)
