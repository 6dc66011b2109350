"""The user admin, where roles decide what a user may do.

Managers keep people's accounts and roles; only superusers grant superuser status, raw
permissions or groups that are not roles, since each of those bypasses ROLE_PERMISSIONS.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, User
from django.db.models import ForeignKey, ManyToManyField, QuerySet
from django.forms import BaseFormSet, ModelChoiceField, ModelForm, ModelMultipleChoiceField
from django.http import HttpRequest
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from . import roles

_SUPERUSER_ONLY_FIELDS = frozenset({"is_superuser", "user_permissions"})


# Replaces django.contrib.auth's registration (auth comes first in INSTALLED_APPS).
admin.site.unregister(User)


@admin.register(User)
class RoleUserAdmin(UserAdmin):
    # The return type is UserAdmin's, which django-stubs spells with private aliases only.
    def get_fieldsets(self, request: HttpRequest, obj: User | None = None):  # noqa: ANN201
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # A field left out of the fieldsets is left out of the form: posting it does nothing.
        return [
            (
                name,
                {
                    **options,
                    "fields": [f for f in options["fields"] if f not in _SUPERUSER_ONLY_FIELDS],
                },
            )
            for name, options in fieldsets
        ]

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelMultipleChoiceField[Any] | None:
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name__in=roles.ROLES)
            kwargs["help_text"] = "The user's roles; each role decides what its members may do."
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # Changing a superuser's password or flags would hand their powers to whoever did it.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def save_related(
        self,
        request: HttpRequest,
        form: ModelForm[Any],
        formsets: Iterable[BaseFormSet[Any]],
        change: bool,
    ) -> None:
        # The form offers roles only: keep the other groups a superuser gave the user.
        kept = (
            []
            if request.user.is_superuser
            else list(form.instance.groups.exclude(name__in=roles.ROLES))
        )
        super().save_related(request, form, formsets, change)
        form.instance.groups.add(*kept)


# Replaces DRF's registration (rest_framework.authtoken comes before callcenter).
admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class RoleTokenAdmin(TokenAdmin):
    """API tokens; a superuser's token is a superuser's powers, so only superusers see it."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[TokenProxy]:
        tokens = super().get_queryset(request)
        if request.user.is_superuser:
            return tokens
        return tokens.exclude(user__is_superuser=True)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = User.objects.filter(is_superuser=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
