"""Planning forms: which queue and day to look at, a manager's override, the what-if
calculator, a schedule request."""

from __future__ import annotations

from datetime import date
from typing import cast

from django import forms
from django.http import QueryDict
from django.utils import timezone

from telephony.models import AgentProfile, Queue

from . import selectors
from .models import Schedule, ScheduleRequest, Shift


class StaffingFilterForm(forms.Form):
    queue = forms.ModelChoiceField(queryset=Queue.objects.order_by("name"), required=False)
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def chosen(self) -> tuple[Queue | None, date]:
        """The queue (the first one when none is chosen) and the day (today)."""
        data = self.cleaned_data if self.is_valid() else {}
        queue = data.get("queue") or Queue.objects.order_by("name").first()
        return queue, data.get("day") or timezone.localdate()


class ForecastForm(forms.Form):
    queue = forms.ModelChoiceField(queryset=Queue.objects.all())


class OverrideForm(forms.Form):
    queue = forms.ModelChoiceField(queryset=Queue.objects.all(), widget=forms.HiddenInput)
    interval_start = forms.DateTimeField(widget=forms.HiddenInput)
    calls = forms.FloatField(min_value=0, max_value=100_000, required=False)
    aht_seconds = forms.FloatField(min_value=1, max_value=7200, required=False, label="AHT (s)")
    note = forms.CharField(max_length=200, required=False)


class WhatIfForm(forms.Form):
    """Change calls, AHT, target and shrinkage; see agents, SL, ASA and occupancy."""

    calls = forms.FloatField(min_value=0, max_value=100_000, initial=100)
    interval_minutes = forms.TypedChoiceField(
        choices=[(15, "15 min"), (30, "30 min"), (60, "60 min")], coerce=int, initial=30
    )
    aht_seconds = forms.FloatField(
        min_value=1,
        max_value=7200,
        initial=180,
        label="AHT (s)",
        error_messages={"min_value": "A call takes at least a second to handle."},
    )
    target_percent = forms.FloatField(
        min_value=1,
        max_value=99.9,
        initial=80,
        label="Target (%)",
        error_messages={"max_value": "No staffing answers every call in time: aim below 100%%."},
    )
    threshold_seconds = forms.FloatField(min_value=0, max_value=3600, initial=20, label="In (s)")
    occupancy_cap_percent = forms.FloatField(
        min_value=10, max_value=100, initial=100, label="Occupancy cap (%)"
    )
    shrinkage_percent = forms.FloatField(
        min_value=0, max_value=90, initial=30, label="Shrinkage (%)"
    )
    patience_seconds = forms.FloatField(
        min_value=1,
        max_value=7200,
        required=False,
        label="Patience (s)",
        help_text="Callers' mean time to abandon: Erlang A. Empty: Erlang C.",
    )


class GenerateForm(forms.Form):
    week_start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Week of")


class ScheduleRequestForm(forms.Form):
    """Time off on one of my shifts, or a swap with a colleague's shift that day."""

    shift = forms.ModelChoiceField(queryset=Shift.objects.none())
    kind = forms.ChoiceField(choices=ScheduleRequest.Kind.choices)
    swap_with = forms.ModelChoiceField(queryset=Shift.objects.none(), required=False)
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args: object, agent_id: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        published = Shift.objects.filter(schedule__status=Schedule.Status.PUBLISHED)
        self.fields["shift"].queryset = published.filter(agent_id=agent_id)  # type: ignore[attr-defined]
        self.fields["swap_with"].queryset = published.exclude(agent_id=agent_id)  # type: ignore[attr-defined]


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        choices=[("1", "Approve"), ("0", "Decline")], coerce=lambda v: v == "1"
    )


class _ShiftField(forms.ModelChoiceField):
    """A shift of one schedule, typed by its number (as the grid shows it): a page of a
    week's shifts stays small with no list of them in each form."""

    widget = forms.NumberInput(attrs={"min": 1})
    default_error_messages = {"invalid_choice": "No shift #%(value)s in this schedule."}


class _ScheduleEditForm(forms.Form):
    """An edit of one schedule's shifts; `ids` keeps the move and swap forms' field ids
    apart on the page (their field names are what the grid's script posts)."""

    ids = ""

    def __init__(self, data: QueryDict | None = None, *, schedule: Schedule) -> None:
        super().__init__(data, auto_id=f"{self.ids}-%s")
        for field in self.fields.values():
            if isinstance(field, _ShiftField):
                field.queryset = schedule.shifts.all()


class ShiftMoveForm(_ScheduleEditForm):
    """A hand edit of a draft shift: another start (in its template's window), another
    day of the week, or another agent."""

    shift = _ShiftField(queryset=Shift.objects.none(), label="Shift #")
    day = forms.TypedChoiceField(coerce=date.fromisoformat, choices=())
    start = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time", "step": 900}))
    agent = forms.ModelChoiceField(
        queryset=AgentProfile.objects.select_related("user").order_by("user__username"),
        required=False,
        empty_label="The same agent",
        label="To agent",
    )

    ids = "move"

    def __init__(self, data: QueryDict | None = None, *, schedule: Schedule) -> None:
        super().__init__(data, schedule=schedule)
        day_field = cast(forms.TypedChoiceField, self.fields["day"])
        day_field.choices = [
            (day.isoformat(), f"{day:%a %d %b}") for day in selectors.week_days(schedule)
        ]
        day_field.error_messages["invalid_choice"] = (
            f"Choose a day of the week of {schedule.week_start:%d %b}."
        )


class ShiftSwapForm(_ScheduleEditForm):
    """Two agents exchange their shifts, both picked by number from the grid."""

    ids = "swap"

    shift = _ShiftField(queryset=Shift.objects.none(), label="Shift #")
    other = _ShiftField(queryset=Shift.objects.none(), label="With shift #")
