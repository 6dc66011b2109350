"""Managers' admin for numbers, hours, queues, IVR flows, and the call records."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from .ivr.checks import flow_problems
from .models import (
    AgentProfile,
    AgentSkill,
    AgentStateChange,
    BusinessHours,
    Call,
    CallEvent,
    DeskMessage,
    Disposition,
    Holiday,
    InboundNumber,
    IvrFlow,
    IvrMenuOption,
    IvrNode,
    MonitoringModeChange,
    MonitoringSession,
    OpeningPeriod,
    Queue,
    QueueEntry,
    QueueSkill,
    Recording,
    RecordingConsentState,
    RecordingPause,
    RecordingPolicy,
    Skill,
    SmsMessage,
    Team,
)

# Shown and read-only alike; named once so both attributes get one type.
_NODE_COLUMNS: tuple[str, ...] = ("key", "kind", "message", "next_node")
_EVENT_COLUMNS: tuple[str, ...] = ("received_at", "kind", "sequence_number", "ignored", "params")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened: looked at, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


class OpeningPeriodInline(admin.TabularInline):
    model = OpeningPeriod
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(BusinessHours)
class BusinessHoursAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone"]
    search_fields = ["name"]
    inlines = [OpeningPeriodInline, HolidayInline]


class QueueSkillInline(admin.TabularInline):
    model = QueueSkill
    extra = 1
    autocomplete_fields = ["skill"]


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "priority",
        "is_default",
        "service_level_percent",
        "service_level_seconds",
        "wrap_up_seconds",
        "sticky_routing",
    ]
    list_filter = ["is_default", "sticky_routing"]
    search_fields = ["name"]
    inlines = [QueueSkillInline]
    filter_horizontal = ["overflow_skills", "dispositions"]
    autocomplete_fields = ["overflow_queue"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["name", "priority", "is_default"]}),
        ("Service level", {"fields": ["service_level_percent", "service_level_seconds"]}),
        (
            "Waiting",
            {
                "fields": [
                    "hold_music_url",
                    "announcement_interval_seconds",
                    "max_wait_seconds",
                    "on_max_wait",
                    "overflow_queue",
                    "widen_after_seconds",
                    "overflow_skills",
                ]
            },
        ),
        (
            "Agents",
            {
                "fields": [
                    "offer_timeout_seconds",
                    "sticky_routing",
                    "wrap_up_seconds",
                    "dispositions",
                    "case_category",
                ]
            },
        ),
        ("Recording", {"fields": ["recording_policy"]}),
        ("Monitoring", {"fields": ["show_silent_monitoring"]}),
    ]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    filter_horizontal = ["supervisors"]


@admin.register(RecordingPolicy)
class RecordingPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "mode", "sample_percent", "retention_days", "delete_at_twilio"]
    search_fields = ["name"]


@admin.register(RecordingConsentState)
class RecordingConsentStateAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "all_party"]
    list_filter = ["all_party"]
    search_fields = ["code", "name", "area_codes"]


@admin.register(Disposition)
class DispositionAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "resolves_contact"]
    search_fields = ["label", "code"]


class AgentSkillInline(admin.TabularInline):
    model = AgentSkill
    extra = 1
    autocomplete_fields = ["skill"]


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["__str__", "client_identity", "state", "reason", "state_since", "phone_number"]
    list_filter = ["state", "teams"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "client_identity"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["teams"]
    inlines = [AgentSkillInline]
    readonly_fields = ["state", "reason", "state_since", "idle_since", "current_entry"]
    fields = ["user", "client_identity", "phone_number", "teams", *readonly_fields]


@admin.register(QueueEntry)
class QueueEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "queue", "kind", "status", "priority", "waiting_since", "served_by"]
    list_filter = ["queue", "kind", "status"]
    date_hierarchy = "waiting_since"


@admin.register(AgentStateChange)
class AgentStateChangeAdmin(ReadOnlyAdmin):
    list_display = ["agent", "state", "reason", "started_at", "ended_at"]
    list_filter = ["state", "reason"]
    date_hierarchy = "started_at"


@admin.register(InboundNumber)
class InboundNumberAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "flow", "language", "business_hours", "unknown_sender"]
    list_filter = ["flow", "language"]
    search_fields = ["number", "name"]
    autocomplete_fields = ["flow", "business_hours"]


class IvrFlowForm(forms.ModelForm):
    class Meta:
        model = IvrFlow
        fields = ["name", "description", "entry_node"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        entry = cleaned.get("entry_node")
        if entry is not None and self.instance.pk:
            problems = flow_problems(self.instance.pk, entry_node_id=entry.pk)
            if problems:
                raise ValidationError(problems)
        elif entry is not None:
            raise ValidationError({"entry_node": "Save the flow and add its nodes first."})
        return cleaned


class NodeListInline(admin.TabularInline):
    """The flow's nodes, read-only here; each is edited on its own page."""

    model = IvrNode
    fields = readonly_fields = _NODE_COLUMNS
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(IvrFlow)
class IvrFlowAdmin(admin.ModelAdmin):
    form = IvrFlowForm
    list_display = ["name", "entry_node", "description"]
    search_fields = ["name"]
    inlines = [NodeListInline]

    def get_form(
        self,
        request: HttpRequest,
        obj: IvrFlow | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> type[forms.ModelForm[IvrFlow]]:
        form = super().get_form(request, obj, change, **kwargs)
        # IvrFlowForm's entry_node is a foreign key: a ModelChoiceField.
        entry = cast(forms.ModelChoiceField, form.base_fields["entry_node"])
        entry.queryset = IvrNode.objects.filter(flow=obj) if obj else IvrNode.objects.none()
        return form


class MenuOptionFormSet(BaseInlineFormSet):
    """Checks the whole flow with the node and its choices as they are about to be saved."""

    def clean(self) -> None:
        super().clean()
        node: IvrNode = self.instance
        if not node.flow_id or any(form.errors for form in self.forms):
            return
        options = [
            IvrMenuOption(node=node, **{k: form.cleaned_data[k] for k in ("digit", "target")})
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        for option in options:
            if option.target.flow_id != node.flow_id:
                raise ValidationError("Choices must lead to nodes of the same flow.")
        if node.pk is None:
            # A new node: nothing leads to it yet, so only its own choices can be wrong.
            if node.kind == IvrNode.Kind.MENU and not options:
                raise ValidationError("A menu needs at least one choice.")
            return
        problems = flow_problems(node.flow_id, edited=node, edited_options=options)
        if problems:
            raise ValidationError(problems)


class MenuOptionInline(admin.TabularInline):
    model = IvrMenuOption
    formset = MenuOptionFormSet
    fk_name = "node"
    extra = 1
    autocomplete_fields = ["target"]


@admin.register(IvrNode)
class IvrNodeAdmin(admin.ModelAdmin):
    list_display = ["key", "flow", "kind", "message", "next_node"]
    list_filter = ["flow", "kind"]
    search_fields = ["key", "message", "flow__name"]
    autocomplete_fields = ["next_node", "default_node", "closed_node", "queue", "business_hours"]
    inlines = [MenuOptionInline]
    # Admins type audio addresses without a scheme; read them as https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["flow", "key", "kind", "message", "play_url", "voice", "language"]}),
        ("Where next", {"fields": ["next_node", "default_node", "closed_node"]}),
        (
            "Menus and keyed input",
            {
                "fields": [
                    "timeout",
                    "max_attempts",
                    "accept_speech",
                    "invalid_message",
                    "no_input_message",
                ]
            },
        ),
        ("Hours branch", {"fields": ["business_hours"]}),
        (
            "Queue, transfer, voicemail",
            {"fields": ["queue", "transfer_to", "max_recording_seconds", "case_category"]},
        ),
    ]


class CallEventInline(admin.TabularInline):
    model = CallEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = _EVENT_COLUMNS

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    list_display = ["sid", "created_at", *Call.AT_A_GLANCE, "duration_seconds"]
    list_filter = ["direction", "state", "twilio_status", "queue", "inbound_number"]
    search_fields = ["sid", "from_number", "to_number", "customer__name"]
    date_hierarchy = "created_at"
    list_select_related = ["customer", "queue"]
    inlines = [CallEventInline]


@admin.register(CallEvent)
class CallEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "call_sid", "kind", "sequence_number", "ignored"]
    list_filter = ["kind", "ignored"]
    search_fields = ["call_sid"]
    date_hierarchy = "received_at"


_PAUSE_COLUMNS: tuple[str, ...] = ("paused_at", "paused_by", "resumed_at", "resumed_by")


class RecordingPauseInline(admin.TabularInline):
    model = RecordingPause
    fields = readonly_fields = _PAUSE_COLUMNS
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(Recording)
class RecordingAdmin(ReadOnlyAdmin):
    inlines = [RecordingPauseInline]
    list_display = ["sid", "call", "duration_seconds", "status", "source", "case", "created_at"]
    list_filter = ["status", "source"]
    search_fields = ["sid", "call__sid"]


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "direction", "from_number", "to_number", "customer", "body"]
    list_filter = ["direction", "inbound_number"]
    search_fields = ["sid", "from_number", "to_number", "body", "customer__name"]
    date_hierarchy = "created_at"


_MODE_COLUMNS: tuple[str, ...] = ("mode", "at")


class MonitoringModeChangeInline(admin.TabularInline):
    model = MonitoringModeChange
    fields = readonly_fields = _MODE_COLUMNS
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(MonitoringSession)
class MonitoringSessionAdmin(ReadOnlyAdmin):
    """The audit of supervisors on calls: who, which call and agent, each mode and when,
    how long."""

    inlines = [MonitoringModeChangeInline]
    list_display = [
        "started_at",
        "supervisor",
        "agent",
        "call",
        "mode",
        "joined_at",
        "ended_at",
        "duration_seconds",
    ]
    list_filter = ["mode"]
    search_fields = ["call__sid", "supervisor__username", "agent__user__username"]
    list_select_related = ["supervisor", "agent__user", "call"]
    date_hierarchy = "started_at"
    readonly_fields = ["duration_seconds"]


@admin.register(DeskMessage)
class DeskMessageAdmin(ReadOnlyAdmin):
    list_display = ["sent_at", "sender", "agent", "body"]
    search_fields = ["body", "agent__user__username", "sender__username"]
    list_select_related = ["sender", "agent__user"]
    date_hierarchy = "sent_at"
