"""Forms of the agent pages. They parse and validate input; crm.services writes."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from callcenter import roles

from .models import Case, Customer, PhoneNumber
from .phones import PhoneNumberFormField
from .services import CUSTOMER_FIELDS, user_display


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = [f for f in CUSTOMER_FIELDS if f != "account_number"]
        widgets = {"name": forms.TextInput(attrs={"autofocus": True})}


class CustomerCreateForm(CustomerForm):
    """A new customer, usually with the number they are calling from."""

    account_number = forms.CharField(
        required=False, max_length=32, help_text="Leave blank to generate one."
    )
    phone_number = PhoneNumberFormField(required=False, help_text="Any format.")
    phone_label = forms.ChoiceField(choices=PhoneNumber.Label.choices, required=False)

    class Meta(CustomerForm.Meta):
        fields = ["account_number", *CustomerForm.Meta.fields]

    def clean_account_number(self) -> str:
        return self.cleaned_data["account_number"].strip().upper()


class PhoneNumberForm(forms.Form):
    number = PhoneNumberFormField(
        widget=forms.TextInput(attrs={"placeholder": "Phone, any format", "type": "tel"})
    )
    label = forms.ChoiceField(choices=PhoneNumber.Label.choices)
    is_primary = forms.BooleanField(required=False, label="Primary")


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Note",
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Add a note to the timeline"}),
    )


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class CaseForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = ["subject", "description", "category", "priority", "due_at"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "due_at": DateTimeLocalInput(),
        }


class CaseTransitionForm(forms.Form):
    status = forms.ChoiceField(choices=Case.Status.choices)
    resolution = forms.CharField(
        required=False,
        max_length=10_000,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": "Resolution (needed to resolve or close)"}
        ),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            (status, Case.Status(status).label) for status in case.allowed_transitions()
        ]


class _ColleagueChoiceField(forms.ModelChoiceField):
    """Colleagues by name, as histories and the rest of the pages show them."""

    def label_from_instance(self, obj: User) -> str:
        return user_display(obj)


class CaseAssignForm(forms.Form):
    owner = _ColleagueChoiceField(
        queryset=get_user_model()
        .objects.filter(is_active=True, groups__name__in=(roles.AGENT, roles.SUPERVISOR))
        .distinct()
        .order_by("first_name", "last_name", "username"),
        required=False,
        empty_label="Nobody",
    )


class CaseFilterForm(forms.Form):
    SCOPES = [("mine", "My cases"), ("unassigned", "Unassigned"), ("all", "All cases")]
    STATUSES = [("active", "Active"), ("", "Any status"), *Case.Status.choices]

    scope = forms.ChoiceField(choices=SCOPES, required=False)
    status = forms.ChoiceField(choices=STATUSES, required=False)
    priority = forms.TypedChoiceField(
        choices=[("", "Any priority"), *Case.Priority.choices],
        coerce=int,
        required=False,
        empty_value="",
    )
    category = forms.ChoiceField(
        choices=[("", "Any category"), *Case.Category.choices], required=False
    )

    def filters(self) -> dict:
        """The valid filters; a missing or invalid one falls back to its default."""
        self.is_valid()
        data = self.cleaned_data
        # An absent status means the default view (active cases); an empty one means any.
        status = data["status"] if "status" in data and "status" in self.data else "active"
        return {
            "scope": data.get("scope") or "mine",
            "status": status,
            "priority": data.get("priority") or "",
            "category": data.get("category") or "",
        }
