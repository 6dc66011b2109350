"""What the OpenAPI schema says of every endpoint beyond its own serializers: the error
answers DRF and the project's exception handler give."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# A ValidationError's shape: field names (or non_field_errors) to messages, nested as the
# input was (a list of messages, or an object for a nested serializer's fields).
_FIELD_ERRORS = {
    "type": "object",
    "description": "Messages by field name; `non_field_errors` for the input as a whole.",
    "additionalProperties": {},
}


def _answer(description: str, schema: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the 400, 403, 404 and 429 answers of each
    operation (400 where it takes input, 404 where it names a row or pages a list)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorDetail"] = _DETAIL
    schemas["FieldErrors"] = _FIELD_ERRORS
    for path, item in result.get("paths", {}).items():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            query = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
            if query or "requestBody" in operation:
                responses.setdefault("400", _answer("Invalid input", "FieldErrors"))
            responses.setdefault("403", _answer("Not signed in, or not allowed", "ErrorDetail"))
            if "{" in path or any(p["name"] == "page" for p in query):
                responses.setdefault("404", _answer("No such row, or page", "ErrorDetail"))
            responses.setdefault("429", _answer("Too many requests", "ErrorDetail"))
    return result


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$",
        "example": "09:00:00",
    }
)
class LocalTimeField(serializers.TimeField):
    """A time of day with no offset (local to whoever it applies to): OpenAPI's `time`
    format is RFC 3339's, which requires an offset, so the schema gives the pattern."""
