"""Project-wide REST API policy: permissions by role, pagination, error shape."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, models
from django.db.models import QuerySet
from django.db.models.fields.related import ManyToManyRel, ManyToOneRel, OneToOneRel
from django.forms import ModelChoiceField
from django_filters import fields as filter_fields
from django_filters import rest_framework as filters
from rest_framework import exceptions, pagination, permissions, serializers, throttling

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.response import Response
    from rest_framework.views import APIView


class Permission(Protocol):
    """What a view's `get_permissions` hands DRF: a permission instance of any kind."""

    def has_permission(self, request: Request, view: APIView) -> bool: ...
    def has_object_permission(self, request: Request, view: APIView, obj: object) -> bool: ...


class RolePermissions(permissions.DjangoModelPermissions):
    """Model permissions of the user's role groups, reads included.

    DRF's default lets any authenticated user read; here reading needs `view_<model>`,
    so a QA analyst sees what the QA Analyst group may see and nothing more.
    """

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


class DocsReaders(permissions.BasePermission):
    """Who may read the API's schema and docs: signed-in users, or anyone with API_DOCS_PUBLIC."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return settings.API_DOCS_PUBLIC or bool(request.user and request.user.is_authenticated)


def requires(perm: str) -> type[permissions.BasePermission]:
    """A permission class for one action that needs `perm` whatever its HTTP method."""

    class Requires(permissions.IsAuthenticated):
        def has_permission(self, request: Request, view: APIView) -> bool:
            return super().has_permission(request, view) and request.user.has_perm(perm)

    Requires.__name__ = f"Requires[{perm}]"
    return Requires


# --- Ids in query strings and bodies ------------------------------------------------------
# A number outside a key column's range names no row, yet some back ends raise on it
# (SQLite's OverflowError, PostgreSQL's "out of range") instead of finding nothing: such
# values are refused as invalid input before any query sees them.


def in_column_range(field: models.Field, value: object) -> bool:
    """Whether `value`, if it reads as an integer, fits the integer column `field`."""
    if not isinstance(field, models.IntegerField):
        return True
    try:
        number = int(str(value).strip())
    except ValueError:
        return True  # not a number at all: the field's own validation refuses it
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    return (low is None or number >= low) and (high is None or number <= high)


class IdField(serializers.IntegerField):
    """A row id in a request: a positive integer within the range of the id column."""

    def __init__(self, **kwargs: Any) -> None:
        column = settings.DEFAULT_AUTO_FIELD.rsplit(".", 1)[-1]
        _, high = connection.ops.integer_field_range(column)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", high)
        super().__init__(**kwargs)


def _check_choice_range(field: ModelChoiceField, values: Iterable[object]) -> None:
    """Model choices outside the key column's range are invalid choices, not queries."""
    if field.queryset is None:
        return
    meta = field.queryset.model._meta
    key = meta.get_field(field.to_field_name) if field.to_field_name else meta.pk
    for value in values:
        if isinstance(key, models.Field) and not in_column_range(key, value):
            raise DjangoValidationError(
                field.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )


class RangeCheckedChoiceField(filter_fields.ModelChoiceField):
    def to_python(self, value: object) -> object:
        if value not in self.empty_values:
            _check_choice_range(self, [value])
        return super().to_python(value)


class RangeCheckedMultipleChoiceField(filter_fields.ModelMultipleChoiceField):
    def clean(self, value: object) -> QuerySet:
        if isinstance(value, list | tuple):
            _check_choice_range(self, value)
        return super().clean(value)


class RelatedFilter(filters.ModelChoiceFilter):
    field_class = RangeCheckedChoiceField


class RelatedMultipleFilter(filters.ModelMultipleChoiceFilter):
    field_class = RangeCheckedMultipleChoiceField


def _range_checked(defaults: dict) -> dict:
    single: tuple[type, ...] = (models.ForeignKey, models.OneToOneField, OneToOneRel)
    multiple: tuple[type, ...] = (models.ManyToManyField, ManyToOneRel, ManyToManyRel)
    checked = {kind: {**defaults[kind], "filter_class": RelatedFilter} for kind in single}
    checked |= {
        kind: {**defaults[kind], "filter_class": RelatedMultipleFilter} for kind in multiple
    }
    return {**defaults, **checked}


class FilterSet(filters.FilterSet):
    """The API's filter sets: related-row filters check ids against their column first."""

    FILTER_DEFAULTS = _range_checked(filters.FilterSet.FILTER_DEFAULTS)


class FilterBackend(filters.DjangoFilterBackend):
    """django-filter's backend, building `filterset_fields` on the project's FilterSet."""

    filterset_base = FilterSet


# --- Throttles: rates from settings.API_THROTTLE_RATES, read when a request comes -------------


def _rate(scope: str | None) -> str | None:
    return settings.API_THROTTLE_RATES.get(scope) if scope else None


class AnonThrottle(throttling.AnonRateThrottle):
    """Anonymous requests, by client address."""

    def get_rate(self) -> str | None:
        return _rate(self.scope)


class UserThrottle(throttling.UserRateThrottle):
    """Signed-in requests, by user."""

    def get_rate(self) -> str | None:
        return _rate(self.scope)


class SignInThrottle(throttling.SimpleRateThrottle):
    """Sign-in attempts by client address, signed in or not: guessing passwords is slow."""

    scope = "sign_in"

    def get_rate(self) -> str | None:
        return _rate(self.scope)

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, plus model validation errors raised by services as 400s with fields."""
    # Imported here: DRF imports this module while rest_framework.views is loading.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = exceptions.ParseError(f"Request body is larger than {limit} bytes.")
    elif isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail=detail)
    return drf_exception_handler(exc, context)
