"""Demo data of qa: a few automated-QA rules every call is scored against; a scorecard,
sampling rules, and one scored call."""

from __future__ import annotations

import io
import wave
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from telephony.models import AgentProfile, Call, Queue, QueueEntry, Recording

from .autoqa.services import rule_revise
from .evaluations.services import evaluation_comment_add, evaluation_save, evaluation_start
from .models import (
    Evaluation,
    QaRule,
    RecordingMedia,
    SamplingRule,
    Scorecard,
    ScorecardQuestion,
    ScorecardSection,
    Transcript,
    Utterance,
)

K, F = QaRule.Kind, QaRule.Flag

DEMO_RULES = (
    QaRule(
        name="greeting",
        description="The agent greets the caller and names the company.",
        kind=K.REQUIRED,
        phrases="thank you for calling|you've reached|good morning|good afternoon",
        weight=15,
    ),
    QaRule(
        name="recording-disclosure",
        description="The agent says the call is recorded.",
        kind=K.REQUIRED,
        phrases="this call may be recorded|this call is recorded|call is being recorded",
        weight=25,
        flag=F.COMPLIANCE,
    ),
    QaRule(
        name="closing",
        description="The agent closes the call politely.",
        kind=K.REQUIRED,
        phrases="have a great day|have a good day|goodbye|anything else",
        weight=10,
    ),
    QaRule(
        name="no-guarantee",
        description="Agents never guarantee an outcome.",
        kind=K.FORBIDDEN,
        phrases="guarantee|guaranteed",
        weight=25,
        auto_fail=True,
        flag=F.COMPLIANCE,
    ),
    QaRule(
        name="long-silence",
        description="No silence over 10 seconds.",
        kind=K.SILENCE,
        speaker=QaRule.Speaker.ANYONE,
        seconds=10,
        weight=10,
        flag=F.SILENCE,
    ),
)


def seed_rules() -> list[QaRule]:
    """Add the demo rules that are missing (by name); existing ones are left as edited."""
    existing = set(QaRule.objects.values_list("name", flat=True))
    return [
        rule_revise(rule=QaRule(**_fields(rule)), by=None)
        for rule in DEMO_RULES
        if rule.name not in existing
    ]


def _fields(rule: QaRule) -> dict[str, object]:
    return {
        field.attname: getattr(rule, field.attname)
        for field in QaRule._meta.concrete_fields
        if not field.primary_key
    }


# --- Scorecards and evaluations ----------------------------------------------------------

DEMO_CARD = "Support call"
# (question, kind, weight, critical, max points, automated-QA rule)
DemoQuestion = tuple[str, str, int, bool, int | None, str]
DEMO_SECTIONS: list[tuple[str, int, list[DemoQuestion]]] = [
    (
        "Opening",
        1,
        [
            ("Greets the caller and names the company", "yes_no", 1, False, None, "greeting"),
            ("Says the call is recorded", "yes_no", 1, True, None, "recording-disclosure"),
        ],
    ),
    (
        "Resolution",
        2,
        [
            ("Understands the problem", "scale", 2, False, None, ""),
            ("Follows the troubleshooting steps", "points", 1, False, 10, ""),
            ("Promises no outcome", "yes_no", 1, True, None, "no-guarantee"),
        ],
    ),
    ("Closing", 1, [("Offers more help and closes politely", "yes_no", 1, False, None, "closing")]),
]
DEMO_SAMPLING = [
    SamplingRule(name="Two random calls a week", kind="random", calls_per_agent=2),
    SamplingRule(name="Flagged by automated QA", kind="auto_qa_flagged"),
    SamplingRule(name="Low CSAT", kind="low_csat", csat_at_most=2),
    SamplingRule(name="Longer than 15 minutes", kind="longer_than", minutes=15),
]
DEMO_CALL_SID = "CA" + "de" * 16
DEMO_SAID = [
    ("agent", 0.5, 4.0, "Thank you for calling Acme, this is Alex."),
    ("agent", 4.2, 7.5, "This call may be recorded for quality purposes."),
    ("caller", 8.0, 12.0, "My invoice shows a charge twice."),
    ("agent", 12.5, 17.0, "I see it, I am refunding the second charge now."),
    ("caller", 17.5, 19.0, "Great, thanks."),
    ("agent", 19.5, 23.0, "Anything else I can do? Have a great day."),
]


def seed_evaluations(users: dict) -> Evaluation | None:
    """The demo scorecard, sampling rules, and one recorded call of the demo agent scored
    by the demo analyst (its page plays a short demo recording). Skipped parts that exist."""
    card = Scorecard.objects.filter(name=DEMO_CARD, is_current=True).first() or _demo_card()
    for sampling in DEMO_SAMPLING:
        if not SamplingRule.objects.filter(name=sampling.name).exists():
            sampling.pk = None
            sampling.save()
    agent, analyst = users.get("agent"), users.get("qa")
    if agent is None or analyst is None or Call.objects.filter(sid=DEMO_CALL_SID).exists():
        return None
    call = _demo_call(AgentProfile.objects.get(user=agent))
    evaluation = evaluation_start(call=call, analyst=analyst, scorecard=card)
    values = {"yes_no": 1, "scale": 4, "points": 8}
    questions = list(card.questions.all())
    evaluation = evaluation_save(
        evaluation_id=evaluation.pk,
        by=analyst,
        answers={q.pk: values[q.kind] for q in questions},
        submit=True,
    )
    evaluation_comment_add(
        evaluation=evaluation, by=analyst, text="Clear refund explanation.", at_ms=12_500
    )
    return evaluation


def _demo_card() -> Scorecard:
    card = Scorecard.objects.create(name=DEMO_CARD, description="Inbound support calls.")
    for position, (title, weight, questions) in enumerate(DEMO_SECTIONS):
        section = ScorecardSection.objects.create(
            scorecard=card, title=title, weight=weight, position=position
        )
        for index, (text, kind, q_weight, critical, max_points, rule) in enumerate(questions):
            ScorecardQuestion.objects.create(
                scorecard=card,
                section=section,
                text=text,
                kind=kind,
                weight=q_weight,
                critical=critical,
                max_points=max_points,
                allow_na=not critical,
                auto_qa_rule=rule,
                position=index,
            )
    return card


def _silence(seconds: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\0\0" * 8000 * seconds)
    return out.getvalue()


def _demo_call(agent: AgentProfile) -> Call:
    """A finished Billing call the demo agent took, recorded (silence) and transcribed."""
    ended = timezone.now() - timedelta(hours=2)
    queue = Queue.objects.filter(name="Billing").first()
    call = Call.objects.create(
        sid=DEMO_CALL_SID,
        direction="inbound",
        from_number="+14155550142",
        to_number="+18005550100",
        queue=queue,
        state=Call.State.ENDED,
        created_at=ended - timedelta(seconds=40),
        answered_at=ended - timedelta(seconds=25),
        ended_at=ended,
        duration_seconds=25,
    )
    entry = (
        QueueEntry.objects.create(
            queue=queue, call=call, served_by=agent, status="done", connected_at=call.answered_at
        )
        if queue
        else None
    )
    recording = Recording.objects.create(
        sid="RE" + "de" * 16,
        call=call,
        entry=entry,
        url="https://api.twilio.com/demo",
        status="completed",
        started_at=call.answered_at,
        duration_seconds=24,
    )
    audio = _silence(24)
    media = RecordingMedia(
        recording=recording, state="stored", size_bytes=len(audio), content_type="audio/wav"
    )
    media.file.save("demo-call.wav", ContentFile(audio), save=True)
    transcript = Transcript.objects.create(
        recording=recording, state="done", backend="simulator", completed_at=ended
    )
    Utterance.objects.bulk_create(
        Utterance(
            transcript=transcript,
            speaker=speaker,
            start_ms=int(start * 1000),
            end_ms=int(end * 1000),
            text=text,
        )
        for speaker, start, end, text in DEMO_SAID
    )
    return call
