"""Admin of qa: recordings' media and its state, the listening audit (read only), holds."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from telephony.admin import ReadOnlyAdmin

from .models import LegalHold, RecordingAccess, RecordingMedia, Transcript, Utterance


class ReadOnly(ReadOnlyAdmin):
    """The audit is not deleted by hand either: it outlives the media it is about."""

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(RecordingMedia)
class RecordingMediaAdmin(ReadOnly):
    list_display = ["recording", "state", "size_bytes", "attempts", "reason", "expires_at"]
    list_filter = ["state"]
    search_fields = ["recording__sid", "recording__call__sid"]


@admin.register(RecordingAccess)
class RecordingAccessAdmin(ReadOnly):
    list_display = ["at", "username", "action", "recording", "byte_range"]
    list_filter = ["action"]
    search_fields = ["username", "recording__sid", "recording__call__sid"]
    date_hierarchy = "at"


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    list_display = ["placed_at", "call", "customer", "reason", "placed_by", "released_at"]
    list_filter = ["released_at"]
    raw_id_fields = ["call", "customer"]
    readonly_fields = ["placed_by", "placed_at"]

    def save_model(self, request: HttpRequest, obj: LegalHold, form: object, change: bool) -> None:
        if not change:
            obj.placed_by = request.user  # type: ignore[assignment]  # admin users are Users
        super().save_model(request, obj, form, change)


class UtteranceInline(admin.TabularInline):
    model = Utterance
    fields = readonly_fields = ("speaker", "start_ms", "end_ms", "text", "confidence")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(Transcript)
class TranscriptAdmin(ReadOnly):
    list_display = ["recording", "state", "backend", "attempts", "reason", "completed_at"]
    list_filter = ["state", "backend"]
    search_fields = ["recording__sid", "recording__call__sid"]
    inlines = [UtteranceInline]
