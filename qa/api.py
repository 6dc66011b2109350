"""REST API of qa: recordings' metadata (the media itself only through the
permission-checked, audited stream of the call's page), their transcripts, and automated QA's
scores."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import permissions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.views import APIView

from callcenter.api import FilterSet, RolePermissions
from callcenter.http import SignedInApiRequest
from telephony.models import Recording, RecordingPause

from . import selectors
from .autoqa import selectors as autoqa
from .models import AutoQaScore, RecordingMedia, RuleResult, Transcript, Utterance


class Listeners(permissions.IsAuthenticated):
    """Roles that may hear some recordings; which ones, the queryset says."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return super().has_permission(request, view) and selectors.may_listen_at_all(request.user)


class RecordingPauseSerializer(serializers.ModelSerializer):
    paused_by = serializers.CharField(source="paused_by.username", default="", read_only=True)
    seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = RecordingPause
        fields = ["paused_at", "resumed_at", "seconds", "paused_by"]


class RecordingSerializer(serializers.ModelSerializer):
    call_sid = serializers.CharField(source="call.sid", read_only=True)
    customer = serializers.IntegerField(source="call.customer_id", read_only=True, allow_null=True)
    media_state = serializers.SerializerMethodField()
    media_reason = serializers.SerializerMethodField()
    media_expires_at = serializers.SerializerMethodField()
    media_url = serializers.SerializerMethodField()
    pauses = RecordingPauseSerializer(many=True, read_only=True)

    class Meta:
        model = Recording
        fields = [
            "id",
            "sid",
            "call",
            "call_sid",
            "customer",
            "status",
            "source",
            "channels",
            "duration_seconds",
            "started_at",
            "completed_at",
            "media_state",
            "media_reason",
            "media_expires_at",
            "media_url",
            "pauses",
        ]

    @staticmethod
    def _media(recording: Recording) -> RecordingMedia | None:
        return getattr(recording, "media", None)

    @extend_schema_field(
        serializers.ChoiceField(choices=RecordingMedia.State.choices, allow_null=True)
    )
    def get_media_state(self, recording: Recording) -> str | None:
        media = self._media(recording)
        return media.state if media else None

    @extend_schema_field(serializers.CharField())
    def get_media_reason(self, recording: Recording) -> str:
        media = self._media(recording)
        return media.reason if media else ""

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_media_expires_at(self, recording: Recording) -> str | None:
        media = self._media(recording)
        return (
            serializers.DateTimeField().to_representation(media.expires_at)
            if (media and media.expires_at)
            else None
        )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_media_url(self, recording: Recording) -> str | None:
        """The app's stream (permission-checked, audited) once the media is stored."""
        media = self._media(recording)
        if media is None or media.state != RecordingMedia.State.STORED:
            return None
        request = self.context.get("request")
        path = reverse("qa:recording_media", args=[recording.pk])
        return request.build_absolute_uri(path) if request else path


class RecordingFilter(FilterSet):
    customer = django_filters.NumberFilter(field_name="call__customer", label="Customer id")
    media_state = django_filters.ChoiceFilter(
        field_name="media__state", choices=RecordingMedia.State.choices
    )
    started_after = django_filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = django_filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="lt")
    paused = django_filters.BooleanFilter(method="filter_paused", label="Has pauses")

    class Meta:
        model = Recording
        fields = ["call", "status", "source"]

    def filter_paused(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        with_pauses = queryset.filter(pauses__isnull=False).values("pk")
        return (
            queryset.filter(pk__in=with_pauses) if value else queryset.exclude(pk__in=with_pauses)
        )


class RecordingViewSet(viewsets.ReadOnlyModelViewSet):
    """Recordings of the calls you may hear (your own, your teams', or all), newest first."""

    request: SignedInApiRequest
    serializer_class = RecordingSerializer
    permission_classes = [Listeners]
    filterset_class = RecordingFilter
    ordering_fields = ["started_at", "duration_seconds", "created_at"]

    def get_queryset(self) -> QuerySet[Recording]:
        return selectors.recordings_audible_to(self.request.user)


class RuleResultSerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule.name", read_only=True)
    rule_version = serializers.IntegerField(source="rule.version", read_only=True)
    kind = serializers.CharField(source="rule.kind", read_only=True)
    auto_fail = serializers.BooleanField(source="rule.auto_fail", read_only=True)
    text = serializers.CharField(source="utterance.text", default=None, allow_null=True)
    speaker = serializers.CharField(source="utterance.speaker", default=None, allow_null=True)

    class Meta:
        model = RuleResult
        fields = [
            "rule",
            "rule_version",
            "kind",
            "auto_fail",
            "outcome",
            "at_ms",
            "value",
            "detail",
            "utterance",
            "speaker",
            "text",
        ]


class AutoQaScoreSerializer(serializers.ModelSerializer):
    recording = serializers.IntegerField(source="transcript.recording_id", read_only=True)
    flags = serializers.ListField(child=serializers.CharField(), read_only=True)
    results = RuleResultSerializer(many=True, read_only=True)

    class Meta:
        model = AutoQaScore
        fields = [
            "id",
            "call",
            "recording",
            "agent",
            "queue",
            "score",
            "auto_failed",
            "flags",
            "call_started_at",
            "scored_at",
            "results",
        ]


class AutoQaScoreFilter(FilterSet):
    flag = django_filters.ChoiceFilter(
        choices=[(flag, flag.replace("_", " ")) for flag in AutoQaScore.FLAGS],
        method="filter_flag",
        label="Raised flag",
    )
    started_after = django_filters.IsoDateTimeFilter(
        field_name="call_started_at", lookup_expr="gte"
    )
    started_before = django_filters.IsoDateTimeFilter(
        field_name="call_started_at", lookup_expr="lt"
    )
    score_min = django_filters.NumberFilter(field_name="score", lookup_expr="gte")
    score_max = django_filters.NumberFilter(field_name="score", lookup_expr="lte")

    class Meta:
        model = AutoQaScore
        fields = ["call", "agent", "queue"]

    def filter_flag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(**{value: True})

    def is_valid(self) -> bool:
        valid = super().is_valid()
        data = self.form.cleaned_data if valid else {}
        low, high = data.get("score_min"), data.get("score_max")
        for field in ("score_min", "score_max"):
            if data.get(field) is not None and not 0 <= data[field] <= 100:
                self.form.add_error(field, "A score is between 0 and 100.")
        if low is not None and high is not None and low > high:
            self.form.add_error("score_max", "Give a maximum at least the minimum.")
        after, before = data.get("started_after"), data.get("started_before")
        if after and before and after >= before:
            self.form.add_error("started_before", "Give an end after the start.")
        return valid and not self.form.errors


class AutoQaScoreViewSet(viewsets.ReadOnlyModelViewSet):
    """Automated QA's current score of each transcribed call you may hear (your own, your
    teams', or all), rule by rule, newest call first."""

    request: SignedInApiRequest
    serializer_class = AutoQaScoreSerializer
    permission_classes = [RolePermissions]
    filterset_class = AutoQaScoreFilter
    ordering_fields = ["call_started_at", "score"]

    def get_queryset(self) -> QuerySet[AutoQaScore]:
        return (
            autoqa.scores_visible_to(self.request.user)
            .select_related("transcript")
            .prefetch_related("results__rule", "results__utterance")
            .order_by("-call_started_at", "-id")
        )


class UtteranceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Utterance
        fields = ["speaker", "start_ms", "end_ms", "text", "confidence"]


class TranscriptSerializer(serializers.ModelSerializer):
    call = serializers.IntegerField(source="recording.call_id", read_only=True)
    recording_sid = serializers.CharField(source="recording.sid", read_only=True)
    utterances = UtteranceSerializer(many=True, read_only=True)

    class Meta:
        model = Transcript
        fields = [
            "id",
            "recording",
            "recording_sid",
            "call",
            "state",
            "backend",
            "language",
            "attempts",
            "reason",
            "created_at",
            "completed_at",
            "utterances",
        ]


class TranscriptFilter(FilterSet):
    call = django_filters.NumberFilter(field_name="recording__call", label="Call id")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    completed_after = django_filters.IsoDateTimeFilter(field_name="completed_at", lookup_expr="gte")
    completed_before = django_filters.IsoDateTimeFilter(field_name="completed_at", lookup_expr="lt")

    class Meta:
        model = Transcript
        fields = ["recording", "state", "backend"]


class TranscriptViewSet(viewsets.ReadOnlyModelViewSet):
    """Transcripts of the recordings you may hear (your own calls, your teams', or all),
    newest first, each with its utterances (speaker, start and end in ms, text)."""

    request: SignedInApiRequest
    serializer_class = TranscriptSerializer
    permission_classes = [Listeners]
    filterset_class = TranscriptFilter
    ordering_fields = ["created_at", "completed_at"]

    def get_queryset(self) -> QuerySet[Transcript]:
        return selectors.transcripts_audible_to(self.request.user)
