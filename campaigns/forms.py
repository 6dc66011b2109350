"""Forms of the supervisor pages: campaign controls, lead upload and column mapping."""

from __future__ import annotations

from typing import Any

from django import forms

from crm.models import validate_time_zone

from . import importing, services


class ControlForm(forms.Form):
    action = forms.ChoiceField(choices=[(verb, verb.title()) for verb in services.CONTROLS])


class LeadUploadForm(forms.Form):
    file = forms.FileField(help_text="CSV or Excel (.xlsx); the first row names the columns.")


class LeadMappingForm(forms.Form):
    """One choice per column of the file: which lead field it holds, if any."""

    default_time_zone = forms.CharField(
        required=False,
        validators=[validate_time_zone],
        help_text="For numbers whose time zone the numbering plan does not tell, e.g. "
        "America/Chicago.",
    )

    def __init__(self, *args: Any, columns: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.columns = columns
        guessed = importing.guess_mapping(columns)
        choices = [("", "Keep in the lead's data"), *importing.FIELDS.items()]
        for i, column in enumerate(columns):
            self.fields[f"column_{i}"] = forms.ChoiceField(
                label=column, choices=choices, required=False, initial=guessed.get(column, "")
            )
        self.order_fields([*(f"column_{i}" for i in range(len(columns))), "default_time_zone"])

    def mapping(self) -> dict[str, str]:
        return {
            column: self.cleaned_data[f"column_{i}"]
            for i, column in enumerate(self.columns)
            if self.cleaned_data.get(f"column_{i}")
        }
