"""Managers' admin for the CRM. Saves go through the same validation as the agent pages."""

from __future__ import annotations

from django.contrib import admin

from . import services
from .models import Case, CaseEvent, Customer, EmailAddress, Interaction, PhoneNumber


class PhoneNumberInline(admin.TabularInline):
    model = PhoneNumber
    extra = 1


class EmailAddressInline(admin.TabularInline):
    model = EmailAddress
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "account_number", "tier", "preferred_language", "email", "created_at"]
    list_filter = ["tier", "preferred_language", "consent_recording", "consent_marketing_calls"]
    search_fields = ["name", "account_number", "email", "phone_numbers__number"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [PhoneNumberInline, EmailAddressInline]
    date_hierarchy = "created_at"
    fieldsets = [
        (None, {"fields": ["name", "account_number", "tier", "preferred_language", "time_zone"]}),
        ("Contact", {"fields": ["email"]}),
        ("Consent", {"fields": ["consent_recording", "consent_marketing_calls"]}),
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

    def has_add_permission(self, request, obj=None) -> bool:
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

    def get_fields(self, request, obj=None):
        fields = ["customer", "subject", "description", "category", "priority", "owner", "due_at"]
        # The workflow (legal moves, resolution) is driven from the case pages and the API;
        # admin shows where a case stands and edits its details, recorded in its history.
        if obj is not None:
            fields += ["status", "resolution", "created_by", *self.readonly_fields]
        return fields

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "customer", "status", "resolution", "created_by"]
        return self.readonly_fields

    def save_model(self, request, obj: Case, form, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            editable = {f: data[f] for f in services.CASE_EDITABLE_FIELDS}
            case = services.case_create(
                customer=data["customer"], actor=request.user, owner=data["owner"], **editable
            )
            obj.pk = case.pk
            return
        changed = {f: data[f] for f in form.changed_data if f in services.CASE_EDITABLE_FIELDS}
        if changed:
            services.case_update(case=obj, actor=request.user, **changed)
        if "owner" in form.changed_data:
            services.case_assign(case=obj, actor=request.user, owner=data["owner"])


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "customer", "kind", "direction", "summary", "actor"]
    list_filter = ["kind", "direction"]
    search_fields = ["summary", "body", "customer__name", "customer__account_number"]
    autocomplete_fields = ["customer", "actor"]
    list_select_related = ["customer", "actor"]
    date_hierarchy = "occurred_at"
    readonly_fields = ["source_type", "source_id"]
