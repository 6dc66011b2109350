"""QA records: recordings' media in our storage, who listened, and legal holds.

A recording's metadata (telephony.Recording, with its pauses) outlives its media: retention
deletes the file and keeps the row, its audit and its holds. A recording's transcript
(who said what, and when) attaches to telephony.Recording too; automated checks read it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from crm.models import Customer
from telephony.models import Call, Recording


class RecordingMedia(models.Model):
    """Our copy of a recording's audio, and how getting it went."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending: being fetched"
        STORED = "stored", "Stored"
        FAILED = "failed", "Failed: unusable media"
        DELETED = "deleted", "Deleted by retention"

    recording = models.OneToOneField(Recording, on_delete=models.CASCADE, related_name="media")
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    file = models.FileField(upload_to="recordings/%Y/%m/", blank=True, max_length=200)
    content_type = models.CharField(max_length=40, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    reason = models.CharField(
        max_length=300, blank=True, help_text="Why the last fetch failed, or why it is unusable."
    )
    created_at = models.DateTimeField(default=timezone.now)
    fetched_at = models.DateTimeField(null=True, blank=True)
    deleted_at_twilio = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Retention deletes the media then (blank: kept)."
    )
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "recording media"
        indexes = [
            models.Index(fields=["state", "created_at"]),
            models.Index(
                fields=["expires_at"], name="media_to_expire", condition=models.Q(state="stored")
            ),
        ]
        permissions = [
            ("listen_own_recording", "Can listen to recordings of calls they took"),
            ("listen_team_recording", "Can listen to recordings of their teams' calls"),
            ("listen_any_recording", "Can listen to any recording"),
        ]

    def __str__(self) -> str:
        return f"{self.recording} ({self.get_state_display()})"


class RecordingAccess(models.Model):
    """Someone played or downloaded a recording: kept as long as the recording's record."""

    class Action(models.TextChoices):
        PLAY = "play", "Played"
        DOWNLOAD = "download", "Downloaded"

    recording = models.ForeignKey(
        Recording, on_delete=models.CASCADE, null=True, blank=True, related_name="accesses"
    )
    survey = models.ForeignKey(
        "qa.Survey",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comment_accesses",
        help_text="A survey's spoken comment, played instead of a recording of the call.",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    username = models.CharField(max_length=150, help_text="Kept if the user is deleted.")
    action = models.CharField(max_length=8, choices=Action.choices)
    byte_range = models.CharField(max_length=60, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "recording accesses"
        indexes = [models.Index(fields=["recording", "-at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recording__isnull=False, survey__isnull=True)
                | models.Q(recording__isnull=True, survey__isnull=False),
                name="access_of_recording_or_comment",
            )
        ]

    def __str__(self) -> str:
        heard = self.recording or f"the comment of {self.survey}"
        return f"{self.username} {self.action} {heard} {self.at:%Y-%m-%d %H:%M}"


class LegalHold(models.Model):
    """Recordings of a call, or of every call of a customer, are not deleted while held."""

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, null=True, blank=True, related_name="legal_holds"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="legal_holds"
    )
    reason = models.CharField(max_length=300)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    placed_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-placed_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(call__isnull=False, customer__isnull=True)
                | models.Q(call__isnull=True, customer__isnull=False),
                name="hold_on_a_call_or_a_customer",
            )
        ]

    def __str__(self) -> str:
        return f"Hold on {self.call or self.customer}: {self.reason}"

    def clean(self) -> None:
        if (self.call_id is None) == (self.customer_id is None):
            raise ValidationError("Hold either a call or a customer.")


class Transcript(models.Model):
    """What was said in a recording, utterance by utterance, and how transcribing went.

    A backend that fails leaves the transcript FAILED with the reason; it is retried, and
    a transcript is never half-saved: its utterances are written with the DONE state.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending: being transcribed"
        DONE = "done", "Transcribed"
        FAILED = "failed", "Untranscribed"

    recording = models.OneToOneField(Recording, on_delete=models.CASCADE, related_name="transcript")
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    backend = models.CharField(
        max_length=20, blank=True, help_text="Which recognizer made it (twilio, simulator, local)."
    )
    language = models.CharField(max_length=10, default="en-US")
    attempts = models.PositiveSmallIntegerField(default=0)
    reason = models.CharField(max_length=300, blank=True, help_text="Why the last attempt failed.")
    job = models.CharField(
        max_length=64, blank=True, help_text="The backend's id for the work (Twilio's GT...)."
    )
    created_at = models.DateTimeField(default=timezone.now)
    attempted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"Transcript of {self.recording} ({self.get_state_display()})"


class Utterance(models.Model):
    """One party's stretch of speech, with its place in the recording."""

    class Speaker(models.TextChoices):
        CALLER = "caller", "Caller"
        AGENT = "agent", "Agent"
        # Whom the agent consulted while the caller held (a colleague, an outside number).
        CONSULTED = "consult", "Consulted"
        # One channel heard by a recognizer that cannot tell voices apart.
        UNKNOWN = "unknown", "Unknown"

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="utterances")
    speaker = models.CharField(max_length=7, choices=Speaker.choices)
    start_ms = models.PositiveIntegerField(help_text="From the start of the recording.")
    end_ms = models.PositiveIntegerField()
    text = models.TextField()
    confidence = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["transcript", "start_ms", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_ms__gte=models.F("start_ms")),
                name="utterance_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_speaker_display()} {self.start_ms / 1000:.1f}s: {self.text[:40]}"


class QaRule(models.Model):
    """One version of an automated check that every transcribed call is scored against.

    Rules are data, edited in admin; an edit never changes a row a score used: it saves a
    new version under the same name (`qa.autoqa.services.rule_revise`) and retires the old
    one, so a score names exactly the versions it was scored with.
    """

    class Kind(models.TextChoices):
        REQUIRED = "required", "Required phrase"
        FORBIDDEN = "forbidden", "Forbidden phrase"
        EARLY = "early", "Phrase within the first N seconds"
        SILENCE = "silence", "Silence longer than N seconds"
        TALK_RATIO = "talk_ratio", "Talk ratio over or under a bound"
        OVERTALK = "overtalk", "Overtalk longer than N seconds"
        SENTIMENT = "sentiment", "Customer sentiment, start against end"

    class Speaker(models.TextChoices):
        AGENT = "agent", "Agent"
        CALLER = "caller", "Caller"
        ANYONE = "anyone", "Anyone"

    class Bound(models.TextChoices):
        OVER = "over", "Missed when over the threshold"
        UNDER = "under", "Missed when under the threshold"

    class Flag(models.TextChoices):
        NONE = "", "No flag"
        COMPLIANCE = "compliance_miss", "Compliance miss"
        ANGRY = "angry_customer", "Angry customer"
        SILENCE = "long_silence", "Long silence"

    PHRASE_KINDS = (Kind.REQUIRED, Kind.FORBIDDEN, Kind.EARLY)
    SECONDS_KINDS = (Kind.EARLY, Kind.SILENCE, Kind.OVERTALK)

    name = models.SlugField(
        max_length=60, help_text="Stays the same across versions, e.g. recording-disclosure."
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    is_current = models.BooleanField(
        default=True,
        editable=False,
        help_text="The latest version; older ones only explain old scores.",
    )
    active = models.BooleanField(default=True, help_text="Inactive rules score no new call.")
    description = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    speaker = models.CharField(
        max_length=6,
        choices=Speaker.choices,
        default=Speaker.AGENT,
        help_text="Whose words are checked (talk ratio: whose share; overtalk: who talks over).",
    )
    phrases = models.TextField(
        blank=True,
        help_text="Phrase rules: one phrase per line, or alternatives separated by |. Matched "
        "as whole words, in any case.",
    )
    seconds = models.FloatField(
        null=True, blank=True, help_text="N for the first-N-seconds, silence and overtalk rules."
    )
    threshold = models.FloatField(
        null=True,
        blank=True,
        help_text="Talk ratio: the share (0-1) with the bound. Sentiment: the lowest acceptable "
        "compound score at the end of the call (-1 to 1).",
    )
    bound = models.CharField(max_length=5, choices=Bound.choices, default=Bound.OVER)
    weight = models.PositiveSmallIntegerField(default=10)
    auto_fail = models.BooleanField(default=False, help_text="Missed: the call scores 0.")
    flag = models.CharField(
        max_length=16, choices=Flag.choices, blank=True, help_text="Raised on the call when missed."
    )
    queues = models.ManyToManyField(
        "telephony.Queue",
        blank=True,
        related_name="+",
        help_text="Applies to calls of these queues (a campaign's calls: its queue). Empty: all.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "-version"]
        verbose_name = "automated QA rule"
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="qa_rule_version_once"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(is_current=True), name="qa_rule_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind in self.PHRASE_KINDS and not self.phrase_list():
            errors["phrases"] = "Give at least one phrase."
        if self.kind in self.SECONDS_KINDS and (self.seconds is None or self.seconds <= 0):
            errors["seconds"] = "Give a number of seconds above 0."
        if self.kind == self.Kind.TALK_RATIO and not (
            self.threshold is not None and 0 <= self.threshold <= 1
        ):
            errors["threshold"] = "Give a share between 0 and 1."
        if self.kind == self.Kind.SENTIMENT and not (
            self.threshold is not None and -1 <= self.threshold <= 1
        ):
            errors["threshold"] = "Give a compound score between -1 and 1."
        if self.kind == self.Kind.SENTIMENT and self.speaker != self.Speaker.CALLER:
            errors["speaker"] = "Sentiment is the caller's."
        if self.kind == self.Kind.TALK_RATIO and self.speaker == self.Speaker.ANYONE:
            errors["speaker"] = "A share of the talk is the agent's or the caller's."
        if errors:
            raise ValidationError(errors)

    def phrase_list(self) -> list[str]:
        """The phrases, each a list of alternatives joined by |, blanks left out."""
        return [
            alternative.strip()
            for line in self.phrases.splitlines()
            for alternative in line.split("|")
            if alternative.strip()
        ]


class AutoQaScore(models.Model):
    """A transcribed call scored against one set of rule versions.

    One score per transcript and rule set (scoring again changes nothing); re-scoring with
    other rules adds a score and makes it the transcript's current one.
    """

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="scores")
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="auto_qa_scores")
    agent = models.ForeignKey(
        "telephony.AgentProfile",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="auto_qa_scores",
    )
    queue = models.ForeignKey(
        "telephony.Queue", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rule_set = models.CharField(
        max_length=64,
        help_text="A digest of the rule versions used (each result names its version) and "
        "of the transcript's completion: the same set scores one take of a transcript once.",
    )
    score = models.PositiveSmallIntegerField(help_text="0-100, weighted; an auto-fail miss is 0.")
    auto_failed = models.BooleanField(default=False)
    compliance_miss = models.BooleanField(default=False)
    angry_customer = models.BooleanField(default=False)
    long_silence = models.BooleanField(default=False)
    is_current = models.BooleanField(default=True)
    call_started_at = models.DateTimeField(help_text="When the call came in (weeks and dates).")
    scored_at = models.DateTimeField(default=timezone.now)

    FLAGS = ("compliance_miss", "angry_customer", "long_silence")

    class Meta:
        ordering = ["-call_started_at", "-id"]
        verbose_name = "automated QA score"
        constraints = [
            models.UniqueConstraint(
                fields=["transcript", "rule_set"], name="qa_score_once_per_rule_set"
            ),
            models.UniqueConstraint(
                fields=["transcript"],
                condition=models.Q(is_current=True),
                name="qa_score_one_current",
            ),
            models.CheckConstraint(condition=models.Q(score__lte=100), name="qa_score_0_to_100"),
        ]
        indexes = [models.Index(fields=["is_current", "call_started_at"])]

    def __str__(self) -> str:
        return f"Call {self.call_id}: {self.score}"

    @property
    def flags(self) -> list[str]:
        return [flag for flag in self.FLAGS if getattr(self, flag)]

    def rule_versions(self) -> QuerySet[QaRule]:
        """The rule versions it was scored with."""
        return QaRule.objects.filter(results__score=self)


class RuleResult(models.Model):
    """How a call did on one rule, and the utterance (and moment) that decided it."""

    class Outcome(models.TextChoices):
        HIT = "hit", "Hit: the call meets the rule"
        MISSED = "missed", "Missed"
        NOT_APPLICABLE = "na", "Not applicable"

    # Ten results a call are written for every call: no index beyond what reads use
    # (the unique score-and-rule pair serves the score's results; rules are never deleted).
    score = models.ForeignKey(
        AutoQaScore, on_delete=models.CASCADE, related_name="results", db_index=False
    )
    rule = models.ForeignKey(
        QaRule, on_delete=models.PROTECT, related_name="results", db_index=False
    )
    outcome = models.CharField(max_length=6, choices=Outcome.choices)
    utterance = models.ForeignKey(
        Utterance, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at_ms = models.PositiveIntegerField(
        null=True, blank=True, help_text="Where in the recording it was decided."
    )
    value = models.FloatField(
        null=True, blank=True, help_text="What was measured (seconds, share, sentiment)."
    )
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["score", "rule"], name="qa_result_once_per_rule")
        ]

    def __str__(self) -> str:
        return f"{self.rule}: {self.outcome}"


# --- Scorecards and evaluations ----------------------------------------------------------
# People scoring calls: scorecards (versioned), sampling rules filling the analysts' work
# queue, evaluations with answers, comments, disputes and their history, calibration
# sessions, and coaching. Services and reads live in qa/evaluations/.


class Scorecard(models.Model):
    """One version of a scorecard: sections of questions, weighted, some critical.

    Editing a card that scored a call keeps the old version for those evaluations
    (`qa.evaluations.services.scorecard_keep_version`): an evaluation's score always reads
    the questions it was answered with.
    """

    name = models.CharField(max_length=100, help_text="Stays the same across versions.")
    version = models.PositiveIntegerField(default=1, editable=False)
    is_current = models.BooleanField(
        default=True, editable=False, help_text="The version new evaluations use."
    )
    active = models.BooleanField(default=True, help_text="Inactive cards score no new call.")
    description = models.TextField(blank=True)
    pass_mark = models.PositiveSmallIntegerField(
        default=80, help_text="A score (0-100) at or above this passes."
    )
    queues = models.ManyToManyField(
        "telephony.Queue",
        blank=True,
        related_name="+",
        help_text="Scores calls of these queues (a campaign's calls: its queue). Empty: any call.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="scorecard_version_once"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(is_current=True), name="scorecard_one_current"
            ),
            models.CheckConstraint(
                condition=models.Q(pass_mark__lte=100), name="scorecard_pass_mark_0_to_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ScorecardSection(models.Model):
    """A group of questions; its weight is its share of the card's score."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(max_length=100)
    weight = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["scorecard", "position", "id"]

    def __str__(self) -> str:
        return self.title


class ScorecardQuestion(models.Model):
    """A question of a section: yes/no, a 1-5 scale, or points out of a maximum."""

    class Kind(models.TextChoices):
        YES_NO = "yes_no", "Yes / no"
        SCALE = "scale", "Scale 1-5"
        POINTS = "points", "Points"

    # Kept beside the section so the card's admin edits all its questions in one inline.
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="questions")
    section = models.ForeignKey(
        ScorecardSection, on_delete=models.CASCADE, related_name="questions"
    )
    text = models.CharField(max_length=200)
    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.YES_NO)
    max_points = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Points questions: the most an answer earns."
    )
    weight = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text="Share within its section."
    )
    critical = models.BooleanField(
        default=False,
        help_text="Answered with its lowest value (no, 1, 0 points), the whole evaluation "
        "fails with 0.",
    )
    allow_na = models.BooleanField(
        default=True, verbose_name="N/A allowed", help_text="Not applicable: left out of the score."
    )
    guidance = models.TextField(blank=True, help_text="What the analyst looks for.")
    auto_qa_rule = models.SlugField(
        max_length=60,
        blank=True,
        help_text="The automated-QA rule (by name) whose result is shown as a suggestion.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["scorecard", "section__position", "section_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="points")
                | models.Q(max_points__isnull=False, max_points__gt=0),
                name="scorecard_points_have_a_maximum",
            )
        ]

    def __str__(self) -> str:
        return self.text

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == self.Kind.POINTS and not self.max_points:
            errors["max_points"] = "Give the most points an answer earns."
        if self.section_id and self.scorecard_id and self.section.scorecard_id != self.scorecard_id:
            errors["section"] = "Choose a section of this scorecard."
        if errors:
            raise ValidationError(errors)

    @property
    def lowest(self) -> int:
        return 1 if self.kind == self.Kind.SCALE else 0

    @property
    def highest(self) -> int:
        if self.kind == self.Kind.SCALE:
            return 5
        if self.kind == self.Kind.POINTS:
            return self.max_points or 0
        return 1


class SamplingRule(models.Model):
    """Which calls go to the analysts' work queue; rules are data, run by beat."""

    class Kind(models.TextChoices):
        RANDOM = "random", "N random calls per agent per week"
        AUTO_QA_FLAGGED = "auto_qa_flagged", "Every call automated QA flagged"
        LOW_CSAT = "low_csat", "Every call with a low CSAT answer"
        LONGER_THAN = "longer_than", "Every call longer than N minutes"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    active = models.BooleanField(default=True)
    calls_per_agent = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Random: how many calls per agent per week."
    )
    minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Longer than: the call's duration, in minutes."
    )
    csat_at_most = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Low CSAT: an answer (1-5) at or below this."
    )
    queues = models.ManyToManyField(
        "telephony.Queue",
        blank=True,
        related_name="+",
        help_text="Calls of these queues (a campaign's calls: its queue). Empty: all.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        needs = {
            self.Kind.RANDOM: ("calls_per_agent", "Give how many calls per agent per week."),
            self.Kind.LONGER_THAN: ("minutes", "Give a number of minutes."),
            self.Kind.LOW_CSAT: ("csat_at_most", "Give the highest low answer (1-5)."),
        }
        field, message = needs.get(self.kind, (None, ""))  # type: ignore[call-overload]
        if field and not getattr(self, field):
            raise ValidationError({field: message})
        if self.csat_at_most is not None and not 1 <= self.csat_at_most <= 5:
            raise ValidationError({"csat_at_most": "CSAT answers are 1 to 5."})


class WorkItem(models.Model):
    """A sampled call waiting in the analysts' work queue; an analyst's claim on it lapses
    at `claim_expires_at`."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="qa_work_item")
    agent = models.ForeignKey(
        "telephony.AgentProfile", on_delete=models.CASCADE, related_name="qa_work_items"
    )
    queue = models.ForeignKey(
        "telephony.Queue", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rule = models.ForeignKey(
        SamplingRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    reason = models.CharField(max_length=200)
    sampled_at = models.DateTimeField(default=timezone.now)
    call_started_at = models.DateTimeField(help_text="When the call came in (weeks).")
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True, help_text="Its evaluation submitted.")

    class Meta:
        ordering = ["sampled_at", "id"]
        indexes = [
            models.Index(fields=["done_at", "sampled_at"]),
            models.Index(fields=["rule", "agent", "call_started_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.call} ({self.reason})"


class Calibration(models.Model):
    """Several analysts score one call blind; then their answers are compared."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="calibrations")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="+")
    analysts = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="calibrations")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"Calibration of {self.call}"


class Evaluation(models.Model):
    """An analyst's scoring of one call on one scorecard version."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        DISPUTED = "disputed", "Disputed"
        RESOLVED = "resolved", "Dispute resolved"

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="evaluations")
    agent = models.ForeignKey(
        "telephony.AgentProfile", on_delete=models.CASCADE, related_name="evaluations"
    )
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="evaluations")
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evaluations_made"
    )
    calibration = models.ForeignKey(
        Calibration,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evaluations",
        help_text="A calibration's scoring: compared, never shown to the agent.",
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    score = models.FloatField(null=True, blank=True, help_text="0-100 as submitted.")
    final_score = models.FloatField(
        null=True, blank=True, help_text="0-100 after disputes (as submitted without any)."
    )
    critical_failed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["calibration", "analyst"],
                condition=models.Q(calibration__isnull=False),
                name="evaluation_once_per_calibration_analyst",
            )
        ]
        indexes = [models.Index(fields=["agent", "state"])]
        permissions = [
            ("score_call", "Can score calls (claim, draft, submit, calibrate)"),
            ("view_own_evaluation", "Can see their own evaluations, acknowledge and dispute"),
            ("view_team_evaluation", "Can see their teams' evaluations"),
            ("view_any_evaluation", "Can see any evaluation"),
            ("review_dispute", "Can decide disputes of evaluations they did not score"),
            ("coach_agent", "Can open coaching sessions for agents they may see"),
        ]

    def __str__(self) -> str:
        return f"{self.scorecard} of {self.call} by {self.analyst}"

    @property
    def passed(self) -> bool | None:
        score = self.final_score if self.final_score is not None else self.score
        return None if score is None else score >= self.scorecard.pass_mark


class Answer(models.Model):
    """One question's answer: a value between the question's lowest and highest, or N/A."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(ScorecardQuestion, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Blank: N/A.")

    class Meta:
        ordering = ["evaluation", "question"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "question"], name="answer_once")
        ]

    def __str__(self) -> str:
        return f"{self.question}: {'N/A' if self.value is None else self.value}"


class EvaluationComment(models.Model):
    """A remark on the call, at a moment of the recording (or on the call as a whole)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at_ms = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["evaluation", "at_ms", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class Dispute(models.Model):
    """The agent contests one answer; a supervisor or another analyst decides."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        UPHELD = "upheld", "Upheld: answer changed"
        REJECTED = "rejected", "Rejected: answer stands"

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="disputes")
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="disputes")
    reason = models.TextField()
    raised_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review_note = models.TextField(blank=True)
    value_before = models.PositiveSmallIntegerField(null=True, blank=True)
    value_after = models.PositiveSmallIntegerField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["evaluation", "raised_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["answer"], condition=models.Q(state="open"), name="dispute_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"Dispute of {self.answer} ({self.state})"


class EvaluationEvent(models.Model):
    """The evaluation's history: each step, who took it, and the score after it."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    what = models.CharField(max_length=200)
    score = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["evaluation", "at", "id"]

    def __str__(self) -> str:
        return self.what


class CoachingSession(models.Model):
    """A supervisor coaches an agent on an evaluation or a set of calls; done once both
    the supervisor and the agent confirm it."""

    agent = models.ForeignKey(
        "telephony.AgentProfile", on_delete=models.CASCADE, related_name="coaching_sessions"
    )
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.SET_NULL, null=True, blank=True, related_name="coaching"
    )
    calls = models.ManyToManyField(Call, blank=True, related_name="coaching_sessions")
    notes = models.TextField(blank=True)
    goals = models.TextField()
    due_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    coach_confirmed_at = models.DateTimeField(null=True, blank=True)
    agent_confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"Coaching {self.agent} by {self.due_on}"

    @property
    def done(self) -> bool:
        return bool(self.coach_confirmed_at and self.agent_confirmed_at)


# --- Post-call surveys --------------------------------------------------------------------
# The customer's own verdict (CSAT): a plan says which calls are surveyed and how, its
# questions (one to three, on a 1-5 scale) are data worded per language, and each surveyed
# call has one Survey with its answers. qa.surveys holds the services, webhooks and pages.

SURVEY_SCALE = range(1, 6)


def validate_wording(value: object) -> None:
    """Wording is {"en-US": "How happy...", ...}: at least one language, each non-empty."""
    if not isinstance(value, dict) or not value:
        raise ValidationError('Give the wording per language, e.g. {"en-US": "..."}.')
    for language, text in value.items():
        if not isinstance(text, str) or not text.strip() or not str(language).strip():
            raise ValidationError(f"The wording for “{language}” is empty.")


class SurveyPlan(models.Model):
    """Which calls are surveyed after their conversation, by phone (the caller stays on
    the line when the agent leaves) or by SMS (sent when the call ends). Opt-in: only the
    queues and campaigns named; a campaign's plan comes before its queue's."""

    class Channel(models.TextChoices):
        IVR = "ivr", "On the line, after the agent leaves"
        SMS = "sms", "By SMS, after the call"

    name = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(default=True)
    channel = models.CharField(max_length=3, choices=Channel.choices, default=Channel.IVR)
    queues = models.ManyToManyField("telephony.Queue", blank=True, related_name="+")
    campaigns = models.ManyToManyField("campaigns.Campaign", blank=True, related_name="+")
    introduction = models.JSONField(
        default=dict,
        blank=True,
        help_text='Said (or texted) first, per language: {"en-US": "Please stay on the line..."}.',
    )
    ask_comment = models.BooleanField(
        default=False, help_text="Phone surveys: the caller may leave a spoken comment last."
    )
    comment_prompt = models.JSONField(default=dict, blank=True, help_text="Per language.")
    reply_window_minutes = models.PositiveIntegerField(
        default=24 * 60, help_text="SMS surveys: a reply counts this long after sending."
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "survey plan"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for field in ("introduction", "comment_prompt"):
            value = getattr(self, field)
            if value:
                try:
                    validate_wording(value)
                except ValidationError as problem:
                    errors[field] = problem.messages[0]
        if self.ask_comment and not self.comment_prompt:
            errors["comment_prompt"] = "Say how the caller is asked for a comment."
        if errors:
            raise ValidationError(errors)


class SurveyQuestion(models.Model):
    """One question of a plan, answered 1 (worst) to 5 (best). The first one is the
    satisfaction question CSAT counts; an SMS survey asks only that one."""

    MAX_PER_PLAN = 3

    plan = models.ForeignKey(SurveyPlan, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PER_PLAN)]
    )
    wording = models.JSONField(
        validators=[validate_wording],
        help_text='Per language: {"en-US": "How satisfied were you? Press 1 to 5."}.',
    )
    speech_hints = models.CharField(
        max_length=200, blank=True, help_text="Words the recognizer should expect (phone)."
    )

    class Meta:
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="survey_question_position"),
            models.CheckConstraint(
                condition=models.Q(position__gte=1, position__lte=3),
                name="survey_one_to_three_questions",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} Q{self.position}"


class Survey(models.Model):
    """One call's survey: who it is about, how far the customer got, and when."""

    class Status(models.TextChoices):
        STARTED = "started", "Started on the line"
        SENT = "sent", "Sent by SMS, awaiting the reply"
        COMPLETED = "completed", "Answered"
        ABANDONED = "abandoned", "Hung up before the end"
        UNANSWERED = "unanswered", "Nothing answered"

    OPEN = (Status.STARTED, Status.SENT)

    plan = models.ForeignKey(SurveyPlan, on_delete=models.PROTECT, related_name="surveys")
    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="survey")
    channel = models.CharField(max_length=3, choices=SurveyPlan.Channel.choices)
    agent = models.ForeignKey(
        "telephony.AgentProfile",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="surveys",
    )
    queue = models.ForeignKey(
        "telephony.Queue", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="surveys"
    )
    language = models.CharField(max_length=10, default="en-US")
    status = models.CharField(max_length=10, choices=Status.choices)
    phone_number = models.CharField(
        max_length=64, blank=True, help_text="SMS surveys: the customer's number texted."
    )
    our_number = models.CharField(max_length=64, blank=True, help_text="SMS: sent from.")
    message_sid = models.CharField(max_length=34, blank=True)
    reply_sids = models.JSONField(
        default=list, blank=True, help_text="The texts taken as replies (not new contacts)."
    )
    comment_recording_sid = models.CharField(max_length=34, blank=True)
    comment_recording_url = models.URLField(max_length=300, blank=True)
    comment_seconds = models.PositiveIntegerField(null=True, blank=True)
    # Our copy of the comment, fetched as recordings' media is (blank state: no comment).
    comment_state = models.CharField(max_length=8, choices=RecordingMedia.State.choices, blank=True)
    comment_file = models.FileField(upload_to="survey-comments/%Y/%m/", blank=True)
    comment_size_bytes = models.PositiveBigIntegerField(default=0)
    comment_attempts = models.PositiveSmallIntegerField(default=0)
    comment_reason = models.CharField(
        max_length=300, blank=True, help_text="Why the comment's last fetch failed."
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="SMS: a reply after this is too late."
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("view_team_survey", "Can see the survey answers of their teams' calls"),
            ("view_any_survey", "Can see every survey answer"),
        ]
        indexes = [
            models.Index(fields=["phone_number", "-created_at"], name="survey_reply_match"),
            models.Index(fields=["answered_at"], name="survey_answered_window"),
        ]

    def __str__(self) -> str:
        return f"Survey of {self.call} ({self.get_status_display()})"

    @property
    def score(self) -> int | None:
        """The answer to the satisfaction question (the first), if given."""
        for answer in self.answers.all():
            if answer.question.position == 1:
                return answer.score
        return None


class SurveyAnswer(models.Model):
    """The customer's answer to one question: one per question, the first one counts."""

    class Via(models.TextChoices):
        KEYS = "keys", "Keypad"
        SPEECH = "speech", "Speech"
        SMS = "sms", "SMS reply"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    via = models.CharField(max_length=6, choices=Via.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["survey", "question__position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "question"], name="survey_answer_once"),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="survey_answer_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} Q{self.question.position}: {self.score}"
