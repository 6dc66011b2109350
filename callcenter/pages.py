"""What every app's page views share: a page or its HTMX partial, and a form submitted to a
service whose refusals come back as the form's errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render

from .http import SignedInRequest

T = TypeVar("T")


def render_page(
    request: SignedInRequest,
    template: str,
    context: Mapping[str, Any],
    *,
    partial: str | None = None,
) -> HttpResponse:
    """The whole page, or only its `partial` for an HTMX request (django-template-partials)."""
    name = f"{template}#{partial}" if partial and request.htmx else template
    return render(request, name, context)


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its fields where the form has them."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@dataclass(frozen=True)
class Submission(Generic[T]):
    """How a submitted form fared: `ok` (also its truth), and what the service returned."""

    ok: bool
    returned: T | None = None

    def __bool__(self) -> bool:
        return self.ok

    @property
    def result(self) -> T:
        """What the service returned; only a submission that went through has one."""
        if not self.ok:
            raise ValueError("The form was refused: the service returned nothing.")
        return cast(T, self.returned)


def submit(form: forms.BaseForm, operation: Callable[[dict[str, Any]], T]) -> Submission[T]:
    """Run the service `operation(cleaned_data)` for a valid form; what it refuses comes
    back as errors on the form (nothing is half-saved: services are transactions)."""
    if not form.is_valid():
        return Submission(ok=False)
    try:
        return Submission(ok=True, returned=operation(form.cleaned_data))
    except ValidationError as error:
        add_service_errors(form, error)
        return Submission(ok=False)
