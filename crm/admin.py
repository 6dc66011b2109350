"""Managers' admin for the CRM and the Do-Not-Call lists. Saves go through the same
validation as the agent pages; Do-Not-Call entries through dnc_add, audited."""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from callcenter.http import signed_in_user

from . import selectors, services, tasks
from .models import (
    Case,
    CaseEvent,
    Customer,
    DncChange,
    DncEntry,
    DncList,
    DncSource,
    EmailAddress,
    Interaction,
    PhoneNumber,
)


class DncWarningMixin(admin.ModelAdmin):
    """Lists warn when the national registry copy is missing or too old to scrub with."""

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        warning = selectors.national_dnc_warning()
        if warning and request.method == "GET":
            messages.warning(request, warning)
        return super().changelist_view(request, extra_context)


class PhoneNumberInline(admin.TabularInline):
    model = PhoneNumber
    extra = 1


class EmailAddressInline(admin.TabularInline):
    model = EmailAddress
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "account_number", "tier", "preferred_language", "email", "created_at"]
    list_filter = ["tier", "preferred_language", "recording_consent", "call_consent"]
    search_fields = ["name", "account_number", "email", "phone_numbers__number"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [PhoneNumberInline, EmailAddressInline]
    date_hierarchy = "created_at"
    fieldsets = [
        (None, {"fields": ["name", "account_number", "tier", "preferred_language", "time_zone"]}),
        ("Contact", {"fields": ["email"]}),
        ("Consent", {"fields": ["recording_consent", "call_consent", "call_consent_at"]}),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]


@admin.register(PhoneNumber)
class PhoneNumberAdmin(admin.ModelAdmin):
    list_display = ["number", "customer", "label", "is_primary"]
    list_filter = ["label", "is_primary"]
    search_fields = ["number", "customer__name", "customer__account_number"]
    autocomplete_fields = ["customer"]


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "actor", "kind", "changes"]

    def has_add_permission(self, request: HttpRequest, obj: Case | None = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "subject",
        "customer",
        "status",
        "priority",
        "category",
        "owner",
        "due_at",
    ]
    list_filter = ["status", "priority", "category", "owner"]
    search_fields = ["subject", "customer__name", "customer__account_number"]
    autocomplete_fields = ["customer", "owner", "created_by"]
    readonly_fields = ["created_at", "updated_at", "resolved_at", "closed_at"]
    list_select_related = ["customer", "owner"]
    date_hierarchy = "created_at"
    inlines = [CaseEventInline]

    @admin.display(ordering="id", description="Case")
    def reference(self, case: Case) -> str:
        return case.reference

    def get_fields(self, request: HttpRequest, obj: Case | None = None) -> tuple[str, ...]:
        fields = [
            "customer",
            "subject",
            "description",
            "category",
            "priority",
            "owner",
            "due_at",
        ]
        # The workflow (legal moves, resolution) is driven from the case pages and the API;
        # admin shows where a case stands and edits its details, recorded in its history.
        if obj is not None:
            fields += ["status", "resolution", "created_by", *self.readonly_fields]
        return tuple(fields)

    def get_readonly_fields(self, request: HttpRequest, obj: Case | None = None) -> list[str]:
        if obj is not None:
            return [*self.readonly_fields, "customer", "status", "resolution", "created_by"]
        return self.readonly_fields

    def save_model(
        self, request: HttpRequest, obj: Case, form: ModelForm[Case], change: bool
    ) -> None:
        data = form.cleaned_data
        actor = signed_in_user(request)
        if not change:
            editable = {f: data[f] for f in services.CASE_EDITABLE_FIELDS}
            case = services.case_create(
                customer=data["customer"], actor=actor, owner=data["owner"], **editable
            )
            obj.pk = case.pk
            return
        changed = {f: data[f] for f in form.changed_data if f in services.CASE_EDITABLE_FIELDS}
        if changed:
            services.case_update(case=obj, actor=actor, **changed)
        if "owner" in form.changed_data:
            services.case_assign(case=obj, actor=actor, owner=data["owner"])


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "customer", "kind", "direction", "summary", "actor"]
    list_filter = ["kind", "direction"]
    search_fields = ["summary", "body", "customer__name", "customer__account_number"]
    autocomplete_fields = ["customer", "actor"]
    list_select_related = ["customer", "actor"]
    date_hierarchy = "occurred_at"
    readonly_fields = ["source_type", "source_id"]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (the registry comes as one file per area code)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(**kwargs)

    def clean(self, data: object, initial: object = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class RegistryUploadForm(forms.Form):
    # The form's metaclass moves declared fields off the class, so this field does not
    # replace BaseForm.files (the uploaded data) that the stubs see it overriding.
    files = MultipleFileField(  # type: ignore[assignment]
        help_text="One file per area code, one number per line: AAA,NNNNNNN or ten digits."
    )
    # The call center's date: the registry warning counts the copy's age in its days.
    as_of = forms.DateField(
        initial=timezone.localdate, help_text="The date of this copy of the registry."
    )


@admin.register(DncList)
class DncListAdmin(DncWarningMixin):
    list_display = ["name", "kind", "as_of", "created_at"]
    list_filter = ["kind"]
    readonly_fields = ["registry_import"]

    def delete_model(self, request: HttpRequest, obj: DncList) -> None:
        services.dnc_lists_delete(dnc_lists=DncList.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[DncList]) -> None:
        services.dnc_lists_delete(dnc_lists=queryset)

    @admin.display(description="Registry files")
    def registry_import(self, obj: DncList) -> str:
        if obj.pk is None or obj.kind != DncList.Kind.NATIONAL:
            return "National lists only."
        url = reverse("admin:crm_dnclist_registry_import", args=[obj.pk])
        return format_html('<a href="{}">Load registry files</a>', url)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.registry_import_view)
        return [
            path("<int:pk>/registry/", view, name="crm_dnclist_registry_import"),
            *super().get_urls(),
        ]

    def registry_import_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Upload registry files; a worker loads them (millions of lines) in the background."""
        dnc_list = get_object_or_404(DncList, pk=pk, kind=DncList.Kind.NATIONAL)
        if not self.has_change_permission(request, dnc_list):
            return redirect("admin:index")
        form = RegistryUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            as_of = form.cleaned_data["as_of"].isoformat()
            for upload in form.cleaned_data["files"]:
                stored = default_storage.save(f"dnc-registry/{upload.name}", upload)
                transaction.on_commit(
                    partial(tasks.dnc_registry_import.delay, dnc_list.pk, stored, as_of)
                )
            self.message_user(
                request, f"{len(form.cleaned_data['files'])} file(s) are loading into {dnc_list}."
            )
            return redirect("admin:crm_dnclist_change", dnc_list.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Load registry files into {dnc_list}",
            "form": form,
            "opts": self.model._meta,
            "original": dnc_list,
        }
        return render(request, "admin/crm/registry_import.html", context)


@admin.register(DncEntry)
class DncEntryAdmin(admin.ModelAdmin):
    """Entries are added here through dnc_add (audited); they are never edited, and are
    removed only through the API's remove, which needs a reason."""

    list_display = ["phone", "dnc_list", "source", "reason", "added_at", "added_by"]
    list_filter = ["dnc_list", "source"]
    search_fields = ["phone"]
    fields = ["dnc_list", "phone", "reason"]

    def has_change_permission(self, request: HttpRequest, obj: DncEntry | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: DncEntry | None = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: DncEntry, form: ModelForm[DncEntry], change: bool
    ) -> None:
        saved = services.dnc_add(
            phone=obj.phone,
            source=DncSource.MANUAL,
            reason=obj.reason,
            by=signed_in_user(request),
            dnc_list=obj.dnc_list,
        )
        obj.pk = saved.pk


@admin.register(DncChange)
class DncChangeAdmin(admin.ModelAdmin):
    """The audit trail: looked at, never added, edited or deleted by hand."""

    list_display = ["phone", "action", "dnc_list", "source", "reason", "by", "at"]
    list_filter = ["action", "source", "dnc_list"]
    search_fields = ["phone"]

    def has_add_permission(self, request: HttpRequest, obj: DncChange | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DncChange | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: DncChange | None = None) -> bool:
        return False
