"""REST API of scorecards and evaluations (read only): the cards with their questions, and
the evaluations each role may see, with answers and dispute state."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from rest_framework import permissions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.views import APIView

from callcenter.api import FilterSet
from callcenter.http import SignedInApiRequest

from ..models import (
    Answer,
    Dispute,
    Evaluation,
    Scorecard,
    ScorecardQuestion,
    ScorecardSection,
)
from . import selectors


class EvaluationReaders(permissions.IsAuthenticated):
    """Roles that see some evaluations (and so the cards they were scored on)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return super().has_permission(request, view) and selectors.may_see_evaluations(request.user)


class QuestionSerializer(serializers.ModelSerializer):
    lowest = serializers.IntegerField(read_only=True)
    highest = serializers.IntegerField(read_only=True)

    class Meta:
        model = ScorecardQuestion
        fields = [
            "id",
            "text",
            "kind",
            "max_points",
            "lowest",
            "highest",
            "weight",
            "critical",
            "allow_na",
            "guidance",
            "auto_qa_rule",
        ]


class SectionSerializer(serializers.ModelSerializer):
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta:
        model = ScorecardSection
        fields = ["id", "title", "weight", "questions"]


class ScorecardSerializer(serializers.ModelSerializer):
    sections = SectionSerializer(many=True, read_only=True)

    class Meta:
        model = Scorecard
        fields = [
            "id",
            "name",
            "version",
            "is_current",
            "active",
            "description",
            "pass_mark",
            "queues",
            "sections",
        ]


class ScorecardFilter(FilterSet):
    class Meta:
        model = Scorecard
        fields = ["name", "is_current", "active", "queues"]


class ScorecardViewSet(viewsets.ReadOnlyModelViewSet):
    """Scorecards, every version (evaluations name the one they were scored with)."""

    serializer_class = ScorecardSerializer
    permission_classes = [EvaluationReaders]
    filterset_class = ScorecardFilter
    ordering_fields = ["name", "version"]

    def get_queryset(self) -> QuerySet[Scorecard]:
        return Scorecard.objects.prefetch_related(
            Prefetch(
                "sections",
                queryset=ScorecardSection.objects.prefetch_related("questions"),
            ),
            "queues",
        ).order_by("name", "-version")


class AnswerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Answer
        fields = ["question", "value"]


class DisputeSerializer(serializers.ModelSerializer):
    question = serializers.IntegerField(source="answer.question_id", read_only=True)
    reviewer = serializers.CharField(source="reviewer.username", default=None, allow_null=True)

    class Meta:
        model = Dispute
        fields = [
            "id",
            "question",
            "reason",
            "state",
            "raised_at",
            "reviewer",
            "review_note",
            "value_before",
            "value_after",
            "reviewed_at",
        ]


class EvaluationSerializer(serializers.ModelSerializer):
    analyst = serializers.CharField(source="analyst.username", read_only=True)
    passed = serializers.BooleanField(read_only=True, allow_null=True)
    answers = AnswerSerializer(many=True, read_only=True)
    disputes = DisputeSerializer(many=True, read_only=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "call",
            "agent",
            "scorecard",
            "analyst",
            "state",
            "score",
            "final_score",
            "critical_failed",
            "passed",
            "created_at",
            "submitted_at",
            "acknowledged_at",
            "answers",
            "disputes",
        ]


class EvaluationFilter(FilterSet):
    dispute_state = django_filters.ChoiceFilter(
        choices=[
            ("open", "An open dispute"),
            ("decided", "Disputes all decided"),
            ("none", "No dispute"),
        ],
        method="filter_dispute_state",
        label="Dispute state",
    )
    submitted_after = django_filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="gte")
    submitted_before = django_filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="lt")
    critical_failed = django_filters.BooleanFilter()

    class Meta:
        model = Evaluation
        fields = ["call", "agent", "scorecard", "state"]

    def filter_dispute_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        disputes = Dispute.objects.filter(evaluation=OuterRef("pk"))
        open_ones = disputes.filter(state=Dispute.State.OPEN)
        if value == "open":
            return queryset.filter(Exists(open_ones))
        if value == "decided":
            return queryset.filter(Exists(disputes)).exclude(Exists(open_ones))
        return queryset.exclude(Exists(disputes))


class EvaluationViewSet(viewsets.ReadOnlyModelViewSet):
    """Evaluations you may see (agents their own, supervisors their teams', analysts and
    managers all), with their answers and disputes, newest first."""

    request: SignedInApiRequest
    serializer_class = EvaluationSerializer
    permission_classes = [EvaluationReaders]
    filterset_class = EvaluationFilter
    ordering_fields = ["created_at", "submitted_at", "final_score"]

    def get_queryset(self) -> QuerySet[Evaluation]:
        return (
            selectors.evaluations_visible_to(self.request.user)
            .select_related("analyst", "scorecard")
            .prefetch_related("answers", "disputes__reviewer", "disputes__answer")
            .order_by("-created_at", "-id")
        )
