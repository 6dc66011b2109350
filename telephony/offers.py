"""The ACD on the line: ringing the agent, bridging the caller, and what follows the call.

The agent is rung first while the caller keeps waiting in Twilio's queue (with their
place); only when the agent answers is the caller taken out of the queue into a
conference with them. A missed offer therefore needs nothing undone on the caller's side.
The conference (named after the queue entry) is what later holds, transfers and
supervisor monitoring act on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, F, Q
from django.utils import timezone
from twilio.twiml.voice_response import VoiceResponse

from crm.phones import try_normalize_phone

from . import acd, gateway, twiml
from .models import AgentProfile, Call, QueueEntry

logger = logging.getLogger(__name__)

FAILED_LEG = {"busy", "no-answer", "failed", "canceled"}
DEFAULT_HANDLE_SECONDS = 180


def conference_name(entry: QueueEntry) -> str:
    return f"entry-{entry.pk}"


def _join_conference(dial, entry: QueueEntry, response: VoiceResponse) -> VoiceResponse:
    """Either side joins the entry's conference; whoever leaves ends it for both."""
    dial.conference(
        conference_name(entry),
        start_conference_on_enter=True,
        end_conference_on_exit=True,
        beep=False,
    )
    return response


def enqueue_entry(*, call: Call, queue) -> QueueEntry:
    """Put the caller in line (once per queue visit) and have the router look at once."""
    entry = QueueEntry.objects.filter(
        call=call, queue=queue, status__in=[QueueEntry.Status.WAITING, QueueEntry.Status.OFFERED]
    ).first()
    if entry is None:
        tier = call.customer.tier if call.customer_id else 0
        entry = QueueEntry.objects.create(
            queue=queue,
            call=call,
            customer=call.customer,
            priority=acd.entry_priority(
                queue_priority=queue.priority, tier=tier, is_callback=False
            ),
        )
    schedule_routing()
    return entry


def schedule_routing() -> None:
    """Route after this transaction commits (callers and agents it changed are visible)."""
    from .tasks import acd_route

    transaction.on_commit(acd_route.delay)


def ring_agent(*, entry_id: int) -> None:
    """Place the call that rings the agent an entry was offered to."""
    entry = QueueEntry.objects.select_related("queue", "call").get(pk=entry_id)
    agent = AgentProfile.objects.filter(current_entry=entry).first()
    if entry.status != QueueEntry.Status.OFFERED or agent is None:
        return
    try:
        sid = gateway.call_place(
            to=agent.phone_number or f"client:{agent.client_identity}",
            from_=entry.call.to_number,
            url=twiml.webhook_url("acd_agent_answer", entry.pk),
            status_callback=twiml.webhook_url("acd_agent_status", entry.pk),
            timeout=entry.queue.offer_timeout_seconds,
        )
    except Exception:
        logger.exception("Could not ring agent %s for entry %s", agent.pk, entry.pk)
        acd.offer_missed(entry_id=entry.pk)
        schedule_routing()
        return
    QueueEntry.objects.filter(pk=entry.pk).update(agent_call_sid=sid)


def agent_answered(*, entry_id: int) -> VoiceResponse:
    """The agent picked up: join them to the conference and bring the caller in."""
    response = VoiceResponse()
    agent = acd.offer_accepted(entry_id=entry_id)
    if agent is None:
        twiml.say(response, "Sorry, the caller is no longer there.", language="en-US")
        response.hangup()
        return response
    entry = QueueEntry.objects.select_related("call").get(pk=entry_id)
    transaction.on_commit(lambda: _bring_caller(entry))
    return _join_conference(response.dial(), entry, response)


def _bring_caller(entry: QueueEntry) -> None:
    url = twiml.webhook_url("acd_caller_join", entry.pk)
    if entry.kind == QueueEntry.Kind.CALLBACK:
        gateway.call_place(
            to=entry.callback_number,
            from_=entry.call.to_number,
            url=url,
            status_callback=twiml.webhook_url("voice_status"),
        )
    elif entry.twilio_queue_sid:
        gateway.queue_member_dequeue(
            queue_sid=entry.twilio_queue_sid, call_sid=entry.call.sid, url=url
        )
    else:
        gateway.call_redirect(sid=entry.call.sid, url=url)


def caller_join(*, entry_id: int) -> VoiceResponse:
    """The caller's side of the bridge."""
    entry = QueueEntry.objects.get(pk=entry_id)
    response = VoiceResponse()
    dial = response.dial(action=twiml.webhook_url("acd_caller_done", entry.pk), method="POST")
    return _join_conference(dial, entry, response)


@transaction.atomic
def agent_leg_status(*, entry_id: int, params: Mapping[str, str]) -> None:
    """The agent's leg progressed: a missed offer, or the end of the conversation."""
    status = params.get("CallStatus", "")
    entry = QueueEntry.objects.select_for_update().get(pk=entry_id)
    if status in FAILED_LEG and entry.status == QueueEntry.Status.OFFERED:
        acd.offer_missed(entry_id=entry.pk)
        schedule_routing()
    elif status == "completed" and entry.status == QueueEntry.Status.CONNECTED:
        finish_conversation(entry=entry)


def finish_conversation(*, entry: QueueEntry) -> None:
    """The conversation ended: the agent wraps up, for at most the queue's wrap-up time."""
    agent = acd.conversation_ended(entry_id=entry.pk)
    if agent is not None:
        from .tasks import wrap_up_expire

        seconds = entry.queue.wrap_up_seconds
        transaction.on_commit(
            lambda: wrap_up_expire.apply_async(args=[agent.pk, entry.pk], countdown=seconds)
        )


def caller_left_queue(*, call: Call | None, result: str) -> None:
    """The Enqueue action fired. Hanging up while waiting or ringing is an abandon."""
    if call is None or result != "hangup":
        return
    for entry in QueueEntry.objects.filter(
        call=call,
        kind=QueueEntry.Kind.CALL,
        status__in=[QueueEntry.Status.WAITING, QueueEntry.Status.OFFERED],
    ):
        ringing = entry.agent_call_sid if entry.status == QueueEntry.Status.OFFERED else ""
        acd.entry_abandoned(entry_id=entry.pk)
        if ringing:
            transaction.on_commit(lambda sid=ringing: gateway.call_hang_up(sid=sid))
        schedule_routing()


def note_queue_sid(*, call: Call | None, params: Mapping[str, str]) -> QueueEntry | None:
    """Remember Twilio's QueueSid for the caller's entry (needed to dequeue them)."""
    if call is None:
        return None
    entry = (
        QueueEntry.objects.filter(call=call, status__in=["waiting", "offered"])
        .select_related("queue")
        .first()
    )
    sid = params.get("QueueSid", "")
    if entry is not None and sid and entry.twilio_queue_sid != sid:
        QueueEntry.objects.filter(pk=entry.pk).update(twilio_queue_sid=sid[:34])
    return entry


def position_and_wait(entry: QueueEntry) -> tuple[int, int]:
    """The caller's place in our order and an estimate of the wait, in seconds.

    Estimate: callers ahead (and this one) times the recent average handle time, shared
    among the queue's staffed agents.
    """
    ahead = QueueEntry.objects.filter(
        Q(priority__gt=entry.priority)
        | Q(priority=entry.priority, waiting_since__lt=entry.waiting_since),
        queue=entry.queue,
        status=QueueEntry.Status.WAITING,
    ).count()
    recent = (
        QueueEntry.objects.filter(
            queue=entry.queue, ended_at__isnull=False, connected_at__isnull=False
        )
        .order_by("-ended_at")[:50]
        .aggregate(handle=Avg(F("ended_at") - F("connected_at")))["handle"]
    )
    handle = recent.total_seconds() if recent else DEFAULT_HANDLE_SECONDS
    handle += entry.queue.wrap_up_seconds
    staffed = AgentProfile.objects.exclude(
        state__in=[AgentProfile.State.OFFLINE, AgentProfile.State.NOT_READY]
    ).count()
    return ahead + 1, int((ahead + 1) * handle / max(1, staffed))


def wait_announcement(entry: QueueEntry, *, language: str, queue_time: int) -> VoiceResponse:
    """Position, expected wait, the callback offer, then hold music until the next round.

    Past the queue's maximum wait (Twilio's QueueTime: time on hold so far), the queue's
    rule applies instead: overflow (once per caller), voicemail or callback.
    """
    limit = entry.queue.max_wait_seconds
    if limit is not None and queue_time >= limit and entry.moved_at is None:
        return _max_wait_reached(entry, language=language)
    position, wait = position_and_wait(entry)
    minutes = max(1, round(wait / 60))
    response = VoiceResponse()
    gather = response.gather(
        num_digits=1,
        timeout=3,
        action=twiml.webhook_url("acd_callback_request", entry.pk),
        method="POST",
    )
    twiml.say(
        gather,
        f"You are number {position} in line. The expected wait is about "
        f"{minutes} minute{'s' if minutes != 1 else ''}. "
        "To be called back without losing your place, press 1.",
        language=language,
    )
    if entry.queue.hold_music_url:
        response.play(entry.queue.hold_music_url)
    else:
        response.pause(length=entry.queue.announcement_interval_seconds)
    return response


def _become_callback(entry: QueueEntry, number: str, language: str) -> VoiceResponse:
    """The entry keeps its place as a callback request; the caller is told and hung up on."""
    entry.kind = QueueEntry.Kind.CALLBACK
    entry.callback_number = number
    entry.priority += acd.CALLBACK_BONUS
    entry.save(update_fields=["kind", "callback_number", "priority"])
    response = VoiceResponse()
    twiml.say(
        response,
        "Thank you. We will call you back at the number you are calling from, "
        "keeping your place in line. Goodbye.",
        language=language,
    )
    response.hangup()
    return response


def _locked_entry(entry_id: int) -> QueueEntry:
    return (
        QueueEntry.objects.select_for_update(of=("self",))
        .select_related("call", "queue", "customer")
        .get(pk=entry_id)
    )


@transaction.atomic
def callback_requested(*, entry_id: int, digits: str, language: str) -> VoiceResponse:
    """Press 1 while waiting: the entry becomes a callback request with the same place."""
    entry = _locked_entry(entry_id)
    number = try_normalize_phone(entry.call.from_number) if entry.call_id else None
    if digits == "1" and entry.status == QueueEntry.Status.WAITING and number is not None:
        return _become_callback(entry, number, language)
    response = VoiceResponse()
    if digits == "1" and number is None:
        twiml.say(response, "Sorry, we cannot call back a hidden number.", language=language)
    response.redirect(twiml.webhook_url("queue_wait", entry.queue_id), method="POST")
    return response


@transaction.atomic
def _max_wait_reached(entry: QueueEntry, *, language: str) -> VoiceResponse:
    entry = _locked_entry(entry.pk)
    rule = entry.queue.on_max_wait
    overflow = entry.queue.overflow_queue
    response = VoiceResponse()
    if rule == entry.queue.OnMaxWait.OVERFLOW and overflow is not None:
        tier = entry.customer.tier if entry.customer_id else 0
        entry.queue, entry.moved_at = overflow, timezone.now()
        entry.priority = acd.entry_priority(
            queue_priority=overflow.priority,
            tier=tier,
            is_callback=entry.kind == QueueEntry.Kind.CALLBACK,
        )
        entry.save(update_fields=["queue", "moved_at", "priority"])
        schedule_routing()
        twiml.say(
            response,
            "We are passing your call to another team. Please stay on the line.",
            language=language,
        )
        response.pause(length=overflow.announcement_interval_seconds)
        return response
    number = try_normalize_phone(entry.call.from_number) if entry.call_id else None
    if rule == entry.queue.OnMaxWait.CALLBACK and number is not None:
        return _become_callback(entry, number, language)
    entry.status, entry.ended_at = QueueEntry.Status.OVERFLOWED, timezone.now()
    entry.save(update_fields=["status", "ended_at"])
    # Leaving the queue fires its action, which sees the overflowed entry: voicemail.
    response.leave()
    return response


def left_for_voicemail(call: Call) -> bool:
    """Did this caller leave the queue because they waited too long for voicemail?"""
    latest = QueueEntry.objects.filter(call=call).order_by("-id").first()
    return latest is not None and latest.status == QueueEntry.Status.OVERFLOWED


def max_wait_voicemail(*, language: str) -> VoiceResponse:
    return twiml.voicemail(
        VoiceResponse(),
        language=language,
        prompt="Sorry to keep you waiting. Please leave a message after the tone "
        "and we will get back to you.",
        max_seconds=120,
        node_id=None,
    )


def wrap_up_done(*, agent_id: int, entry_id: int) -> None:
    """The wrap-up time ran out: back to available, unless the agent already moved on."""
    agent = acd.wrap_up_expired(agent_id=agent_id, entry_id=entry_id)
    if agent is not None:
        schedule_routing()


# --- In the call: hold, mute, transfer --------------------------------------------------


def _connected_entry(agent: AgentProfile) -> QueueEntry:
    entry = QueueEntry.objects.filter(agent=agent, status=QueueEntry.Status.CONNECTED).first()
    if entry is None or not entry.caller_call_sid:
        raise ValidationError({"__all__": ["You are not on a call."]})
    return entry


def call_hold(*, agent: AgentProfile, on: bool) -> QueueEntry:
    """Put the caller on hold (they hear hold music) or take them off it."""
    entry = _connected_entry(agent)
    gateway.participant_update(
        conference=conference_name(entry), call_sid=entry.caller_call_sid, hold=on
    )
    QueueEntry.objects.filter(pk=entry.pk).update(on_hold=on)
    entry.on_hold = on
    return entry


def call_mute(*, agent: AgentProfile, on: bool) -> QueueEntry:
    """Mute or unmute the agent's own microphone in the call."""
    entry = _connected_entry(agent)
    gateway.participant_update(
        conference=conference_name(entry), call_sid=entry.agent_call_sid, muted=on
    )
    QueueEntry.objects.filter(pk=entry.pk).update(agent_muted=on)
    entry.agent_muted = on
    return entry


def call_transfer(*, agent: AgentProfile, to_number: str = "", to_queue=None) -> QueueEntry:
    """Cold transfer: the caller goes to a number or into a queue; the agent wraps up."""
    entry = _connected_entry(agent)
    if to_queue is not None:
        url = twiml.webhook_url("acd_transfer_queue", entry.pk, queue=to_queue.pk)
    elif to_number:
        url = twiml.webhook_url("acd_transfer_number", entry.pk, to=to_number.lstrip("+"))
    else:
        raise ValidationError({"__all__": ["Choose a number or a queue to transfer to."]})
    # The caller's leg leaves the conference for the new TwiML; the conference then ends,
    # which ends the agent's leg and starts their wrap-up.
    gateway.call_redirect(sid=entry.caller_call_sid, url=url)
    return entry
