"""Running a report request: validated, narrowed to what the user may see."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict

from . import catalog, selectors
from .forms import ReportForm
from .periods import center_zone


def report_run(
    data: QueryDict, user: User | AnonymousUser, report: str
) -> tuple[ReportForm, dict[str, Any] | None]:
    """Validate a report request and run it for `user` (None while the form has errors)."""
    if report not in catalog.REPORTS:
        raise Http404
    scope = selectors.report_scope(user)
    if scope is None:
        raise PermissionDenied
    data = data.copy()
    data["report"] = report
    form = ReportForm(data)
    if not form.is_valid():
        return form, None
    cleaned = form.cleaned_data
    spec = catalog.REPORTS[report]
    request = catalog.Request(
        start=cleaned["start"],
        end=cleaned["end"],
        interval=cleaned["interval"],
        filters={name: list(cleaned.get(name) or []) for name in spec.filters},
    )
    return form, {
        "report": report,
        "start": request.start,
        "end": request.end,
        "interval": request.interval,
        "time_zone": center_zone().key,
        "figures": [{"key": key, **vars(selectors.KPI_DEFINITIONS[key])} for key in spec.figures],
        "rows": spec.run(request, scope),
        "spec": spec,
    }
