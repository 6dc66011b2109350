"""Writes of post-call surveys: starting one when the agent leaves (phone) or the call
ends (SMS), taking each answer, closing it, and telling the rooms that listen.

A survey is closed once: answered (at least one answer), hung up before the end, or
nothing answered. Closing writes the customer's timeline entry and, after the commit,
sends `qa.signals.survey_answered` for a survey with answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from crm import services as crm_services
from crm.models import Interaction
from crm.phones import try_normalize_phone
from telephony import gateway, twiml
from telephony.calls.selectors import language_for
from telephony.models import Call, QueueEntry, SmsMessage

from .. import services as media
from ..models import RecordingMedia, Survey, SurveyAnswer, SurveyPlan, SurveyQuestion
from ..signals import survey_answered, survey_comment_recorded
from . import selectors
from .wording import looks_like_a_score, phrase, score_in, worded

# A question is asked again this many times after silence or a key off the scale.
MAX_TRIES = 2
ANSWER_SECONDS = 6
COMMENT_SECONDS = 60
# Texts from a surveyed number this long after the survey are still read as replies (late
# ones are told so); after that they are ordinary messages.
LATE_REPLY_DAYS = 7
SPEECH_HINTS = "one, two, three, four, five"


def _new_survey(
    *, plan: SurveyPlan, call: Call, entry: QueueEntry, status: str, **fields: object
) -> Survey:
    return Survey.objects.create(
        plan=plan,
        call=call,
        channel=plan.channel,
        agent=entry.served_by,
        queue=entry.queue,
        customer=call.customer or entry.customer,
        language=language_for(call),
        status=status,
        **fields,
    )


# --- On the line ---------------------------------------------------------------------------


def survey_start_on_line(call: Call, entry: QueueEntry) -> str | None:
    """(telephony.hooks) The agent left: a conversation under a phone plan keeps the caller
    for its survey; returns the URL of its first question (None: let the caller go)."""
    plan = selectors.plan_for(call=call, entry=entry, channel=SurveyPlan.Channel.IVR)
    if plan is None or not plan.questions.exists():
        return None
    survey = Survey.objects.filter(call=call).first()
    if survey is None:
        survey = _new_survey(plan=plan, call=call, entry=entry, status=Survey.Status.STARTED)
    elif survey.status != Survey.Status.STARTED:
        return None  # already over: a retried webhook
    return twiml.webhook_url("qa:survey_question", survey.pk, 1)


def _question(survey: Survey, position: int) -> SurveyQuestion | None:
    return survey.plan.questions.filter(position=position).first()


def survey_question_document(
    *, survey_id: int, position: int, tries: int = 0, notice: str = ""
) -> twiml.Document:
    """Ask one question: keys or speech, 1 to 5. Silence comes back to the same answer URL
    with nothing said, so the caller is asked again rather than dropped."""
    survey = Survey.objects.select_related("plan").filter(pk=survey_id).first()
    question = _question(survey, position) if survey is not None else None
    if survey is None or question is None or survey.status != Survey.Status.STARTED:
        return survey_goodbye(survey.language if survey is not None else "en-US")
    language = survey.language
    response = twiml.document()
    action = twiml.webhook_url("qa:survey_answer", survey.pk, position, tries=tries)
    gather = twiml.prompt(
        response,
        action=action,
        timeout=ANSWER_SECONDS,
        keys=1,
        speech_language=language,
        hints=question.speech_hints or SPEECH_HINTS,
    )
    if notice:
        twiml.say(gather, notice, language=language)
    if position == 1 and tries == 0 and survey.plan.introduction:
        twiml.say(gather, worded(survey.plan.introduction, language), language=language)
    twiml.say(gather, worded(question.wording, language), language=language)
    if tries:
        twiml.say(gather, phrase("scale", language), language=language)
    return twiml.redirect(response, action)


def survey_goodbye(language: str) -> twiml.Document:
    return twiml.hang_up(twiml.document(), message=phrase("thanks", language), language=language)


def _score_of(params: Mapping[str, str]) -> tuple[int | None, str, bool]:
    """The score keyed or said, how, and whether anything was heard at all."""
    digits, speech = params.get("Digits", "").strip(), params.get("SpeechResult", "").strip()
    if digits:
        score = int(digits) if len(digits) == 1 and digits in "12345" else None
        return score, SurveyAnswer.Via.KEYS, True
    if speech:
        return score_in(speech), SurveyAnswer.Via.SPEECH, True
    return None, "", False


@transaction.atomic
def survey_answer_on_line(
    *, survey_id: int, position: int, tries: int, params: Mapping[str, str]
) -> twiml.Document:
    """A key pressed, words said or silence at one question: kept (the first answer to a
    question counts), asked again with the scale (off the scale, silence), or passed
    after MAX_TRIES; then the next question, the comment, or goodbye."""
    survey = Survey.objects.select_for_update().select_related("plan").filter(pk=survey_id).first()
    question = _question(survey, position) if survey is not None else None
    if survey is None or question is None or survey.status != Survey.Status.STARTED:
        return survey_goodbye(survey.language if survey is not None else "en-US")
    score, via, heard = _score_of(params)
    if score is None and tries < MAX_TRIES:
        notice = "" if heard else phrase("not_heard", survey.language)
        return survey_question_document(
            survey_id=survey.pk, position=position, tries=tries + 1, notice=notice
        )
    if score is not None:
        SurveyAnswer.objects.get_or_create(
            survey=survey, question=question, defaults={"score": score, "via": via}
        )
    later = survey.plan.questions.filter(position__gt=position).order_by("position").first()
    if later is not None:
        return survey_question_document(survey_id=survey.pk, position=later.position)
    answered = _close(survey, hung_up=False)
    language = survey.language
    response = twiml.document()
    if answered and survey.plan.ask_comment and survey.plan.comment_prompt:
        twiml.say(response, worded(survey.plan.comment_prompt, language), language=language)
        twiml.record(
            response,
            action=twiml.webhook_url("qa:survey_comment", survey.pk),
            max_seconds=COMMENT_SECONDS,
        )
    return twiml.hang_up(response, message=phrase("thanks", language), language=language)


@transaction.atomic
def survey_comment_save(*, survey_id: int, params: Mapping[str, str]) -> twiml.Document:
    """The caller's spoken comment was recorded: keep where it is (the first one only)."""
    survey = Survey.objects.select_for_update().filter(pk=survey_id).first()
    if survey is None:
        return survey_goodbye("en-US")
    url = params.get("RecordingUrl", "")
    if not survey.comment_recording_sid and url:
        duration = params.get("RecordingDuration", "")
        survey.comment_recording_sid = params.get("RecordingSid", "")
        survey.comment_recording_url = url
        survey.comment_seconds = int(duration) if duration.isdigit() else None
        survey.comment_state = RecordingMedia.State.PENDING
        survey.save(
            update_fields=[
                "comment_recording_sid",
                "comment_recording_url",
                "comment_seconds",
                "comment_state",
            ]
        )
        transaction.on_commit(lambda: survey_comment_recorded.send(Survey, survey=survey))
    return survey_goodbye(survey.language)


def survey_comment_fetch(*, survey_id: int) -> Survey:
    """Fetch a survey's spoken comment into storage as recordings' media is fetched, so it
    is played through the app. Raises MediaNotReady when worth retrying; unusable audio
    (empty, corrupt) is marked failed with the reason, never retried."""
    survey = Survey.objects.get(pk=survey_id)
    if survey.comment_state != RecordingMedia.State.PENDING:
        return survey  # stored by an earlier run, given up on, or no comment
    Survey.objects.filter(pk=survey.pk).update(comment_attempts=F("comment_attempts") + 1)
    try:
        audio, _content_type = media.twilio_media(url=f"{survey.comment_recording_url}.wav")
    except media.MediaNotReady as error:
        Survey.objects.filter(pk=survey.pk).update(comment_reason=str(error))
        raise
    problem = media.wav_problem(audio)
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.comment_state != RecordingMedia.State.PENDING:
            return survey
        if problem:
            survey.comment_state, survey.comment_reason = RecordingMedia.State.FAILED, problem
        else:
            # Saved before the row says so: a crash in between leaves an orphan file.
            name = f"{survey.comment_recording_sid}.wav"
            survey.comment_file.save(name, ContentFile(audio), save=False)
            survey.comment_state, survey.comment_reason = RecordingMedia.State.STORED, ""
            survey.comment_size_bytes = len(audio)
        survey.save(
            update_fields=["comment_state", "comment_reason", "comment_file", "comment_size_bytes"]
        )
    return survey


def comment_stragglers(*, now: datetime | None = None) -> list[int]:
    """Surveys whose comment is still pending well after the survey (a lost task, a long
    outage): their ids, for the media sweep."""
    now = now or timezone.now()
    return list(
        Survey.objects.filter(
            comment_state=RecordingMedia.State.PENDING,
            created_at__lt=now - media.STRAGGLER_AFTER,
        ).values_list("pk", flat=True)
    )


# --- Closing --------------------------------------------------------------------------------


def _close(survey: Survey, *, hung_up: bool) -> bool:
    """Close an open survey: its status, the timeline entry, the signal after commit.
    Returns whether it has answers."""
    answers = list(survey.answers.select_related("question").order_by("question__position"))
    now = timezone.now()
    if answers:
        survey.status = Survey.Status.ABANDONED if hung_up else Survey.Status.COMPLETED
        survey.answered_at = now
    else:
        survey.status = Survey.Status.ABANDONED if hung_up else Survey.Status.UNANSWERED
    survey.save(update_fields=["status", "answered_at", "reply_sids"])
    if not answers:
        return False
    if survey.customer is not None:
        lines = [f"{worded(a.question.wording, survey.language)} {a.score}/5" for a in answers]
        crm_services.interaction_record(
            customer=survey.customer,
            kind=Interaction.Kind.NOTE,
            direction=Interaction.Direction.INBOUND,
            summary=f"Survey after the call: {answers[0].score}/5"
            + (" (hung up before the end)" if hung_up else ""),
            body="\n".join(lines),
            source=survey,
            occurred_at=now,
        )
    transaction.on_commit(lambda: survey_answered.send(Survey, survey=survey))
    return True


@transaction.atomic
def survey_call_ended(*, call: Call) -> Survey | None:
    """A call ended: a survey under way on it was hung up on (its answers so far count);
    a conversation under an SMS plan gets its survey, returned so it is sent after the
    commit (`tasks.survey_sms_send`)."""
    survey = Survey.objects.select_for_update().filter(call=call).first()
    if survey is not None:
        if survey.status == Survey.Status.STARTED:
            _close(survey, hung_up=True)
        return None
    entry = selectors.last_conversation(call)
    if entry is None:
        return None
    plan = selectors.plan_for(call=call, entry=entry, channel=SurveyPlan.Channel.SMS)
    if plan is None or not plan.questions.exists():
        return None
    inbound = call.direction == Call.Direction.INBOUND
    theirs = entry.callback_number or (call.from_number if inbound else call.to_number)
    number = try_normalize_phone(theirs)
    if not number:
        return None  # an anonymous caller cannot be texted
    return _new_survey(
        plan=plan,
        call=call,
        entry=entry,
        status=Survey.Status.SENT,
        phone_number=number,
        our_number=call.to_number if inbound else call.from_number,
        expires_at=timezone.now() + timedelta(minutes=plan.reply_window_minutes),
    )


# --- By SMS ---------------------------------------------------------------------------------


def survey_sms_send(*, survey_id: int) -> None:
    """Text the survey's question (after its introduction) and keep the text on the
    customer's timeline; sent once."""
    survey = Survey.objects.select_related("plan", "customer").get(pk=survey_id)
    question = _question(survey, 1)
    if survey.status != Survey.Status.SENT or survey.message_sid or question is None:
        return
    language = survey.language
    parts = [worded(survey.plan.introduction, language)] if survey.plan.introduction else []
    body = " ".join([*parts, worded(question.wording, language)])
    sid = gateway.sms_send(to=survey.phone_number, from_=survey.our_number, body=body)
    with transaction.atomic():
        Survey.objects.filter(pk=survey.pk).update(message_sid=sid)
        message = SmsMessage.objects.create(
            sid=sid,
            direction=SmsMessage.Direction.OUTBOUND,
            from_number=survey.our_number,
            to_number=survey.phone_number,
            body=body,
            customer=survey.customer,
        )
        if survey.customer is not None:
            crm_services.interaction_record(
                customer=survey.customer,
                kind=Interaction.Kind.SMS,
                direction=Interaction.Direction.OUTBOUND,
                summary=body[:120],
                body=body,
                source=message,
            )


def survey_sms_reply(message: SmsMessage) -> str | None:
    """(telephony.hooks) A text from a number we surveyed: the answer (a number from 1 to
    5, the first valid one counts) or a helpful reply to anything else; None for texts
    that are no reply (long after, or not a number once the survey is over)."""
    number = try_normalize_phone(message.from_number)
    if not number:
        return None
    now = timezone.now()
    survey = (
        Survey.objects.select_for_update(of=("self",))
        .filter(
            channel=SurveyPlan.Channel.SMS,
            phone_number=number,
            created_at__gte=now - timedelta(days=LATE_REPLY_DAYS),
        )
        .select_related("plan", "customer")
        .order_by("-created_at", "-id")
        .first()
    )
    if survey is None:
        return None
    language = survey.language
    is_open = survey.status == Survey.Status.SENT and (
        survey.expires_at is None or now <= survey.expires_at
    )
    if not is_open and not looks_like_a_score(message.body):
        return None
    survey.reply_sids = [*survey.reply_sids, message.sid]
    survey.save(update_fields=["reply_sids"])
    if survey.status == Survey.Status.COMPLETED:
        return phrase("sms_already", language)
    if not is_open:
        return phrase("sms_late", language)
    score = score_in(message.body)
    question = _question(survey, 1)
    if score is None or question is None:
        return phrase("sms_help", language)
    SurveyAnswer.objects.create(survey=survey, question=question, score=score, via="sms")
    _close(survey, hung_up=False)
    return phrase("sms_thanks", language)
