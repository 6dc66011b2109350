"""Managers' admin for alert rules, and the alerts' history (read-only: evaluation writes it)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import Alert, AlertRule


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "queue", "threshold", "email_to", "sms_to", "is_active")
    list_filter = ("kind", "is_active", "queue")
    search_fields = ("name",)
    fields = ("name", "kind", "queue", "threshold", "email_to", "sms_to", "sms_from", "is_active")


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("raised_at", "message", "rule", "cleared_at", "notified_at")
    list_filter = ("rule__kind", "rule", ("cleared_at", admin.EmptyFieldListFilter))
    search_fields = ("message", "subject")
    date_hierarchy = "raised_at"
    readonly_fields = ("rule", "subject", "message", "raised_at", "cleared_at", "notified_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Alert | None = None) -> bool:
        return False
