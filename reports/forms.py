"""What a report request may say (the page's form and the API's query string alike):
the report, the range in the call center's time zone, the interval and the filters."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from callcenter.api import RangeCheckedMultipleChoiceField
from campaigns.models import Campaign, LeadImport
from telephony.models import AgentProfile, InboundNumber, Queue, Team

from .catalog import REPORTS
from .periods import INTERVALS, MAX_SPAN_DAYS, center_zone, local_moment

# Query-string keys that are not filters: the export format, the page's HTMX marker.
_NOT_FILTERS = {"format"}


class LocalMomentField(forms.CharField):
    """A date (YYYY-MM-DD) or a local date-time (YYYY-MM-DDTHH:MM) in the center's zone."""

    def to_python(self, value: object) -> date | datetime | None:  # type: ignore[override]
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        moment = parse_datetime(text) if "T" in text or " " in text else parse_date(text)
        if moment is None:
            raise forms.ValidationError("Give a date (YYYY-MM-DD) or a date and time.")
        return moment


def _choices(queryset: QuerySet) -> RangeCheckedMultipleChoiceField:
    # django-filter's field takes Django's ModelMultipleChoiceField arguments (untyped there).
    return RangeCheckedMultipleChoiceField(queryset=queryset, required=False)  # type: ignore[call-arg]


class ReportForm(forms.Form):
    # Read when the form is built: apps above reports register theirs as they start.
    report = forms.ChoiceField(choices=lambda: [(name, r.label) for name, r in REPORTS.items()])
    from_ = LocalMomentField(label="From", required=False, help_text="A date or date-time.")
    to = LocalMomentField(required=False, help_text="A date (the whole day) or date-time.")
    interval = forms.ChoiceField(choices=list(INTERVALS.items()), initial="day", required=False)
    queue = _choices(Queue.objects.all())
    team = _choices(Team.objects.all())
    agent = _choices(AgentProfile.objects.select_related("user"))
    campaign = _choices(Campaign.objects.all())
    line = _choices(InboundNumber.objects.all())
    lead_list = _choices(LeadImport.objects.select_related("campaign"))

    unknown: list[str]

    def add_prefix(self, field_name: str) -> str:
        # `from` is a Python keyword: the field is from_, the query string says from.
        return "from" if field_name == "from_" else super().add_prefix(field_name)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        known = {self.add_prefix(name) for name in self.fields} | _NOT_FILTERS
        self.unknown = sorted(key for key in self.data if key not in known)
        for key in self.unknown:
            self.add_error(None, f"Unknown filter “{key}”.")
        report = REPORTS.get(cleaned.get("report", ""))
        if report is not None:
            for name in ("queue", "team", "agent", "campaign", "line", "lead_list"):
                if cleaned.get(name) and name not in report.filters:
                    self.add_error(name, f"The {report.label.lower()} report has no {name} filter.")
        zone = center_zone()
        today = timezone.localdate()
        bounds = {}
        for name, end in (("from_", False), ("to", True)):
            value = cleaned.get(name) or today
            try:
                bounds[name] = local_moment(value, zone, end=end)
            except ValueError as gap:
                self.add_error(name, str(gap))
        if len(bounds) < 2:
            return cleaned
        start, stop = bounds["from_"], bounds["to"]
        interval = cleaned.get("interval") or "day"
        cleaned["interval"] = interval
        if stop <= start:
            self.add_error("to", "Must come after From.")
        elif stop - start > timedelta(days=MAX_SPAN_DAYS.get(interval, 31)):
            self.add_error(
                "to",
                f"At most {MAX_SPAN_DAYS[interval]} days by {INTERVALS[interval].lower()}: "
                "choose a shorter range or a longer interval.",
            )
        cleaned["start"], cleaned["end"] = start, stop
        return cleaned

    def api_errors(self) -> dict[str, list[str]]:
        """The errors as the API gives them: by query-string name."""
        errors = {
            self.add_prefix(key): [str(m) for m in messages]
            for key, messages in self.errors.items()
        }
        errors.update({key: ["Unknown filter."] for key in getattr(self, "unknown", [])})
        general = errors.pop("__all__", [])
        if general and not self.unknown:
            errors["non_field_errors"] = general
        return errors
