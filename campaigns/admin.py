"""Managers' admin for campaigns, leads, calling rules and Do-Not-Call lists."""

from __future__ import annotations

from django.contrib import admin

from .models import (
    CallAttempt,
    CallingRule,
    Campaign,
    DncChange,
    DncEntry,
    DncList,
    Lead,
    LeadImport,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened: looked at, never edited by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CallingRule)
class CallingRuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "country",
        "area_codes",
        "window_start",
        "window_end",
        "max_attempts_per_day",
        "allow_sunday",
        "is_active",
    ]
    list_filter = ["country", "is_active"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "dial_mode", "status", "queue", "created_at"]
    list_filter = ["status", "kind", "dial_mode"]
    search_fields = ["name"]
    filter_horizontal = ["agents", "dispositions", "dnc_lists"]
    readonly_fields = ["status", "dial_level", "created_at", "started_at", "stopped_at"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "dial_mode", "status", "caller_id"]}),
        ("Who takes the calls", {"fields": ["queue", "agents", "blend_max_inbound_waiting"]}),
        ("When", {"fields": ["starts_on", "ends_on", "window_start", "window_end"]}),
        ("Agents' side", {"fields": ["script", "dispositions", "record_calls"]}),
        (
            "Attempts and retries",
            {
                "fields": [
                    "max_attempts",
                    "ring_seconds",
                    "retry_busy_minutes",
                    "retry_no_answer_minutes",
                    "retry_machine_minutes",
                    "retry_failed_minutes",
                    "machine_handling",
                    "machine_message",
                ]
            },
        ),
        (
            "Pacing and compliance",
            {
                "fields": [
                    "abandonment_target_percent",
                    "max_lines_per_agent",
                    "dial_level",
                    "safe_harbor_message",
                    "agentless_message",
                    "dnc_lists",
                ]
            },
        ),
        ("Record", {"fields": ["created_at", "started_at", "stopped_at"]}),
    ]


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ["phone", "name", "campaign", "status", "attempts", "next_attempt_at"]
    list_filter = ["status", "campaign"]
    search_fields = ["phone", "name"]
    raw_id_fields = ["customer", "callback_agent", "import_batch"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(CallAttempt)
class CallAttemptAdmin(ReadOnlyAdmin):
    list_display = ["lead", "campaign", "agent", "outcome", "is_abandoned", "created_at"]
    list_filter = ["outcome", "is_abandoned", "campaign"]
    search_fields = ["call_sid", "lead__phone"]


@admin.register(LeadImport)
class LeadImportAdmin(ReadOnlyAdmin):
    list_display = [
        "original_name",
        "campaign",
        "status",
        "total_rows",
        "imported",
        "duplicates",
        "rejected",
        "created_at",
    ]
    list_filter = ["status", "campaign"]


@admin.register(DncList)
class DncListAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "campaign", "as_of", "created_at"]
    list_filter = ["kind"]


@admin.register(DncEntry)
class DncEntryAdmin(admin.ModelAdmin):
    list_display = ["phone", "dnc_list", "source", "reason", "added_at", "added_by"]
    list_filter = ["dnc_list", "source"]
    search_fields = ["phone"]


@admin.register(DncChange)
class DncChangeAdmin(ReadOnlyAdmin):
    list_display = ["phone", "action", "dnc_list", "source", "reason", "by", "at"]
    list_filter = ["action", "source", "dnc_list"]
    search_fields = ["phone"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
