"""Recording conversations: whether a call is recorded, what the caller is told first,
pausing and resuming from the desk, and the recording status callbacks.

The decision is made once, when the agent answers (`recording_decide`). The caller hears
the announcement, then their own leg is recorded in two channels (`recording_start`:
their voice on the first, the agent and anyone else they hear on the second) just before
they join the agent's conference, so no word of theirs is recorded untold. The leg's
recording lasts as long as the call: transfers, even a cold transfer through another
queue, stay in it. A consultation (the caller on hold while the agent talks to a colleague
or an outside number) is a part of its own, linked to it (`consultation_start`): the
consulting agent's leg, recorded while it lasts. qa stores, plays and expires the media
of every part alike (`telephony.signals.recording_completed`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from crm.models import Customer

from .. import gateway, twiml
from ..models import (
    Call,
    InboundNumber,
    QueueEntry,
    Recording,
    RecordingConsentState,
    RecordingDecision,
    RecordingPause,
    RecordingPolicy,
)
from ..signals import recording_completed
from .selectors import inbound_line

logger = logging.getLogger(__name__)

# Said where the line has no words of its own but the law wants the caller told.
DEFAULT_ANNOUNCEMENT = "This call may be recorded for quality and training purposes."
LIVE = (Recording.Status.IN_PROGRESS, Recording.Status.PAUSED)


def line_of(call: Call) -> InboundNumber | None:
    """Our number on the call: the one dialled, or (calls we place) the caller ID we show."""
    if call.inbound_number is not None:
        return call.inbound_number
    return inbound_line(number=call.from_number) if call.from_number.startswith("+") else None


def policy_for(call: Call, entry: QueueEntry) -> RecordingPolicy | None:
    """The most specific policy: the campaign's (set on the call), the queue's, the line's."""
    if call.recording_policy is not None:
        return call.recording_policy
    if entry.queue.recording_policy is not None:
        return entry.queue.recording_policy
    line = line_of(call)
    return line.recording_policy if line is not None else None


def in_sample(call: Call, percent: int) -> bool:
    """Whether a call falls in a policy's sampled share: by its SID, so asking again (a
    retried webhook) gives the same answer."""
    bucket = int(hashlib.sha256(call.sid.encode()).hexdigest()[:8], 16) % 100
    return bucket < percent


def decision_for(call: Call, policy: RecordingPolicy | None) -> str:
    """Record or not, and why not."""
    customer = call.customer
    if customer is not None and customer.recording_consent == Customer.RecordingConsent.REFUSED:
        return RecordingDecision.REFUSED
    if policy is None:
        return RecordingDecision.NO_POLICY
    if policy.mode == RecordingPolicy.Mode.NONE:
        return RecordingDecision.POLICY_NONE
    if policy.mode == RecordingPolicy.Mode.SAMPLE and not in_sample(call, policy.sample_percent):
        return RecordingDecision.NOT_SAMPLED
    return RecordingDecision.RECORDED


def party_number(call: Call) -> str:
    """The customer's side of the call: who calls us, or whom we call."""
    return call.from_number if call.direction == Call.Direction.INBOUND else call.to_number


def consent_state(number: str) -> RecordingConsentState | None:
    """The consent rule of the state a North American number's area code belongs to."""
    if not (number.startswith("+1") and len(number) == 12):
        return None
    area_code = number[2:5]
    for state in RecordingConsentState.objects.filter(area_codes__contains=area_code):
        if area_code in state.area_code_list():
            return state
    return None


def announcement_for(call: Call) -> str:
    """What the caller is told before being recorded: the line's words; with none, the
    default words where the party's state needs every party told, or where the state is
    unknown (a withheld, foreign or toll-free number: when unsure, tell)."""
    line = line_of(call)
    if line is not None and line.recording_announcement:
        return line.recording_announcement
    return _announcement_by_state(party_number(call))


def _announcement_by_state(number: str) -> str:
    """The default words where the number's state needs every party told, or is unknown."""
    state = consent_state(number)
    if state is None and not (number.startswith("+1") and len(number) == 12):
        return DEFAULT_ANNOUNCEMENT
    if state is None or not state.all_party:
        # A state we list as one-party, or one we do not list: the agent's consent suffices.
        return ""
    return DEFAULT_ANNOUNCEMENT


def _call_of(entry: QueueEntry) -> int:
    if entry.call_id is None:  # every entry is made for a call (offers.entry_call)
        raise LookupError(f"Queue entry {entry.pk} has no call.")
    return entry.call_id


@transaction.atomic
def recording_decide(*, entry: QueueEntry) -> str:
    """Decide once, as the agent answers, whether the entry's conversation is recorded."""
    # Only the call row is locked: its customer may be none (an outer join).
    call = (
        Call.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=_call_of(entry))
    )
    if not call.recording_decision:
        call.recording_decision = decision_for(call, policy_for(call, entry))
        call.save(update_fields=["recording_decision"])
    return call.recording_decision


def recording_callback_url(entry: QueueEntry) -> str:
    """Where Twilio reports the conversation's recording; the entry names the caller's call."""
    return twiml.webhook_url("recording_status", entry=entry.pk)


@transaction.atomic
def recording_start(*, entry: QueueEntry, leg_sid: str) -> Recording | None:
    """Record the caller's leg `leg_sid` in two channels, once they have been told: a call
    already being recorded (a transfer's next part) keeps its recording. A recording
    Twilio refuses to start leaves the call marked not recorded, with Twilio's reason
    (the desk and the call's page say so), and the caller is still put through."""
    # The call's row is the lock: a retried webhook, or a status callback racing the
    # start, waits for this one and then finds the recording.
    call = Call.objects.select_for_update().get(pk=_call_of(entry))
    if call.recording_decision != RecordingDecision.RECORDED:
        return None
    live = (
        Recording.objects.filter(call=call, status__in=LIVE, part=Recording.Part.CONVERSATION)
        .order_by("-created_at")
        .first()
    )
    if live is not None:
        return live
    try:
        sid = gateway.call_recording_start(call_sid=leg_sid, callback=recording_callback_url(entry))
    except Exception as error:  # the SDK's refusals and the network's failures alike
        # The SDK's errors carry Twilio's own words apart from the HTTP status.
        reason = f"Recording could not start: {getattr(error, 'msg', '') or error}"
        logger.warning("Call %s (entry %s): %s", leg_sid, entry.pk, reason)
        call.recording_decision = RecordingDecision.NOT_STARTED
        call.recording_failure = reason[:300]
        call.save(update_fields=["recording_decision", "recording_failure"])
        return None
    recording, _ = Recording.objects.get_or_create(
        sid=sid,
        defaults={
            "call": call,
            "entry": entry,
            "call_leg_sid": leg_sid,
            "source": "StartCallRecordingAPI",
            "channels": 2,
            "policy": policy_for(call, entry),
            "started_at": timezone.now(),
        },
    )
    return recording


# --- Consultations: a linked part of the call's recording -------------------------------


@transaction.atomic
def consultation_start(*, entry: QueueEntry, consulted: str) -> Recording | None:
    """Record a consultation as a part of the call's recording: the consulting agent's leg
    (`entry.agent_call_sid`) in two channels, the agent on the first, whom they hear (the
    consulted colleague or number; the caller, on hold, is heard by nobody) on the second.
    Only on a call whose conversation is being recorded (never one the customer refused or
    that is not recorded); paused from the start if the call's recording is paused. A start
    Twilio refuses is logged: the consultation goes on unrecorded."""
    call = Call.objects.select_for_update().get(pk=_call_of(entry))
    conversation = (
        Recording.objects.filter(call=call, part=Recording.Part.CONVERSATION)
        .exclude(call_leg_sid="")
        .order_by("-created_at")
        .first()
    )
    leg = entry.agent_call_sid
    if call.recording_decision != RecordingDecision.RECORDED or conversation is None or not leg:
        return None
    live = _leg_recordings(call.pk).filter(call_leg_sid=leg).first()
    if live is not None:
        return live  # a retried webhook
    try:
        sid = gateway.call_recording_start(call_sid=leg, callback=recording_callback_url(entry))
    except Exception as error:  # the SDK's refusals and the network's failures alike
        logger.warning("Consultation on call %s not recorded: %s", call.sid, error)
        return None
    part, _ = Recording.objects.get_or_create(
        sid=sid,
        defaults={
            "call": call,
            "entry": entry,
            "call_leg_sid": leg,
            "source": "StartCallRecordingAPI",
            "channels": 2,
            "part": Recording.Part.CONSULTATION,
            "part_of": conversation,
            "consulted": consulted[:64],
            "policy": conversation.policy,
            "started_at": timezone.now(),
        },
    )
    paused = RecordingPause.objects.filter(recording__call=call, resumed_at__isnull=True).first()
    if paused is not None:
        _pause(part, paused.paused_by)  # no card number reaches the new part either
    return part


def consultation_stop(*, entry: QueueEntry) -> None:
    """The consultation is over, the agent back with the caller (called off, or the
    consulted party left): stop its part, so it holds only the consultation. Handed over,
    the agent's leg hangs up and its part ends with it. A stop that fails is logged."""
    parts = _leg_recordings(_call_of(entry)).filter(
        part=Recording.Part.CONSULTATION, call_leg_sid=entry.agent_call_sid
    )
    for part in parts:
        try:
            gateway.call_recording_update(
                call_sid=part.call_leg_sid, recording_sid=part.sid, status="stopped"
            )
        except Exception:
            logger.exception("Could not stop consultation part %s", part.sid)


def consultation_is_live(entry: QueueEntry) -> bool:
    """Whether the consultation of the entry's agent is being recorded now."""
    return _leg_recordings(_call_of(entry)).filter(call_leg_sid=entry.agent_call_sid).exists()


def consulted_announcement(*, entry: QueueEntry, number: str) -> str:
    """What an outside number consulted on a recorded call is told before its part
    starts: as the line requires of its callers (the line's words; else the default
    where the number's state needs every party told, or is unknown). Colleagues are
    staff, told by their employment terms: nothing."""
    call = Call.objects.select_related("inbound_number").get(pk=_call_of(entry))
    if call.recording_decision != RecordingDecision.RECORDED:
        return ""
    line = line_of(call)
    if line is not None and line.recording_announcement:
        return line.recording_announcement
    return _announcement_by_state(number)


@transaction.atomic
def caller_announce(*, entry: QueueEntry, response: twiml.Document) -> twiml.Document:
    """Before a recorded conversation, tell the caller (and keep when on the entry's call,
    which a callback's new leg belongs to); else nothing."""
    call = Call.objects.select_related("customer", "inbound_number").get(pk=_call_of(entry))
    if call.recording_decision != RecordingDecision.RECORDED:
        return response
    text = announcement_for(call)
    if text:
        language = call.customer.preferred_language if call.customer else "en-US"
        twiml.say(response, text, language=language)
        if call.recording_announced_at is None:
            Call.objects.filter(pk=call.pk).update(recording_announced_at=timezone.now())
    return response


# --- Pause and resume from the desk -------------------------------------------------------


def _leg_recordings(call_id: int) -> QuerySet[Recording]:
    """The call's leg recordings under way (or paused): those the desk pauses and resumes,
    the caller's conversation and a consultation under way alike."""
    return Recording.objects.filter(call_id=call_id, status__in=LIVE).exclude(call_leg_sid="")


def _live_recordings(entry: QueueEntry) -> list[Recording]:
    """The call's recordings now, oldest (the caller's conversation) first: every agent on
    the call (a transfer's, a consulted colleague's entry names the same call) pauses the
    same ones."""
    recordings = list(_leg_recordings(_call_of(entry)).select_for_update().order_by("created_at"))
    if not recordings:
        raise ValidationError({"__all__": ["This call is not being recorded."]})
    return recordings


def _recording_set(recording: Recording, status: str) -> bool:
    """Pause or resume one live recording at Twilio. A consultation part may have just
    ended with its leg (its callback not heard yet): that one is let be, the caller's
    conversation never is."""
    try:
        gateway.call_recording_update(
            call_sid=recording.call_leg_sid, recording_sid=recording.sid, status=status
        )
    except Exception:
        if recording.part != Recording.Part.CONSULTATION:
            raise
        logger.warning("Consultation part %s not %s: its leg is gone", recording.sid, status)
        return False
    recording.status = (
        Recording.Status.PAUSED if status == "paused" else Recording.Status.IN_PROGRESS
    )
    recording.save(update_fields=["status"])
    return True


def _pause(recording: Recording, user: User | None) -> RecordingPause | None:
    open_pause = recording.pauses.filter(resumed_at__isnull=True).first()
    if open_pause is not None:
        return open_pause  # a second click, or two agents in a transfer
    if not _recording_set(recording, "paused"):
        return None
    return RecordingPause.objects.create(recording=recording, paused_by=user)


@transaction.atomic
def recording_pause(*, entry: QueueEntry, user: User) -> RecordingPause:
    """Stop recording for a while (a card number is read out): every live part of the
    call (the caller's conversation, a consultation under way) skips the stretch. Returns
    the oldest part's pause."""
    pauses = [_pause(recording, user) for recording in _live_recordings(entry)]
    paused = [pause for pause in pauses if pause is not None]
    if not paused:
        raise ValidationError({"__all__": ["This call is not being recorded."]})
    return paused[0]


@transaction.atomic
def recording_resume(*, entry: QueueEntry, user: User) -> RecordingPause | None:
    """Record again after a pause, every part that was paused."""
    resumed = []
    for recording in _live_recordings(entry):
        open_pause = recording.pauses.filter(resumed_at__isnull=True).first()
        if open_pause is None or not _recording_set(recording, "in-progress"):
            continue
        open_pause.resumed_at, open_pause.resumed_by = timezone.now(), user
        open_pause.save(update_fields=["resumed_at", "resumed_by"])
        resumed.append(open_pause)
    return resumed[0] if resumed else None


def is_live(entry: QueueEntry) -> bool:
    """Whether the call's recording has begun (after the announcement): only then can the
    desk pause it."""
    return _leg_recordings(_call_of(entry)).exists()


def is_paused(entry: QueueEntry) -> bool:
    """Whether the call's recording is paused now (the desk's button)."""
    return RecordingPause.objects.filter(
        recording__call_id=_call_of(entry), resumed_at__isnull=True
    ).exists()


# --- Status callbacks -----------------------------------------------------------------


def _start_time(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None


def _recorded_call(call: Call | None, entry_id: str) -> tuple[Call | None, QueueEntry | None]:
    """The call a recording belongs to: the entry's caller (a conference recording names
    the leg that asked for it; a callback's leg is a call of its own), else the
    callback's own call."""
    entry = (
        QueueEntry.objects.select_related("call", "queue").filter(pk=entry_id).first()
        if entry_id.isdigit()
        else None
    )
    if entry is not None and entry.call is not None:
        return entry.call, entry
    return call, None


def _recording_or_new(
    sid: str, call: Call | None, entry_id: str, params: Mapping[str, str]
) -> Recording | None:
    """The callback's recording, locked; a new row for one first heard of now; None for
    a recording of a call we do not know."""
    recording = Recording.objects.select_for_update().filter(sid=sid).first()
    if recording is not None:
        return recording
    owner, entry = _recorded_call(call, entry_id)
    if owner is None:
        return None
    # A start under way (`recording_start`) holds the call: wait for it, then look again.
    Call.objects.select_for_update().filter(pk=owner.pk).first()
    return Recording.objects.select_for_update().filter(sid=sid).first() or Recording(
        sid=sid,
        call=owner,
        entry=entry,
        url=params.get("RecordingUrl", ""),
        policy=policy_for(owner, entry) if entry is not None else None,
    )


@transaction.atomic
def recording_status_update(
    *, call: Call | None, params: Mapping[str, str], entry_id: str = ""
) -> Recording | None:
    """Keep a recording's progress: idempotent, forward only (a late or repeated callback
    changes nothing), and unknown calls are logged and left alone. A completed recording
    is announced with `recording_completed`, for its media to be fetched."""
    sid = params.get("RecordingSid", "")
    status = params.get("RecordingStatus", "")
    recording = _recording_or_new(sid, call, entry_id, params)
    if recording is None:
        logger.info("Recording %s of an unknown call: ignored.", sid)
        return None
    if recording.pk is not None and (
        recording.status in Recording.FINAL or status not in Recording.Status.values
    ):
        logger.info("Recording %s: %r after %r ignored.", sid, status, recording.status)
        return recording
    if status == Recording.Status.IN_PROGRESS and recording.status == Recording.Status.PAUSED:
        status = Recording.Status.PAUSED  # Twilio's start, told after our own pause
    if status in Recording.Status.values:
        recording.status = status
    recording.url = recording.url or params.get("RecordingUrl", "")
    recording.source = params.get("RecordingSource", recording.source)[:30]
    recording.conference_sid = params.get("ConferenceSid", recording.conference_sid)
    if recording.source == "StartCallRecordingAPI" and not recording.call_leg_sid:
        recording.call_leg_sid = params.get("CallSid", "")
    channels = params.get("RecordingChannels", "")
    recording.channels = int(channels) if channels in ("1", "2") else recording.channels
    if recording.started_at is None:
        # Pauses are timed by our clock, so the start is too when we hear of it live;
        # Twilio's start time only for a recording first heard of at its end.
        live = status == Recording.Status.IN_PROGRESS
        recording.started_at = (
            None if live else _start_time(params.get("RecordingStartTime", ""))
        ) or timezone.now()
    duration = params.get("RecordingDuration", "")
    if duration.isdigit():
        recording.duration_seconds = int(duration)
    if recording.status in Recording.FINAL:
        recording.completed_at = timezone.now()
    recording.save()
    if recording.completed_at is not None:
        # A pause never resumed lasted until the end.
        recording.pauses.filter(resumed_at__isnull=True).update(resumed_at=recording.completed_at)
    if recording.status == Recording.Status.COMPLETED:
        recording_completed.send(sender=Recording, recording=recording)
    return recording


def recording_stop(*, call: Call) -> None:
    """The conversation is over but the caller stays on the line (a post-call survey):
    stop their leg's recording, so only the conversation is kept. A stop that fails is
    logged; the recording then ends with the call."""
    for recording in _leg_recordings(call.pk):
        try:
            gateway.call_recording_update(
                call_sid=recording.call_leg_sid, recording_sid=recording.sid, status="stopped"
            )
        except Exception:
            logger.exception("Could not stop recording %s after the conversation", recording.sid)
