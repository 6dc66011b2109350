"""The wallboard's filters: a team, a queue, a state, and the agents' order."""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import User

from telephony.models import AgentProfile, Queue, Team

from .selectors import AGENT_SORTS, floor_queues


class WallboardFilterForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False)
    queue = forms.ModelChoiceField(queryset=Queue.objects.none(), required=False)
    state = forms.ChoiceField(
        choices=[("", "Any state"), *AgentProfile.State.choices], required=False
    )
    sort = forms.ChoiceField(choices=[(key, key.title()) for key in AGENT_SORTS], required=False)

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        teams = Team.objects.all()
        if not user.has_perm("floor.view_whole_floor"):
            teams = teams.filter(supervisors=user)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["queue"].queryset = floor_queues(user=user)  # type: ignore[attr-defined]

    def filters(self) -> dict[str, object]:
        """What the snapshot is narrowed by (nothing for what was left blank or invalid)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "team": data["team"].pk if data["team"] else None,
            "queue": data["queue"].pk if data["queue"] else None,
            "state": data["state"] or None,
            "sort": data["sort"] or "name",
        }
