"""API representations of agents, queues and calls."""

from __future__ import annotations

from django.db.models import Count, Min
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .acd.selectors import QUEUE_OUTCOMES, queue_today
from .models import AgentProfile, AgentSkill, Call, Queue, QueueEntry


class AgentSkillSerializer(serializers.ModelSerializer):
    skill = serializers.CharField(source="skill.name")

    class Meta:
        model = AgentSkill
        fields = ["skill", "level"]


class AgentSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(source="__str__", read_only=True)
    skills = AgentSkillSerializer(source="agent_skills", many=True, read_only=True)
    # Declared: a read-only model field loses allow_blank, and the schema then leaves the
    # blank reason (any state but not-ready) out of the enum.
    reason = serializers.ChoiceField(
        choices=AgentProfile.Reason.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = AgentProfile
        fields = [
            "id",
            "username",
            "name",
            "client_identity",
            "state",
            "reason",
            "state_since",
            "idle_since",
            "skills",
        ]
        read_only_fields = fields


class AgentStateSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=AgentProfile.State.choices)
    reason = serializers.ChoiceField(
        choices=AgentProfile.Reason.choices, required=False, allow_blank=True, default=""
    )


class QueueTodaySerializer(serializers.Serializer):
    answered = serializers.IntegerField()
    abandoned = serializers.IntegerField(
        help_text="Callers who hung up while waiting, after SHORT_ABANDON_SECONDS."
    )
    short_abandoned = serializers.IntegerField(
        help_text="Callers who hung up within SHORT_ABANDON_SECONDS (not in abandoned)."
    )
    average_wait_seconds = serializers.IntegerField(
        allow_null=True, help_text="From entering the queue to an agent, answered callers."
    )


class QueueSerializer(serializers.ModelSerializer):
    """A queue with what is happening in it now, and today's figures."""

    live = serializers.SerializerMethodField()
    today = serializers.SerializerMethodField(
        help_text="Since midnight in the call center's time zone."
    )

    class Meta:
        model = Queue
        fields = [
            "id",
            "name",
            "priority",
            "is_default",
            "service_level_seconds",
            "service_level_percent",
            "wrap_up_seconds",
            "live",
            "today",
        ]

    @extend_schema_field(QueueTodaySerializer)
    def get_today(self, queue: Queue) -> dict:
        return QueueTodaySerializer(queue_today(queue=queue)).data

    def get_live(self, queue: Queue) -> dict:
        waiting = QueueEntry.objects.filter(queue=queue, status=QueueEntry.Status.WAITING)
        oldest = waiting.aggregate(oldest=Min("waiting_since"))["oldest"]
        by_state = dict(queue.qualified_agents().values_list("state").annotate(n=Count("id")))
        return {
            "waiting": waiting.count(),
            "longest_wait_seconds": int((timezone.now() - oldest).total_seconds()) if oldest else 0,
            "agents_by_state": {
                state: by_state.get(state, 0) for state in AgentProfile.State.values
            },
        }


class CallSerializer(serializers.ModelSerializer):
    queue_outcome = serializers.ChoiceField(
        choices=QUEUE_OUTCOMES,
        read_only=True,
        allow_null=True,
        help_text="What became of the call's place in a queue (null: it never queued).",
    )

    class Meta:
        model = Call
        fields = [
            "id",
            "sid",
            *Call.AT_A_GLANCE,
            "queue_result",
            "queue_outcome",
            "ivr_path",
            "ivr_inputs",
            "identified_by",
            "created_at",
            "queued_at",
            "answered_at",
            "ended_at",
            "duration_seconds",
            "disposition",
        ]
        read_only_fields = fields
