"""REST API of post-call surveys and first-contact resolution: `/api/surveys/` (the
answers, for the calls you may see) and `/api/fcr/` (FCR figures with every contact and
the repeat contacts that made it unresolved)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from callcenter.api import FilterSet, IdField, RolePermissions
from callcenter.http import SignedInApiRequest
from telephony.models import AgentProfile

from ..models import Survey, SurveyAnswer
from . import fcr, selectors

MAX_FCR_DAYS = 92


class SurveyAnswerSerializer(serializers.ModelSerializer):
    position = serializers.IntegerField(source="question.position", read_only=True)

    class Meta:
        model = SurveyAnswer
        fields = ["position", "score", "via", "at"]


class SurveySerializer(serializers.ModelSerializer):
    call_sid = serializers.CharField(source="call.sid", read_only=True)
    score = serializers.IntegerField(read_only=True, allow_null=True)
    answers = SurveyAnswerSerializer(many=True, read_only=True)

    class Meta:
        model = Survey
        fields = [
            "id",
            "call",
            "call_sid",
            "channel",
            "status",
            "agent",
            "queue",
            "customer",
            "language",
            "score",
            "answers",
            "comment_recording_sid",
            "comment_seconds",
            "created_at",
            "answered_at",
        ]


class SurveyFilter(FilterSet):
    answered_after = django_filters.IsoDateTimeFilter(field_name="answered_at", lookup_expr="gte")
    answered_before = django_filters.IsoDateTimeFilter(field_name="answered_at", lookup_expr="lt")
    score_max = django_filters.NumberFilter(
        method="filter_score_max", label="Satisfaction answer at most (low CSAT: 2)"
    )

    class Meta:
        model = Survey
        fields = ["call", "agent", "queue", "customer", "channel", "status"]

    def filter_score_max(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(answers__question__position=1, answers__score__lte=value)

    def is_valid(self) -> bool:
        valid = super().is_valid()
        score = self.form.cleaned_data.get("score_max") if valid else None
        if score is not None and not 1 <= score <= 5:
            self.form.add_error("score_max", "A score is between 1 and 5.")
        return valid and not self.form.errors


class SurveyViewSet(viewsets.ReadOnlyModelViewSet):
    """Post-call survey answers of the calls you may see (your own, your teams', or all),
    newest first; `score` is the satisfaction question's answer (CSAT counts 4 and 5)."""

    request: SignedInApiRequest
    serializer_class = SurveySerializer
    permission_classes = [RolePermissions]
    filterset_class = SurveyFilter
    ordering_fields = ["created_at", "answered_at"]

    def get_queryset(self) -> QuerySet[Survey]:
        return selectors.surveys_visible_to(self.request.user)


class FcrQuerySerializer(serializers.Serializer):
    from_ = serializers.DateField(required=False, help_text="First day (default: 7 days ago).")
    to = serializers.DateField(required=False, help_text="Last day, included (default: today).")
    queue = serializers.ListField(child=IdField(), required=False)
    agent = serializers.ListField(child=IdField(), required=False)
    team = serializers.ListField(child=IdField(), required=False)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")  # `from` is a Python keyword
        return fields

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        today = timezone.localdate()
        first, last = data.get("from", today - timedelta(days=6)), data.get("to", today)
        if last < first:
            raise ValidationError({"to": ["Must not come before from."]})
        if (last - first).days >= MAX_FCR_DAYS:
            raise ValidationError({"to": [f"At most {MAX_FCR_DAYS} days at a time."]})
        zone = timezone.get_current_timezone()
        data["start"] = datetime.combine(first, time(), zone)
        data["end"] = datetime.combine(last + timedelta(days=1), time(), zone)
        return data


class RepeatContactSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=["call", "sms"])
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    direction = serializers.CharField()


class ContactSerializer(serializers.Serializer):
    entry = serializers.IntegerField(source="entry_id")
    call = serializers.IntegerField(source="call_id", allow_null=True)
    customer = serializers.IntegerField(source="customer_id")
    customer_name = serializers.CharField()
    agent = serializers.IntegerField(source="agent_id")
    queue = serializers.IntegerField(source="queue_id")
    ended_at = serializers.DateTimeField(source="at")
    disposition = serializers.CharField()
    outcome = serializers.ChoiceField(choices=[fcr.RESOLVED, fcr.REPEATED, fcr.PENDING])
    repeats = RepeatContactSerializer(many=True)


class FcrSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    window_days = serializers.IntegerField()
    definition = serializers.CharField()
    fcr_contacts = serializers.IntegerField()
    fcr_resolved = serializers.IntegerField()
    fcr_repeated = serializers.IntegerField()
    fcr_pending = serializers.IntegerField()
    fcr = serializers.FloatField(allow_null=True, help_text="%; null with nothing decided.")
    contacts = ContactSerializer(many=True)


class FcrView(APIView):
    """First-contact resolution of the contacts you may see (your own, your teams', or
    all) that ended in the range, each with the repeat contacts that made it unresolved."""

    request: SignedInApiRequest
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="fcr_retrieve",
        parameters=[
            OpenApiParameter("from", str, description="First day (YYYY-MM-DD)."),
            OpenApiParameter("to", str, description="Last day, included (YYYY-MM-DD)."),
            OpenApiParameter("queue", int, many=True, explode=True),
            OpenApiParameter("agent", int, many=True, explode=True),
            OpenApiParameter("team", int, many=True, explode=True),
        ],
        responses=FcrSerializer,
    )
    def get(self, request: Request) -> Response:
        scope = selectors.quality_scope(request.user)
        if scope is None:
            raise PermissionDenied("Only agents, supervisors, QA analysts and managers.")
        query = FcrQuerySerializer(
            data={
                **{key: request.query_params.get(key) for key in ("from", "to")},
                **{key: request.query_params.getlist(key) for key in ("queue", "agent", "team")},
            }
        )
        query.is_valid(raise_exception=True)
        data = query.validated_data
        agent_ids = data.get("agent") or None
        if data.get("team"):
            members = AgentProfile.objects.filter(teams__in=data["team"])
            of_teams = list(members.values_list("pk", flat=True).distinct())
            agent_ids = [a for a in agent_ids if a in of_teams] if agent_ids else of_teams
        outcomes = fcr.contact_outcomes(
            start=data["start"],
            end=data["end"],
            agent_ids=agent_ids,
            queue_ids=data.get("queue") or None,
            where=scope.calls(agent_field="served_by", queue_field="queue"),
        )
        result = {
            "start": data["start"],
            "end": data["end"],
            "window_days": fcr.window().days,
            "definition": fcr.DEFINITION,
            **fcr.fcr_figures(outcomes),
            "contacts": outcomes,
        }
        return Response(FcrSerializer(result).data)
