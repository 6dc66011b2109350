"""API representations of the wallboard's snapshots (the same figures as the page)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from callcenter.api import IdField
from crm.phones import normalize_phone
from telephony.models import AgentProfile, Call, MonitoringModeChange, MonitoringSession

from .actions import MONITOR_REQUEST_MODES


class QueueLiveSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    waiting = serializers.IntegerField(help_text="Callers on the line waiting (or ringing).")
    longest_wait_seconds = serializers.IntegerField()
    oldest_waiting_since = serializers.DateTimeField(allow_null=True)
    callbacks_pending = serializers.IntegerField()
    offered = serializers.IntegerField(help_text="Entered the queue today.")
    answered = serializers.IntegerField()
    abandoned = serializers.IntegerField(help_text="After SHORT_ABANDON_SECONDS.")
    short_abandoned = serializers.IntegerField()
    answered_in_target = serializers.IntegerField()
    service_level_seconds = serializers.IntegerField(help_text="T of the service level.")
    service_level_target = serializers.IntegerField(help_text="Percent: green at or above.")
    service_level_warning = serializers.IntegerField(help_text="Percent: amber down to it.")
    service_level = serializers.FloatField(
        allow_null=True, help_text="Answered within T ÷ (offered - short abandons), percent."
    )
    service_level_colour = serializers.ChoiceField(choices=["green", "amber", "red", "none"])
    abandonment_rate = serializers.FloatField(
        allow_null=True, help_text="Abandoned ÷ (offered - short abandons), percent."
    )
    asa_seconds = serializers.IntegerField(allow_null=True)
    aht_seconds = serializers.IntegerField(allow_null=True)
    handled = serializers.IntegerField(help_text="Conversations ended today.")
    agents_by_state = serializers.DictField(child=serializers.IntegerField())
    not_ready_by_reason = serializers.DictField(child=serializers.IntegerField())


class AgentLiveSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    state = serializers.ChoiceField(choices=AgentProfile.State.choices)
    state_label = serializers.CharField()
    reason = serializers.ChoiceField(choices=AgentProfile.Reason.choices, allow_blank=True)
    state_since = serializers.DateTimeField()
    teams = serializers.ListField(child=serializers.CharField())
    call_customer = serializers.CharField(allow_blank=True)
    call_number = serializers.CharField(allow_blank=True)
    call_queue = serializers.CharField(allow_blank=True)
    call_connected_at = serializers.DateTimeField(allow_null=True)
    call_on_hold = serializers.BooleanField()
    handled_today = serializers.IntegerField()
    aht_seconds = serializers.IntegerField(allow_null=True)
    occupancy = serializers.FloatField(allow_null=True, help_text="Percent.")
    out_of_adherence_since = serializers.DateTimeField(
        allow_null=True, help_text="Out of the scheduled activity since, past the tolerance."
    )


class AgentFilterSerializer(serializers.Serializer):
    """The agents list's filters, each optional."""

    team = IdField(required=False)
    queue = IdField(required=False, help_text="Agents qualified for this queue.")
    state = serializers.ChoiceField(choices=AgentProfile.State.choices, required=False)


class MonitorRequestSerializer(serializers.Serializer):
    call = serializers.SlugRelatedField(
        slug_field="sid", queryset=Call.objects.all(), help_text="The call's CallSid."
    )
    mode = serializers.ChoiceField(
        choices=MONITOR_REQUEST_MODES,
        help_text="listen: silent; whisper: only the agent hears you; barge: everyone does; "
        "leave: hang up your leg. Monitoring under way switches to the new mode.",
    )
    phone_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="Where to ring you; blank or left out: your browser's softphone.",
    )

    def validate_phone_number(self, value: str) -> str:
        if not value:
            return ""
        try:
            return normalize_phone(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class MonitoringModeChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = MonitoringModeChange
        fields = ["mode", "at"]


class MonitoringSessionSerializer(serializers.ModelSerializer):
    call = serializers.CharField(source="call.sid", read_only=True)
    supervisor = serializers.CharField(source="supervisor.username", read_only=True)
    duration_seconds = serializers.IntegerField(read_only=True, allow_null=True)
    mode_changes = MonitoringModeChangeSerializer(many=True, read_only=True)

    class Meta:
        model = MonitoringSession
        fields = [
            "id",
            "call",
            "agent",
            "supervisor",
            "mode",
            "reached_at",
            "started_at",
            "joined_at",
            "ended_at",
            "duration_seconds",
            "mode_changes",
        ]
