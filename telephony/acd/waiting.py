"""Waiting in line: putting callers in a queue, what they hear while they wait, callbacks
that keep their place, the queue's maximum wait, and leaving the queue.

Also the narrow queueing API the outbound dialer uses for the calls it places
(`dialled_call_enqueue`, `dialled_call_abandoned`), and the safe route every failure
falls back on.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm.phones import try_normalize_phone

from .. import gateway, twiml
from ..calls import services as calls
from ..calls.selectors import language_for
from ..models import AgentProfile, Call, Queue, QueueEntry, RecordingPolicy
from .offers import entry_abandoned, offer_missed, ring_agent
from .presence import floor_changed
from .routing import CALLBACK_BONUS, entry_priority, offer_to_agent
from .selectors import position_and_wait
from .wakeups import schedule_routing

HOLD_FOR_AGENT = "Please hold for the next available agent."
# How a caller can leave Twilio's queue with nobody to talk to: they still need a route.
UNSERVED_RESULTS = {"queue-full", "error", "system-error", "leave"}


# --- Into the queue ------------------------------------------------------------------------


def _entry_for(*, call: Call, queue: Queue, priority: int | None) -> QueueEntry:
    """The caller's entry in `queue` (once per queue visit); the router looks at once."""
    entry = QueueEntry.objects.filter(
        call=call, queue=queue, status__in=[QueueEntry.Status.WAITING, QueueEntry.Status.OFFERED]
    ).first()
    if entry is None:
        customer = call.customer
        tier = customer.tier if customer is not None else 0
        entry = QueueEntry.objects.create(
            queue=queue,
            call=call,
            customer=customer,
            priority=priority
            if priority is not None
            else entry_priority(queue_priority=queue.priority, tier=tier, is_callback=False),
        )
        floor_changed()
    schedule_routing()
    return entry


@transaction.atomic(savepoint=False)
def caller_enqueue(*, call: Call, queue: Queue, priority: int | None = None) -> QueueEntry:
    """The caller now waits in `queue` (at the queue's priority for them, unless given)."""
    calls.call_queued(call=call, queue=queue)
    return _entry_for(call=call, queue=queue, priority=priority)


def queue_document(
    response: twiml.Document, queue: Queue, *, wait_url: str = "", action: str = ""
) -> twiml.Document:
    """Enqueue at Twilio, with the ACD's wait and result webhooks unless others are given."""
    return twiml.enqueue(
        response,
        queue.name,
        wait_url=wait_url or twiml.webhook_url("queue_wait", queue.pk),
        action=action or twiml.webhook_url("queue_result", queue.pk),
    )


def enqueue_document(call: Call, queue: Queue, response: twiml.Document) -> twiml.Document:
    """Put the caller in line and answer with the document that holds them there."""
    caller_enqueue(call=call, queue=queue)
    return queue_document(response, queue)


@transaction.atomic
def dialled_call_enqueue(
    *,
    call: Call,
    queue: Queue,
    priority: int,
    agent_id: int | None = None,
    recording_policy: RecordingPolicy | None = None,
) -> QueueEntry:
    """A call we placed was answered: it waits in `queue` at `priority`, offered at once to
    `agent_id` if that agent is free (their preview lead, their promised callback). The
    placer's `recording_policy` (a campaign's) comes before the queue's."""
    if recording_policy is not None and call.recording_policy_id != recording_policy.pk:
        call.recording_policy = recording_policy
        call.save(update_fields=["recording_policy"])
    entry = caller_enqueue(call=call, queue=queue, priority=priority)
    if agent_id is not None and offer_to_agent(entry_id=entry.pk, agent_id=agent_id):
        transaction.on_commit(lambda: ring_agent(entry_id=entry.pk))
    return entry


@transaction.atomic
def caller_send_to_agent(*, entry: QueueEntry, agent: AgentProfile) -> QueueEntry:
    """A supervisor takes a waiting caller out of line to an agent they choose (skills
    aside): the agent is rung at once; if they miss it, the caller is back in their place."""
    if entry.status != QueueEntry.Status.WAITING:
        raise ValidationError({"entry": ["This caller is no longer waiting."]})
    if offer_to_agent(entry_id=entry.pk, agent_id=agent.pk) is None:
        raise ValidationError({"agent": [f"{agent} is not available."]})
    transaction.on_commit(lambda: ring_agent(entry_id=entry.pk))
    return entry


@transaction.atomic
def dialled_call_abandoned(*, call: Call, entry: QueueEntry) -> None:
    """A call we placed waited too long for an agent: for the ACD, as if they hung up. An
    agent still being rung for it misses the offer (not ready): otherwise the pacer would
    keep dialling for someone who is not answering."""
    if entry.status == QueueEntry.Status.OFFERED:
        ringing = entry.agent_call_sid
        offer_missed(entry_id=entry.pk)
        if ringing:
            transaction.on_commit(lambda: gateway.call_hang_up(sid=ringing))
    caller_left_queue(call=call, result="hangup")


# --- While waiting -------------------------------------------------------------------------


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


def queue_wait(call: Call | None, queue: Queue, params: Mapping[str, str]) -> twiml.Document:
    """What callers hear while they wait; Twilio repeats this document until they leave."""
    language = language_for(call) if call is not None else "en-US"
    entry = note_queue_sid(call=call, params=params)
    if entry is not None:
        queue_time = params.get("QueueTime", "0")
        return wait_announcement(
            entry, language=language, queue_time=int(queue_time) if queue_time.isdigit() else 0
        )
    response = twiml.document()
    twiml.say(response, "Please stay on the line.", language=language)
    return twiml.pause(response, queue.announcement_interval_seconds)


def wait_announcement(entry: QueueEntry, *, language: str, queue_time: int) -> twiml.Document:
    """Position, expected wait, the callback offer, then hold music until the next round.

    Past the queue's maximum wait (Twilio's QueueTime: time on hold so far), the queue's
    rule applies instead: overflow (once per caller), voicemail or callback.
    """
    limit = entry.queue.max_wait_seconds
    if limit is not None and queue_time >= limit and entry.moved_at is None:
        return _max_wait_reached(entry, language=language)
    position, wait = position_and_wait(entry)
    minutes = max(1, round(wait / 60))
    response = twiml.document()
    keys = twiml.prompt(
        response, keys=1, timeout=3, action=twiml.webhook_url("acd_callback_request", entry.pk)
    )
    twiml.say(
        keys,
        f"You are number {position} in line. The expected wait is about "
        f"{minutes} minute{'s' if minutes != 1 else ''}. "
        "To be called back without losing your place, press 1.",
        language=language,
    )
    if entry.queue.hold_music_url:
        twiml.play(response, entry.queue.hold_music_url)
        return response
    return twiml.pause(response, entry.queue.announcement_interval_seconds)


def _become_callback(entry: QueueEntry, number: str, language: str) -> twiml.Document:
    """The entry keeps its place as a callback request; the caller is told and hung up on."""
    entry.kind = QueueEntry.Kind.CALLBACK
    entry.callback_number = number
    entry.priority += CALLBACK_BONUS
    entry.save(update_fields=["kind", "callback_number", "priority"])
    floor_changed()
    return twiml.hang_up(
        twiml.document(),
        message="Thank you. We will call you back at the number you are calling from, "
        "keeping your place in line. Goodbye.",
        language=language,
    )


def _locked_entry(entry_id: int) -> QueueEntry:
    return (
        QueueEntry.objects.select_for_update(of=("self",))
        .select_related("call", "queue", "customer")
        .get(pk=entry_id)
    )


@transaction.atomic
def callback_requested(*, entry_id: int, digits: str, language: str) -> twiml.Document:
    """Press 1 while waiting: the entry becomes a callback request with the same place."""
    entry = _locked_entry(entry_id)
    number = try_normalize_phone(entry.call.from_number) if entry.call is not None else None
    if digits == "1" and entry.status == QueueEntry.Status.WAITING and number is not None:
        return _become_callback(entry, number, language)
    response = twiml.document()
    if digits == "1" and number is None:
        twiml.say(response, "Sorry, we cannot call back a hidden number.", language=language)
    return twiml.redirect(response, twiml.webhook_url("queue_wait", entry.queue_id))


@transaction.atomic
def _max_wait_reached(entry: QueueEntry, *, language: str) -> twiml.Document:
    entry = _locked_entry(entry.pk)
    rule = entry.queue.on_max_wait
    overflow = entry.queue.overflow_queue
    response = twiml.document()
    if rule == entry.queue.OnMaxWait.OVERFLOW and overflow is not None:
        tier = entry.customer.tier if entry.customer is not None else 0
        entry.queue, entry.moved_at = overflow, timezone.now()
        entry.priority = entry_priority(
            queue_priority=overflow.priority,
            tier=tier,
            is_callback=entry.kind == QueueEntry.Kind.CALLBACK,
        )
        entry.save(update_fields=["queue", "moved_at", "priority"])
        floor_changed()
        schedule_routing()
        twiml.say(
            response,
            "We are passing your call to another team. Please stay on the line.",
            language=language,
        )
        return twiml.pause(response, overflow.announcement_interval_seconds)
    number = try_normalize_phone(entry.call.from_number) if entry.call is not None else None
    if rule == entry.queue.OnMaxWait.CALLBACK and number is not None:
        return _become_callback(entry, number, language)
    entry.status, entry.ended_at = QueueEntry.Status.OVERFLOWED, timezone.now()
    entry.save(update_fields=["status", "ended_at"])
    floor_changed()
    # Leaving the queue fires its action, which sees the overflowed entry: voicemail.
    return twiml.leave(response)


# --- Out of the queue ----------------------------------------------------------------------


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
        entry_abandoned(entry_id=entry.pk)
        if ringing:
            # Bound now: the loop moves on to the next entry before the commit.
            transaction.on_commit(partial(gateway.call_hang_up, sid=ringing))
        schedule_routing()


def queue_left(*, call: Call | None, result: str) -> None:
    """The caller left Twilio's queue (bridged, hung up, redirected...): keep why on the
    call, and release the ACD's entry if they hung up."""
    if call is not None:
        calls.call_queue_left(call=call, result=result)
        caller_left_queue(call=call, result=result)


def _left_for_voicemail(call: Call) -> bool:
    """Did this caller leave the queue because they waited too long for voicemail?"""
    latest = QueueEntry.objects.filter(call=call).order_by("-id").first()
    return latest is not None and latest.status == QueueEntry.Status.OVERFLOWED


def queue_result(call: Call | None, params: Mapping[str, str]) -> twiml.Document:
    """After the caller left the queue: nothing more unless the queue failed them."""
    result = params.get("QueueResult", "")
    queue_left(call=call, result=result)
    if result == "leave" and call is not None and _left_for_voicemail(call):
        return twiml.voicemail(
            twiml.document(),
            language=language_for(call),
            prompt="Sorry to keep you waiting. Please leave a message after the tone "
            "and we will get back to you.",
            max_seconds=120,
            node_id=None,
        )
    if result in UNSERVED_RESULTS:
        return safe_route(None, apology="Sorry, we cannot take your call right now.")
    return twiml.hang_up(twiml.document())


# --- When nothing else can help -----------------------------------------------------------


def safe_route(call: Call | None, *, apology: str = twiml.APOLOGY) -> twiml.Document:
    """Where a caller goes when the IVR cannot help: the default queue, else voicemail."""
    language = language_for(call) if call is not None else "en-US"
    response = twiml.document()
    twiml.say(response, apology, language=language)
    queue = Queue.objects.filter(is_default=True).first()
    if queue is not None and call is not None:
        twiml.say(response, HOLD_FOR_AGENT, language=language)
        return enqueue_document(call, queue, response)
    return twiml.voicemail(
        response, language=language, prompt=twiml.VOICEMAIL_PROMPT, max_seconds=120, node_id=None
    )
