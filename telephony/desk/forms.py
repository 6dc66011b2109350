"""Forms of the agent desktop."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from crm import demo as crm_demo
from crm.forms import DateTimeLocalInput
from crm.models import Case, Customer
from crm.phones import PhoneNumberFormField

from ..models import AgentProfile, Disposition, InboundNumber, Queue, QueueEntry


def _choice(form: forms.Form, name: str) -> forms.ModelChoiceField:
    """A model choice field of `form`, whose choices are narrowed per request."""
    # form.fields holds them as plain Fields; these are declared ModelChoiceFields above.
    return cast(forms.ModelChoiceField, form.fields[name])


class PresenceForm(forms.Form):
    """The states an agent picks; it opens on the agent's own state so it never contradicts it."""

    CHOOSABLE = (
        (AgentProfile.State.AVAILABLE, "Available"),
        (AgentProfile.State.NOT_READY, "Not ready"),
        (AgentProfile.State.OFFLINE, "Offline"),
    )

    state = forms.ChoiceField(choices=CHOOSABLE)
    reason = forms.ChoiceField(
        choices=[("", "Reason…"), *AgentProfile.Reason.choices], required=False
    )

    def __init__(self, *args: Any, agent: AgentProfile, **kwargs: Any) -> None:
        if agent.state in dict(self.CHOOSABLE):
            kwargs.setdefault("initial", {"state": agent.state, "reason": agent.reason})
        super().__init__(*args, **kwargs)
        if agent.state not in dict(self.CHOOSABLE):
            # Ringing, on a call or in wrap-up is not picked here: the selector asks for a
            # choice instead of showing "Available" beside a badge that says otherwise.
            cast(forms.ChoiceField, self.fields["state"]).choices = [
                ("", "Change to…"),
                *self.CHOOSABLE,
            ]


class WrapUpForm(forms.Form):
    """After-call work; the queue's dispositions, the customer's open cases."""

    disposition = forms.ModelChoiceField(queryset=Disposition.objects.none())
    notes = forms.CharField(
        required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    case_subject = forms.CharField(
        required=False, max_length=200, label="Open a new case", help_text="Subject."
    )
    case = forms.ModelChoiceField(
        queryset=Case.objects.none(), required=False, label="Update a case"
    )
    case_status = forms.ChoiceField(choices=[("", "Status…"), *Case.Status.choices], required=False)
    case_resolution = forms.CharField(required=False, max_length=10_000)
    callback_at = forms.DateTimeField(
        required=False, label="Schedule a callback", widget=DateTimeLocalInput()
    )
    sms_text = forms.CharField(
        required=False,
        max_length=320,
        label="Text the customer",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    next_state = forms.ChoiceField(
        choices=[
            (AgentProfile.State.AVAILABLE, "Available"),
            (AgentProfile.State.NOT_READY, "Not ready"),
        ],
        label="Then",
    )
    reason = forms.ChoiceField(
        choices=[("", "Reason…"), *AgentProfile.Reason.choices], required=False
    )

    def __init__(
        self, *args: Any, entry: QueueEntry, customer: Customer | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        dispositions = entry.queue.dispositions.all()
        _choice(self, "disposition").queryset = (
            dispositions if dispositions.exists() else Disposition.objects.all()
        )
        if customer is not None:
            _choice(self, "case").queryset = customer.cases.filter(status__in=Case.OPEN_STATUSES)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("case_status") and not cleaned.get("case"):
            self.add_error("case", "Choose the case to update.")
        return cleaned


class DevPhoneForm(forms.Form):
    caller = PhoneNumberFormField(initial=crm_demo.DEMO_CALLER, help_text="Call as this number.")
    line = forms.ModelChoiceField(queryset=InboundNumber.objects.none(), empty_label=None)

    def __init__(self, *args: Any, lines: QuerySet[InboundNumber], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "line").queryset = lines


class CallerQuickCreateForm(forms.Form):
    """An unknown caller, made a customer from the screen-pop."""

    name = forms.CharField(max_length=200)
    phone = PhoneNumberFormField(label="Phone")
    email = forms.EmailField(required=False)


class CallNotesForm(forms.Form):
    notes = forms.CharField(
        required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 3})
    )


class OfferForm(forms.Form):
    """Accept or reject the call ringing on the desk."""

    action = forms.ChoiceField(choices=[("accept", "Accept"), ("reject", "Reject")])


class CallControlForm(forms.Form):
    """The controls of the call in hand: hold, mute, hang up, and transfers.

    `transfer` is cold (to a colleague, a number or a queue); `consult` starts a warm
    transfer (to a colleague or a number), which `complete` hands over or `cancel` drops.
    """

    ACTIONS = ("hold", "resume", "mute", "unmute", "hangup", "pause_recording", "resume_recording")
    TRANSFERS = ("transfer", "consult", "complete", "cancel")

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS + TRANSFERS])
    to_agent = forms.ModelChoiceField(
        queryset=AgentProfile.objects.filter(state=AgentProfile.State.AVAILABLE),
        required=False,
        label="Transfer to colleague",
        empty_label="Colleague…",
    )
    to_number = PhoneNumberFormField(required=False, label="Transfer to number")
    to_queue = forms.ModelChoiceField(
        queryset=Queue.objects.all(),
        required=False,
        label="Transfer to queue",
        empty_label="Queue…",
    )

    def __init__(self, *args: Any, agent: AgentProfile | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if agent is not None:
            to_agent = _choice(self, "to_agent")
            if to_agent.queryset is not None:  # declared with one above
                to_agent.queryset = to_agent.queryset.exclude(pk=agent.pk)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        targets = [name for name in ("to_agent", "to_number", "to_queue") if cleaned.get(name)]
        action = cleaned.get("action")
        if action == "transfer" and len(targets) != 1:
            raise forms.ValidationError("Choose one colleague, number or queue to transfer to.")
        if action == "consult" and (len(targets) != 1 or targets == ["to_queue"]):
            raise forms.ValidationError("Choose one colleague or number to talk to first.")
        return cleaned
