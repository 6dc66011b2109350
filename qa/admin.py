"""Admin of qa: recordings' media and its state, the listening audit (read only), holds,
transcripts; automated QA's rules (every edit a new version) and scores (read only);
scorecards (inline sections and questions, versioned, with a preview), sampling rules, and
evaluations (read only)."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Count, QuerySet
from django.forms import ModelChoiceField, ModelForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from telephony.admin import ReadOnlyAdmin

from . import tasks
from .autoqa import services as autoqa
from .evaluations import selectors as evaluation_selectors
from .evaluations import services as evaluations
from .evaluations.forms import ScorecardForm
from .models import (
    Answer,
    AutoQaScore,
    Calibration,
    CoachingSession,
    Dispute,
    Evaluation,
    EvaluationEvent,
    LegalHold,
    QaRule,
    RecordingAccess,
    RecordingMedia,
    RuleResult,
    SamplingRule,
    Scorecard,
    ScorecardQuestion,
    ScorecardSection,
    Survey,
    SurveyAnswer,
    SurveyPlan,
    SurveyQuestion,
    Transcript,
    Utterance,
    WorkItem,
)

# How far back the rules' re-score action reaches.
RESCORE_DAYS = 30


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
    list_display = ["at", "username", "action", "recording", "survey", "byte_range"]
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


def may_rescore(request: HttpRequest) -> bool:
    """Those who edit the rules re-score with them."""
    return request.user.has_perm("qa.change_qarule")


@admin.register(QaRule)
class QaRuleAdmin(admin.ModelAdmin):
    """Saving an edit makes the rule's next version; old versions are read only, kept for
    the scores that used them, and never deleted (make a rule inactive instead)."""

    list_display = [
        "name",
        "version",
        "is_current",
        "active",
        "kind",
        "speaker",
        "weight",
        "auto_fail",
        "flag",
    ]
    list_filter = ["is_current", "active", "kind", "flag"]
    search_fields = ["name", "description", "phrases"]
    readonly_fields = ["version", "is_current", "created_at", "created_by"]
    filter_horizontal = ["queues"]
    actions = ["rescore"]

    def has_change_permission(self, request: HttpRequest, obj: QaRule | None = None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or obj.is_current)

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_rescore_permission(self, request: HttpRequest) -> bool:
        return may_rescore(request)

    def save_model(self, request: HttpRequest, obj: QaRule, form: ModelForm, change: bool) -> None:
        autoqa.rule_revise(
            rule=obj,
            by=request.user,  # type: ignore[arg-type]  # admin users are Users
            queues=form.cleaned_data.get("queues"),
        )

    @admin.action(
        description=f"Re-score the last {RESCORE_DAYS} days' calls of these rules",
        permissions=["rescore"],
    )
    def rescore(self, request: HttpRequest, queryset: QuerySet[QaRule]) -> None:
        since = (timezone.now() - timedelta(days=RESCORE_DAYS)).isoformat()
        queue_sets = [set(rule.queues.values_list("pk", flat=True)) for rule in queryset]
        # A rule for every queue re-scores every call; else only the rules' queues.
        queue_ids: list[int | None] = (
            [None]
            if any(not queues for queues in queue_sets)
            else [*sorted(set[int]().union(*queue_sets))]
        )
        for queue_id in queue_ids:
            transaction.on_commit(partial(tasks.auto_qa_rescore.delay, since, queue_id))
        self.message_user(request, "Re-scoring started; the scores change as it goes.")


class RuleResultInline(admin.TabularInline):
    model = RuleResult
    fields = readonly_fields = ("rule", "outcome", "at_ms", "value", "detail", "utterance")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(AutoQaScore)
class AutoQaScoreAdmin(ReadOnly):
    list_display = [
        "call",
        "score",
        "auto_failed",
        "compliance_miss",
        "angry_customer",
        "long_silence",
        "is_current",
        "agent",
        "queue",
        "call_started_at",
    ]
    list_filter = ["is_current", "compliance_miss", "angry_customer", "long_silence", "queue"]
    search_fields = ["call__sid"]
    date_hierarchy = "call_started_at"
    inlines = [RuleResultInline]
    actions = ["rescore"]

    def has_rescore_permission(self, request: HttpRequest) -> bool:
        return may_rescore(request)

    @admin.action(
        description="Re-score these calls with the current rules", permissions=["rescore"]
    )
    def rescore(self, request: HttpRequest, queryset: QuerySet[AutoQaScore]) -> None:
        made = autoqa.transcripts_score(
            transcript_ids=sorted(set(queryset.values_list("transcript_id", flat=True)))
        )
        self.message_user(request, f"{made} new scores.", messages.SUCCESS)


# --- Scorecards and evaluations ----------------------------------------------------------


class ScorecardSectionInline(admin.TabularInline):
    model = ScorecardSection
    fields = ("position", "title", "weight")
    extra = 0


class ScorecardQuestionInline(admin.StackedInline):
    model = ScorecardQuestion
    fields = (
        ("section", "position"),
        "text",
        ("kind", "max_points", "weight"),
        ("critical", "allow_na", "auto_qa_rule"),
        "guidance",
    )
    extra = 0

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        # Only this card's sections (saved first: a new card's questions come after them).
        if db_field.name == "section":
            match = request.resolver_match
            card_id = match.kwargs.get("object_id") if match else None
            kwargs["queryset"] = ScorecardSection.objects.filter(scorecard_id=card_id or 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Scorecard)
class ScorecardAdmin(admin.ModelAdmin):
    """Sections first, then their questions. Saving a card that already scored calls keeps
    the old version for those evaluations; the edit becomes the next version. Old versions
    are read only; the preview scores sample answers as the card would."""

    list_display = ["name", "version", "is_current", "active", "pass_mark", "evaluation_count"]
    list_filter = ["is_current", "active"]
    search_fields = ["name", "description"]
    readonly_fields = ["version", "is_current", "created_at", "created_by", "preview_link"]
    filter_horizontal = ["queues"]
    inlines = [ScorecardSectionInline, ScorecardQuestionInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Scorecard]:
        return super().get_queryset(request).annotate(evaluation_total=Count("evaluations"))

    @admin.display(description="Evaluations", ordering="evaluation_total")
    def evaluation_count(self, card: Scorecard) -> int:
        return card.evaluation_total  # type: ignore[attr-defined]  # annotated above

    @admin.display(description="Preview")
    def preview_link(self, card: Scorecard) -> str:
        if card.pk is None:
            return "Save the card to preview it."
        url = reverse("admin:qa_scorecard_preview", args=[card.pk])
        return format_html('<a href="{}">How it scores</a>', url)

    def has_change_permission(self, request: HttpRequest, obj: Scorecard | None = None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or obj.is_current)

    def has_delete_permission(self, request: HttpRequest, obj: Scorecard | None = None) -> bool:
        return super().has_delete_permission(request, obj) and not (
            obj and evaluations.scorecard_in_use(scorecard=obj)
        )

    def save_model(
        self, request: HttpRequest, obj: Scorecard, form: ModelForm, change: bool
    ) -> None:
        if change and evaluations.scorecard_in_use(scorecard=obj):
            evaluations.scorecard_keep_version(scorecard=obj)
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]  # admin users are Users
        super().save_model(request, obj, form, change)

    def get_urls(self) -> list[URLPattern]:
        preview = path(
            "<int:pk>/preview/",
            self.admin_site.admin_view(self.preview_view),
            name="qa_scorecard_preview",
        )
        return [preview, *super().get_urls()]

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Answer the card's questions with sample values and see the score it gives."""
        card = get_object_or_404(Scorecard, pk=pk)
        if not self.has_view_permission(request, card):
            raise PermissionDenied
        questions = evaluation_selectors.scorecard_questions(scorecard=card)
        form = ScorecardForm(request.GET or None, questions=questions)
        result = (
            evaluations.scorecard_preview(scorecard=card, answers=form.answers())
            if form.is_valid()
            else None
        )
        return TemplateResponse(
            request,
            "admin/qa/scorecard/preview.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": card,
                "title": f"Preview of {card}",
                "form": form,
                "result": result,
            },
        )


@admin.register(SamplingRule)
class SamplingRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "active", "calls_per_agent", "minutes", "csat_at_most"]
    list_filter = ["kind", "active"]
    filter_horizontal = ["queues"]


@admin.register(WorkItem)
class WorkItemAdmin(ReadOnly):
    list_display = ["call", "agent", "queue", "reason", "sampled_at", "claimed_by", "done_at"]
    list_filter = ["rule", "queue"]
    date_hierarchy = "sampled_at"


class AnswerInline(admin.TabularInline):
    model = Answer
    fields = readonly_fields = ("question", "value")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


class DisputeInline(AnswerInline):
    model = Dispute  # type: ignore[assignment]  # the same read-only inline, another model
    fields = readonly_fields = (  # type: ignore[assignment]
        "answer",
        "reason",
        "state",
        "reviewer",
        "value_before",
        "value_after",
    )


class EvaluationEventInline(AnswerInline):
    model = EvaluationEvent  # type: ignore[assignment]
    fields = readonly_fields = ("at", "by", "what", "score")  # type: ignore[assignment]


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnly):
    list_display = ["call", "agent", "scorecard", "analyst", "state", "score", "final_score"]
    list_filter = ["state", "critical_failed", "scorecard"]
    date_hierarchy = "created_at"
    inlines = [AnswerInline, DisputeInline, EvaluationEventInline]


@admin.register(Calibration)
class CalibrationAdmin(ReadOnly):
    list_display = ["call", "scorecard", "opened_by", "opened_at"]


@admin.register(CoachingSession)
class CoachingSessionAdmin(admin.ModelAdmin):
    list_display = ["agent", "coach", "due_on", "coach_confirmed_at", "agent_confirmed_at"]
    raw_id_fields = ["evaluation", "calls"]


# --- Post-call surveys ----------------------------------------------------------------------


class SurveyQuestionInline(admin.TabularInline):
    model = SurveyQuestion
    extra = 0
    max_num = SurveyQuestion.MAX_PER_PLAN
    min_num = 1


@admin.register(SurveyPlan)
class SurveyPlanAdmin(admin.ModelAdmin):
    """Which queues and campaigns survey their calls, how, and with which questions."""

    list_display = ["name", "active", "channel", "ask_comment", "reply_window_minutes"]
    list_filter = ["active", "channel"]
    filter_horizontal = ["queues", "campaigns"]
    inlines = [SurveyQuestionInline]


class SurveyAnswerInline(admin.TabularInline):
    model = SurveyAnswer
    extra = 0
    can_delete = False
    readonly_fields = ["question", "score", "via", "at"]

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(Survey)
class SurveyAdmin(ReadOnly):
    list_display = ["created_at", "call", "channel", "status", "agent", "queue", "customer"]
    list_filter = ["channel", "status", "plan"]
    search_fields = ["call__sid", "phone_number", "customer__name"]
    date_hierarchy = "created_at"
    inlines = [SurveyAnswerInline]
