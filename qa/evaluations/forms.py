"""Forms of the evaluation pages: the scorecard itself (one field per question), comments,
disputes and their review, calibration and coaching."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet

from telephony.models import AgentProfile, Call

from ..models import ScorecardQuestion

NA = "na"


def question_choices(question: ScorecardQuestion) -> list[tuple[str, str]]:
    if question.kind == ScorecardQuestion.Kind.YES_NO:
        choices = [("1", "Yes"), ("0", "No")]
    else:
        choices = [(str(v), str(v)) for v in range(question.lowest, question.highest + 1)]
    return [*choices, *([(NA, "N/A")] if question.allow_na else [])]


class ScorecardForm(forms.Form):
    """One radio field per question (`q<id>`); blank is unanswered, which only a draft
    may leave. The service checks the answers again and names the question it refuses."""

    def __init__(self, *args: Any, questions: list[ScorecardQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"q{question.pk}"] = forms.ChoiceField(
                label=question.text,
                choices=question_choices(question),
                required=False,
                widget=forms.RadioSelect,
                help_text=question.guidance,
            )

    def answers(self) -> dict[int, int | None]:
        given = {}
        for question in self.questions:
            value = self.cleaned_data.get(f"q{question.pk}")
            if value:
                given[question.pk] = None if value == NA else int(value)
        return given

    def rows(self) -> list[tuple[ScorecardQuestion, forms.BoundField]]:
        return [(question, self[f"q{question.pk}"]) for question in self.questions]


def initial_answers(answers: dict[int, int | None]) -> dict[str, str]:
    return {f"q{pk}": NA if value is None else str(value) for pk, value in answers.items()}


class CommentForm(forms.Form):
    at = forms.RegexField(
        regex=r"^\d{1,3}:[0-5]\d$",
        required=False,
        label="At (m:ss)",
        error_messages={"invalid": "Give the moment as m:ss, e.g. 1:05."},
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Comment")

    def at_ms(self) -> int | None:
        at = self.cleaned_data.get("at")
        if not at:
            return None
        minutes, seconds = at.split(":")
        return (int(minutes) * 60 + int(seconds)) * 1000


class DisputeForm(forms.Form):
    question = forms.TypedChoiceField(coerce=int, label="Question")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, questions: list[ScorecardQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["question"].choices = [(q.pk, q.text) for q in questions]  # type: ignore[attr-defined]


class DisputeReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("uphold", "Uphold"), ("reject", "Reject")])
    value = forms.CharField(required=False, label="Corrected answer")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, question: ScorecardQuestion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["value"] = forms.ChoiceField(
            choices=[("", "—"), *question_choices(question)],
            required=False,
            label="Corrected answer",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "uphold" and not data.get("value"):
            self.add_error("value", "Upholding needs the corrected answer.")
        return data

    def corrected(self) -> int | None:
        value = self.cleaned_data.get("value")
        return None if value in ("", NA, None) else int(value)


class CallPickForm(forms.Form):
    agent = forms.ModelChoiceField(
        AgentProfile.objects.select_related("user").order_by("user__username"), required=False
    )
    since = forms.DateTimeField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Calls since"
    )
    number = forms.CharField(required=False, max_length=30, label="Phone number")


class CalibrationForm(forms.Form):
    analysts = forms.ModelMultipleChoiceField(
        User.objects.filter(groups__permissions__codename="score_call").distinct(),
        widget=forms.CheckboxSelectMultiple,
    )


class CoachingForm(forms.Form):
    goals = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    due_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Due date")


class CallsCoachingForm(CoachingForm):
    """A session on a set of the agent's calls (`calls`: those the coach may hear)."""

    calls = forms.ModelMultipleChoiceField(Call.objects.none(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, calls: QuerySet[Call], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["calls"].queryset = calls  # type: ignore[attr-defined]
