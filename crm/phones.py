"""Phone numbers: everything we store is E.164, whatever format a person typed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

# E.164 allows at most 15 digits after the plus sign.
E164_MAX_LENGTH = 16


def normalize_phone(raw: str | None, *, region: str | None = None) -> str:
    """Return `raw` as E.164, reading numbers without a country code in `region`.

    Raises ValidationError with a message a person can act on.
    """
    text = (raw or "").strip()
    if not text:
        raise ValidationError("Enter a phone number.", code="required")
    if len(text) > 40:
        raise ValidationError("That is too long to be a phone number.", code="invalid")
    try:
        parsed = phonenumbers.parse(text, region or settings.PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            "“%(value)s” is not a phone number.", code="invalid", params={"value": text}
        ) from None
    if parsed.extension:
        # Twilio dials the number alone: keeping it would silently lose the extension.
        raise ValidationError(
            "“%(value)s” has an extension; extensions cannot be dialled, so give the number "
            "without it.",
            code="extension",
            params={"value": text},
        )
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            "“%(value)s” is not a valid phone number.", code="invalid", params={"value": text}
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def try_normalize_phone(raw: str) -> str | None:
    """E.164 for `raw` if it is a valid number, else None (for searches, not for input)."""
    try:
        return normalize_phone(raw)
    except ValidationError:
        return None


def format_phone(e164: str) -> str:
    """A stored number as people read it: national format at home, international abroad."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(parsed) == settings.PHONE_REGION:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class PhoneNumberFormField(forms.CharField):
    """Accepts any format a person types; cleans to E.164."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def to_python(self, value: str | None) -> str | None:
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return normalize_phone(value)


class PhoneNumberField(models.CharField):
    """A phone number stored as E.164; forms and admin accept any format."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", E164_MAX_LENGTH)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_length") == E164_MAX_LENGTH:
            del kwargs["max_length"]
        return name, path, args, kwargs

    def clean(self, value: str | None, model_instance: models.Model | None) -> str | None:
        # Normalised in clean(), not to_python(): Django also calls to_python() when it
        # builds queries, where parsing again would cost time and raise on "anonymous".
        if value not in self.empty_values:
            value = normalize_phone(value)
        return super().clean(value, model_instance)

    def formfield(self, **kwargs: Any) -> forms.Field | None:
        # People type spaces and brackets: the form allows more than the stored length.
        return super().formfield(**{"form_class": PhoneNumberFormField, "max_length": 40, **kwargs})
