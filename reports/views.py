"""The reports section: pick a report, range, interval and filters; a table (readable
without JavaScript), charts, CSV and Excel exports, and the calls behind a figure."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET

from callcenter.http import SignedInRequest
from telephony.models import Queue

from . import catalog, exports, outbound, selectors
from .periods import center_zone, period_end
from .runs import report_run


def _chart_data(spec: catalog.Report, rows: list[selectors.Row]) -> dict:
    """Series for the page's charts: one per owner (queue or agent) over the periods."""
    periods = sorted({(row["period_start"], row["period"]) for row in rows})
    owner_name = spec.keys[1][0]
    owners = sorted({row[owner_name] for row in rows})
    by_slot = {(row["period_start"], row[owner_name]): row for row in rows}
    series = {
        key: {
            owner: [by_slot.get((start, owner), {}).get(key) for start, _label in periods]
            for owner in owners
        }
        for key in spec.figures
    }
    # The service-level target line, when the queues shown share one.
    targets = set(
        Queue.objects.filter(name__in=owners).values_list("service_level_percent", flat=True)
    )
    return {
        "labels": [label for _start, label in periods],
        "series": series,
        "target": targets.pop() if len(targets) == 1 else None,
    }


@require_GET
@login_required
def report_page(request: SignedInRequest) -> HttpResponse | StreamingHttpResponse:
    """The report form and, once valid, its table and charts; ?format=csv|xlsx exports."""
    data = request.GET.copy()
    name = data.pop("report", ["queues"])[-1]
    form, result = report_run(data, request.user, name if name in catalog.REPORTS else "")
    export = request.GET.get("format", "")
    if result is not None and export in ("csv", "xlsx"):
        spec, rows = result["spec"], result["rows"]
        filename = f"{name}-{result['start']:%Y%m%d}-{result['interval']}"
        if export == "csv":
            response: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(
                exports.report_csv(spec, rows), content_type="text/csv; charset=utf-8"
            )
        else:
            response = HttpResponse(
                exports.report_xlsx(spec, rows),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f'attachment; filename="{filename}.{export}"'
        return response
    context: dict = {"form": form, "result": result, "query": request.GET.urlencode()}
    if result is not None:
        spec = result["spec"]
        context.update(
            spec=spec,
            definitions=[(key, selectors.KPI_DEFINITIONS[key]) for key in spec.figures],
            table=[
                {
                    "keys": [row[key] for key, _heading in spec.keys],
                    "owner": row[spec.owner],
                    "period_start": row["period_start"],
                    "cells": [(key, row[key]) for key in spec.figures],
                }
                for row in result["rows"]
            ],
            columns=len(spec.keys) + len(spec.figures),
            drillable=set(spec.drillable),
            chart=_chart_data(spec, result["rows"]),
        )
    return render(request, "reports/report.html", context, status=200 if form.is_valid() else 400)


@require_GET
@login_required
def figure_calls(request: SignedInRequest) -> HttpResponse:
    """The calls behind one figure of one row: owner, period start and interval given; a
    queue's or agent's queue entries, a campaign's call attempts."""
    name = request.GET.get("report", "")
    figure = request.GET.get("figure", "")
    interval = request.GET.get("interval", "")
    spec = catalog.REPORTS.get(name)
    start = parse_datetime(request.GET.get("period_start", ""))
    owner = request.GET.get("owner", "")
    if spec is None or figure not in spec.drillable or start is None or not owner.isdigit():
        raise Http404
    if interval not in ("15m", "30m", "hour", "day", "week", "month"):
        raise Http404
    scope = selectors.report_scope(request.user)
    owner_id = int(owner)
    allowed = None if scope is None else getattr(scope, f"{spec.owner}_ids")
    if scope is None or (allowed is not None and owner_id not in allowed):
        raise PermissionDenied("These figures are not yours to see.")
    end: datetime = period_end(start, interval, center_zone())
    context = {
        "figure": selectors.KPI_DEFINITIONS[figure],
        "start": start,
        "end": end,
        "back": request.GET.get("back", ""),
    }
    if spec.owner == "campaign":
        context["attempts"] = outbound.figure_attempts(
            figure=figure, campaign_id=owner_id, start=start, end=end
        )
        return render(request, "reports/figure_attempts.html", context)
    context["entries"] = selectors.figure_entries(
        figure=figure, owner=spec.owner, owner_id=owner_id, start=start, end=end
    )
    return render(request, "reports/figure_calls.html", context)
