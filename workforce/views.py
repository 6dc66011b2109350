"""The planning pages: forecast and staffing per queue and day, with accuracy, overrides
and the what-if calculator."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from callcenter.http import SignedInRequest
from callcenter.pages import render_page, submit

from . import selectors, services
from .forecast import NotEnoughHistory
from .forms import ForecastForm, OverrideForm, StaffingFilterForm, WhatIfForm

PLAN = "workforce.plan_workforce"


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
            rows=[row for row in rows if row.calls or row.forecast_calls or row.override],
            rules=selectors.staffing_rules(queue=queue),
            span=selectors.forecast_span(queue=queue),
            problems=sorted({row.problem for row in rows if row.problem}),
            override_form=OverrideForm(initial={"queue": queue}),
        )
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
