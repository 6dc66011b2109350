"""Project-wide REST API policy: permissions by role, pagination, error shape."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, pagination, permissions

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


def requires(perm: str) -> type[permissions.BasePermission]:
    """A permission class for one action that needs `perm` whatever its HTTP method."""

    class Requires(permissions.IsAuthenticated):
        def has_permission(self, request: Request, view: APIView) -> bool:
            return super().has_permission(request, view) and request.user.has_perm(perm)

    Requires.__name__ = f"Requires[{perm}]"
    return Requires


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
