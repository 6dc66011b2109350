"""Forms of the agent desktop."""

from __future__ import annotations

from django import forms

from .models import AgentProfile


class PresenceForm(forms.Form):
    state = forms.ChoiceField(
        choices=[
            (AgentProfile.State.AVAILABLE, "Available"),
            (AgentProfile.State.NOT_READY, "Not ready"),
            (AgentProfile.State.OFFLINE, "Offline"),
        ]
    )
    reason = forms.ChoiceField(
        choices=[("", "Reason…"), *AgentProfile.Reason.choices], required=False
    )
