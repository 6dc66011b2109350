"""The wallboard's filters (a team, a queue, a state, the agents' order) and its actions'
forms: monitoring a call, an agent's state, a waiting caller sent to an agent, a note."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone

from crm.phones import PhoneNumberFormField
from telephony.desk.forms import PresenceForm
from telephony.models import AgentProfile, DeskMessage, Queue, QueueEntry, Team

from .actions import MONITOR_REQUEST_MODES
from .selectors import AGENT_SORTS, floor_agents, floor_queues


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


class AgentForm(forms.Form):
    """An action on one of the agents the user sees on the wallboard."""

    agent = forms.ModelChoiceField(queryset=AgentProfile.objects.none(), empty_label="Agent…")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agents = floor_agents(user=user).select_related("user")
        cast(forms.ModelChoiceField, self.fields["agent"]).queryset = agents


class MonitorForm(AgentForm):
    """Listen to, whisper on or barge into the agent's call, or leave it; rung at a phone
    number, or at the browser's softphone when it is left blank."""

    mode = forms.ChoiceField(choices=MONITOR_REQUEST_MODES)
    phone_number = PhoneNumberFormField(
        required=False, label="Ring me at", help_text="Blank: your browser's softphone."
    )


class AgentStateForm(AgentForm):
    """Move an agent to a state (not ready with a reason), or log them out (offline)."""

    state = forms.ChoiceField(choices=PresenceForm.CHOOSABLE)
    reason = forms.ChoiceField(
        choices=[("", "Reason…"), *AgentProfile.Reason.choices], required=False
    )


class DeskNoteForm(AgentForm):
    body = forms.CharField(max_length=DeskMessage._meta.get_field("body").max_length, label="Note")


class WaitingCallerField(forms.ModelChoiceField):
    """A caller in line, shown by queue, who they are and since when they wait."""

    def label_from_instance(self, obj: QueueEntry) -> str:
        who = obj.customer.name if obj.customer else (obj.call.from_number if obj.call else "")
        since = timezone.localtime(obj.waiting_since)
        return f"{obj.queue.name}: {who or 'caller'} since {since:%H:%M:%S}"


class CallerSendForm(AgentForm):
    """Take a caller waiting in one of the user's queues to one of their agents."""

    entry = WaitingCallerField(queryset=QueueEntry.objects.none(), empty_label="Caller…")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        waiting = QueueEntry.objects.filter(
            status=QueueEntry.Status.WAITING, queue__in=floor_queues(user=user)
        ).select_related("queue", "customer", "call")
        entry = cast(forms.ModelChoiceField, self.fields["entry"])
        entry.queryset = waiting.order_by("waiting_since", "id")
