"""Forms of qa's pages: the automated-QA dashboard's filters."""

from __future__ import annotations

from django import forms

from telephony.models import AgentProfile, Queue


class DashboardFilterForm(forms.Form):
    queue = forms.ModelChoiceField(Queue.objects.order_by("name"), required=False)
    agent = forms.ModelChoiceField(
        AgentProfile.objects.select_related("user").order_by("user__username"), required=False
    )
    since = forms.DateTimeField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Calls since"
    )
