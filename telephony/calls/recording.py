"""Recording conversations: whether a call is recorded, what the caller is told first,
pausing and resuming from the desk, and the recording status callbacks.

The decision is made once, when the agent answers (`recording_decide`): the agent's leg
then starts the conference recorded from its start (`twiml.join_conference`), and the
caller hears the announcement just before joining it, so no word of theirs is recorded
untold. Transfers and consultations join the same conference, so they stay in the same
recording. qa stores, plays and expires the media (`telephony.signals.recording_completed`).
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
    number = party_number(call)
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


def conversation_entry(entry: QueueEntry) -> QueueEntry:
    """The entry whose conference a transfer joined: the conversation's recording is its."""
    while entry.transferred_from is not None:
        entry = entry.transferred_from
    return entry


def _live_recording(entry: QueueEntry) -> Recording:
    recording = (
        Recording.objects.select_for_update()
        .filter(entry=conversation_entry(entry), status__in=LIVE)
        .order_by("-created_at")
        .first()
    )
    if recording is None:
        raise ValidationError({"__all__": ["This call is not being recorded."]})
    return recording


@transaction.atomic
def recording_pause(*, entry: QueueEntry, user: User) -> RecordingPause:
    """Stop recording for a while (a card number is read out): the stretch is skipped."""
    recording = _live_recording(entry)
    open_pause = recording.pauses.filter(resumed_at__isnull=True).first()
    if open_pause is not None:
        return open_pause  # a second click, or two agents in a transfer
    gateway.conference_recording_update(
        conference_sid=recording.conference_sid, recording_sid=recording.sid, status="paused"
    )
    recording.status = Recording.Status.PAUSED
    recording.save(update_fields=["status"])
    return RecordingPause.objects.create(recording=recording, paused_by=user)


@transaction.atomic
def recording_resume(*, entry: QueueEntry, user: User) -> RecordingPause | None:
    """Record again after a pause."""
    recording = _live_recording(entry)
    open_pause = recording.pauses.filter(resumed_at__isnull=True).first()
    if open_pause is None:
        return None
    gateway.conference_recording_update(
        conference_sid=recording.conference_sid,
        recording_sid=recording.sid,
        status="in-progress",
    )
    recording.status = Recording.Status.IN_PROGRESS
    recording.save(update_fields=["status"])
    open_pause.resumed_at, open_pause.resumed_by = timezone.now(), user
    open_pause.save(update_fields=["resumed_at", "resumed_by"])
    return open_pause


def is_paused(entry: QueueEntry) -> bool:
    """Whether the conversation's recording is paused now (the desk's button)."""
    return RecordingPause.objects.filter(
        recording__entry=conversation_entry(entry), resumed_at__isnull=True
    ).exists()


# --- Status callbacks -----------------------------------------------------------------


def _start_time(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None


def _recorded_call(call: Call | None, entry_id: str) -> tuple[Call | None, QueueEntry | None]:
    """The call a recording belongs to: the entry's caller (a conference recording names
    the leg that asked for it, the agent's), else the callback's own call."""
    entry = (
        QueueEntry.objects.select_related("call", "queue").filter(pk=entry_id).first()
        if entry_id.isdigit()
        else None
    )
    if entry is not None and entry.call is not None:
        return entry.call, entry
    return call, None


@transaction.atomic
def recording_status_update(
    *, call: Call | None, params: Mapping[str, str], entry_id: str = ""
) -> Recording | None:
    """Keep a recording's progress: idempotent, forward only (a late or repeated callback
    changes nothing), and unknown calls are logged and left alone. A completed recording
    is announced with `recording_completed`, for its media to be fetched."""
    sid = params.get("RecordingSid", "")
    status = params.get("RecordingStatus", "")
    recording = Recording.objects.select_for_update().filter(sid=sid).first()
    if recording is None:
        owner, entry = _recorded_call(call, entry_id)
        if owner is None:
            logger.info("Recording %s of an unknown call: ignored.", sid)
            return None
        recording = Recording(
            sid=sid,
            call=owner,
            entry=entry,
            url=params.get("RecordingUrl", ""),
            policy=policy_for(owner, entry) if entry is not None else None,
        )
    elif recording.status in Recording.FINAL or status not in Recording.Status.values:
        logger.info("Recording %s: %r after %r ignored.", sid, status, recording.status)
        return recording
    if status == Recording.Status.IN_PROGRESS and recording.status == Recording.Status.PAUSED:
        status = Recording.Status.PAUSED  # Twilio's start, told after our own pause
    if status in Recording.Status.values:
        recording.status = status
    recording.url = recording.url or params.get("RecordingUrl", "")
    recording.source = params.get("RecordingSource", recording.source)[:30]
    recording.conference_sid = params.get("ConferenceSid", recording.conference_sid)
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
