"""Managers' admin for campaigns, leads and calling rules (Do-Not-Call lists are crm's)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from callcenter.http import signed_in_user
from crm.admin import DncWarningMixin

from . import selectors, services
from .models import CallAttempt, CallingRule, Campaign, ConsentRule, Lead, LeadImport


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened: looked at, never edited by hand."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(ConsentRule)
class ConsentRuleAdmin(admin.ModelAdmin):
    list_display = ["campaign_kind", "line_type", "required_consent"]
    list_filter = ["campaign_kind", "line_type"]


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
class CampaignAdmin(DncWarningMixin):
    list_display = ["name", "kind", "dial_mode", "status", "queue", "created_at"]
    actions = ["start", "pause", "resume", "stop"]
    list_filter = ["status", "kind", "dial_mode"]
    search_fields = ["name"]
    filter_horizontal = ["agents", "dispositions", "dnc_lists"]
    readonly_fields = [
        "status",
        "supervisor_page",
        "pacing_boldness",
        "created_at",
        "started_at",
        "stopped_at",
    ]
    fieldsets = [
        (None, {"fields": ["name", "kind", "dial_mode", "status", "supervisor_page", "caller_id"]}),
        ("Who takes the calls", {"fields": ["queue", "agents", "blend_max_inbound_waiting"]}),
        ("When", {"fields": ["starts_on", "ends_on", "window_start", "window_end"]}),
        ("Agents' side", {"fields": ["script", "dispositions", "recording_policy"]}),
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
                    "pacing_boldness",
                    "safe_harbor_message",
                    "agentless_message",
                    "dnc_lists",
                ]
            },
        ),
        ("Record", {"fields": ["created_at", "started_at", "stopped_at"]}),
    ]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Campaign | None = None,
    ) -> HttpResponse:
        if obj is not None and request.method == "GET":
            self._warn_about_skills(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_related(
        self,
        request: HttpRequest,
        form: ModelForm[Campaign],
        formsets: list[BaseFormSet[Any]],
        change: bool,
    ) -> None:
        super().save_related(request, form, formsets, change)  # the agents are saved here
        if "_continue" not in request.POST:  # else the change page it reopens warns
            self._warn_about_skills(request, form.instance)

    def _warn_about_skills(self, request: HttpRequest, campaign: Campaign) -> None:
        if warning := selectors.agents_skills_warning(campaign):
            messages.warning(request, warning)

    @admin.display(description="Controls and leads")
    def supervisor_page(self, obj: Campaign) -> str:
        if obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">Live figures and controls</a> · <a href="{}">Import leads</a>',
            obj.get_absolute_url(),
            reverse("campaigns:lead_import_upload", args=[obj.pk]),
        )

    def has_control_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("campaigns.control_campaign")

    def _move(self, request: HttpRequest, queryset: QuerySet[Campaign], verb: str) -> None:
        # Each campaign on its own: one that cannot move does not stop the others.
        for campaign in queryset:
            try:
                services.campaign_transition(
                    campaign=campaign,
                    status=services.CONTROLS[verb],
                    by=signed_in_user(request),
                )
            except ValidationError as error:
                self.message_user(
                    request, f"{campaign}: {' '.join(error.messages)}", messages.ERROR
                )
            else:
                self.message_user(request, f"{campaign}: {verb} done.", messages.SUCCESS)

    @admin.action(description="Start the selected campaigns", permissions=["control"])
    def start(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        self._move(request, queryset, "start")

    @admin.action(description="Pause the selected campaigns", permissions=["control"])
    def pause(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        self._move(request, queryset, "pause")

    @admin.action(description="Resume the selected campaigns", permissions=["control"])
    def resume(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        self._move(request, queryset, "resume")

    @admin.action(description="Stop the selected campaigns", permissions=["control"])
    def stop(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        self._move(request, queryset, "stop")


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ["phone", "name", "campaign", "shown_status", "attempts", "next_attempt_at"]
    list_filter = ["status", ("scrub_stop", admin.EmptyFieldListFilter), "campaign"]
    list_select_related = ["campaign", "scrub_stop"]
    search_fields = ["phone", "name"]
    raw_id_fields = ["customer", "callback_agent", "import_batch"]
    readonly_fields = ["created_at", "updated_at"]

    @admin.display(description="status", ordering="status")
    def shown_status(self, obj: Lead) -> str:
        return obj.status_shown


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
    readonly_fields = ["report_link"]

    @admin.display(description="Rows not imported")
    def report_link(self, obj: LeadImport) -> str:
        return format_html(
            '<a href="{}">Download as CSV</a>', reverse("campaigns:import_report", args=[obj.pk])
        )
