"""API representations of the wallboard's snapshots (the same figures as the page)."""

from __future__ import annotations

from rest_framework import serializers

from callcenter.api import IdField
from telephony.models import AgentProfile


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


class AgentFilterSerializer(serializers.Serializer):
    """The agents list's filters, each optional."""

    team = IdField(required=False)
    queue = IdField(required=False, help_text="Agents qualified for this queue.")
    state = serializers.ChoiceField(choices=AgentProfile.State.choices, required=False)
