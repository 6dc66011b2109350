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

from callcenter import live
from crm.phones import try_normalize_phone

from . import acd, gateway, selectors, softphone, twiml
from .models import AgentProfile, Call, QueueEntry

logger = logging.getLogger(__name__)

FAILED_LEG = {"busy", "no-answer", "failed", "canceled"}
DEFAULT_HANDLE_SECONDS = 180


def conference_name(entry: QueueEntry) -> str:
    """Each call's conference is named after its first entry; transfers join that one."""
    return entry.conference or f"entry-{entry.pk}"


def _join_conference(dial, entry: QueueEntry, response: VoiceResponse) -> VoiceResponse:
    """Either side joins the entry's conference; whoever leaves ends it for both, except a
    colleague consulted in a warm transfer, until the call is handed over to them."""
    dial.conference(
        conference_name(entry),
        start_conference_on_enter=True,
        end_conference_on_exit=entry.transfer_kind != QueueEntry.TransferKind.WARM,
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
    """Route after this transaction commits (callers and agents it changed are visible),
    and tell routing passes under way to look afresh."""
    from .tasks import acd_route

    def route_soon() -> None:
        acd.routing_changed()
        acd_route.delay()

    transaction.on_commit(route_soon)


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
        _missed(entry)
        return
    QueueEntry.objects.filter(pk=entry.pk).update(agent_call_sid=sid)
    # The desk answers by this SID once the leg rings; the ringing may be told first.
    live.notify(acd.desk_group(agent.pk), "desk-changed")


def agent_answered(*, entry_id: int) -> VoiceResponse:
    """The agent picked up: join them to the conference and bring the caller in."""
    response = VoiceResponse()
    agent = acd.offer_accepted(entry_id=entry_id)
    if agent is None:
        twiml.say(response, "Sorry, the caller is no longer there.", language="en-US")
        response.hangup()
        return response
    entry = QueueEntry.objects.select_related("call", "transferred_from").get(pk=entry_id)
    if entry.transferred_from is None:
        transaction.on_commit(lambda: _bring_caller(entry))
    elif entry.transfer_kind == QueueEntry.TransferKind.COLD:
        transaction.on_commit(lambda: _hand_over(entry.transferred_from))
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
    """The agent's leg progressed: ringing, a missed offer, or the end of the conversation."""
    status = params.get("CallStatus", "")
    entry = QueueEntry.objects.select_for_update().get(pk=entry_id)
    if status == "ringing" and entry.status == QueueEntry.Status.OFFERED:
        # The desk's Accept (simulator mode) can answer from now on.
        agent = AgentProfile.objects.filter(current_entry=entry).first()
        if agent is not None:
            live.notify(acd.desk_group(agent.pk), "desk-changed")
    elif status in FAILED_LEG and entry.status == QueueEntry.Status.OFFERED:
        _missed(entry)
    elif status == "completed" and entry.status == QueueEntry.Status.CONNECTED:
        acd.conversation_ended(entry_id=entry.pk)
        first = entry.transferred_from
        if first is not None and first.status == QueueEntry.Status.CONNECTED:
            _transfer_failed(first)  # the colleague left before taking the call over


def _missed(entry: QueueEntry) -> None:
    """An offer went unanswered: a caller back in line, or a transfer back to its agent."""
    acd.offer_missed(entry_id=entry.pk)
    if entry.transferred_from_id is not None:
        _transfer_failed(entry.transferred_from)
    schedule_routing()


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


def wrap_ups_done() -> int:
    """Agents whose wrap-up time ran out are available: route callers to them."""
    moved = acd.wrap_ups_expired()
    if moved:
        schedule_routing()
    return moved


# --- The offer on the desk: accept or reject ---------------------------------------------


def _entry_in_hand(agent: AgentProfile, status: str, *, leg: str, missing: str) -> QueueEntry:
    """The agent's entry in `status` whose `leg` is known, or `missing` as the error."""
    entry = QueueEntry.objects.filter(agent=agent, status=status).first()
    if entry is None or not getattr(entry, leg):
        raise ValidationError({"__all__": [missing]})
    return entry


def _offered_entry(agent: AgentProfile) -> QueueEntry:
    return _entry_in_hand(
        agent,
        QueueEntry.Status.OFFERED,
        leg="agent_call_sid",
        missing="No call is ringing for you.",
    )


def offer_accept(*, agent: AgentProfile) -> QueueEntry:
    """Accept on the desk (simulator mode): the softphone picks up; the answer webhook
    then bridges the caller, as when a real softphone answers."""
    entry = _offered_entry(agent)
    try:
        softphone.simulated_answer(entry.agent_call_sid)
    except ConnectionError as error:
        raise ValidationError({"__all__": [f"The softphone could not answer: {error}"]}) from None
    return entry


def offer_reject(*, agent: AgentProfile) -> QueueEntry:
    """Reject: stop the ringing. Its status callback makes it a missed offer (not ready,
    the caller keeps their place), exactly as when the ringing runs out."""
    entry = _offered_entry(agent)
    gateway.call_hang_up(sid=entry.agent_call_sid)
    return entry


# --- In the call: hold, mute, transfer, hang up -----------------------------------------


def _connected_entry(agent: AgentProfile) -> QueueEntry:
    return _entry_in_hand(
        agent, QueueEntry.Status.CONNECTED, leg="caller_call_sid", missing="You are not on a call."
    )


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


def call_transfer(
    *,
    agent: AgentProfile,
    to_number: str = "",
    to_queue=None,
    to_agent: AgentProfile | None = None,
) -> QueueEntry:
    """Cold transfer: the caller goes to a colleague, a number or a queue; the agent wraps
    up. A colleague is rung first while the caller holds; they get the caller on answer."""
    entry = _connected_entry(agent)
    _no_consultation(entry)
    if to_agent is not None:
        return _offer_transfer(entry, to_agent, QueueEntry.TransferKind.COLD)
    if to_queue is not None:
        url = twiml.webhook_url("acd_transfer_queue", entry.pk, queue=to_queue.pk)
    elif to_number:
        url = twiml.webhook_url("acd_transfer_number", entry.pk, to=to_number.lstrip("+"))
    else:
        raise ValidationError(
            {"__all__": ["Choose a colleague, a number or a queue to transfer to."]}
        )
    # The caller's leg leaves the conference for the new TwiML; the conference then ends,
    # which ends the agent's leg and starts their wrap-up.
    gateway.call_redirect(sid=entry.caller_call_sid, url=url)
    return entry


def call_notes_save(*, agent: AgentProfile, notes: str) -> QueueEntry:
    """Keep what the agent writes during the call; the wrap-up form starts from it."""
    entry = _connected_entry(agent)
    QueueEntry.objects.filter(pk=entry.pk).update(notes=notes)
    entry.notes = notes
    return entry


def call_hang_up(*, agent: AgentProfile) -> QueueEntry:
    """The agent ends the call: their leg leaving ends the conference for the caller too,
    and the leg's status callback starts the wrap-up."""
    entry = _connected_entry(agent)
    gateway.call_hang_up(sid=entry.agent_call_sid)
    return entry


# --- Transfers to a colleague, and warm transfers ---------------------------------------


def _no_consultation(entry: QueueEntry) -> None:
    if entry.consult_call_sid or selectors.transfer_under_way(entry) is not None:
        raise ValidationError({"__all__": ["Finish or cancel the transfer under way first."]})


def _set_hold(entry: QueueEntry, on: bool) -> None:
    gateway.participant_update(
        conference=conference_name(entry), call_sid=entry.caller_call_sid, hold=on
    )
    QueueEntry.objects.filter(pk=entry.pk).update(on_hold=on)
    entry.on_hold = on


def _offer_transfer(entry: QueueEntry, to_agent: AgentProfile, kind: str) -> QueueEntry:
    if to_agent.pk == entry.served_by_id:
        raise ValidationError({"to_agent": ["Choose a colleague, not yourself."]})
    transfer = acd.transfer_offer(
        entry=entry, to_agent=to_agent, kind=kind, conference=conference_name(entry)
    )
    _set_hold(entry, True)
    transaction.on_commit(lambda: ring_agent(entry_id=transfer.pk))
    return entry


def call_consult(
    *, agent: AgentProfile, to_agent: AgentProfile | None = None, to_number: str = ""
) -> QueueEntry:
    """Warm transfer, first step: the caller holds while the agent talks to a colleague or
    an outside number in the same conference."""
    entry = _connected_entry(agent)
    _no_consultation(entry)
    if to_agent is not None:
        return _offer_transfer(entry, to_agent, QueueEntry.TransferKind.WARM)
    if not to_number:
        raise ValidationError({"__all__": ["Choose a colleague or a number to consult."]})
    _set_hold(entry, True)
    sid = gateway.participant_add(
        conference=conference_name(entry),
        to=to_number,
        from_=entry.call.to_number,
        status_callback=twiml.webhook_url("acd_consult_status", entry.pk),
    )
    QueueEntry.objects.filter(pk=entry.pk).update(consult_call_sid=sid)
    entry.consult_call_sid = sid
    return entry


def consult_complete(*, agent: AgentProfile) -> QueueEntry:
    """Warm transfer, last step: the agent leaves; the caller stays with the colleague."""
    entry = _connected_entry(agent)
    colleague = selectors.transfer_under_way(entry)
    if colleague is not None and colleague.status == QueueEntry.Status.CONNECTED:
        _hand_over(entry, to_leg=colleague.agent_call_sid)
    elif entry.consult_call_sid:
        _hand_over(entry, to_leg=entry.consult_call_sid)
        QueueEntry.objects.filter(pk=entry.pk).update(consult_call_sid="")
    else:
        raise ValidationError({"__all__": ["Nobody has answered the transfer yet."]})
    return entry


def consult_cancel(*, agent: AgentProfile) -> QueueEntry:
    """Call the transfer off: the colleague's leg hangs up; the caller is back with us."""
    entry = _connected_entry(agent)
    colleague = selectors.transfer_under_way(entry)
    if colleague is not None:
        acd.transfer_withdrawn(entry_id=colleague.pk)
        schedule_routing()
        leg = colleague.agent_call_sid
    else:
        leg = entry.consult_call_sid
    if not leg:
        raise ValidationError({"__all__": ["No transfer is under way."]})
    QueueEntry.objects.filter(pk=entry.pk).update(consult_call_sid="")
    gateway.call_hang_up(sid=leg)
    _set_hold(entry, False)
    return entry


def _hand_over(entry: QueueEntry, *, to_leg: str = "") -> None:
    """The first agent leaves the conference without ending it; whoever takes over (the
    consulted `to_leg`; a cold transfer's colleague joins that way) ends it by leaving,
    and the caller comes off hold. The first agent's leg ending starts their wrap-up
    through its status callback."""
    name = conference_name(entry)
    gateway.participant_update(
        conference=name, call_sid=entry.agent_call_sid, end_conference_on_exit=False
    )
    if to_leg:
        gateway.participant_update(conference=name, call_sid=to_leg, end_conference_on_exit=True)
    gateway.participant_update(conference=name, call_sid=entry.caller_call_sid, hold=False)
    entry.transfers.filter(status=QueueEntry.Status.CONNECTED).update(on_hold=False)
    gateway.call_hang_up(sid=entry.agent_call_sid)


def _transfer_failed(entry: QueueEntry) -> None:
    """The colleague did not answer: the caller comes off hold, back with the first agent."""
    if entry.status == QueueEntry.Status.CONNECTED:
        transaction.on_commit(lambda: _set_hold(entry, False))
    live.notify(acd.desk_group(entry.served_by_id), "desk-changed")


@transaction.atomic
def consult_leg_status(*, entry_id: int, params: Mapping[str, str]) -> None:
    """The consulted number's leg ended or never answered: back to the caller."""
    entry = QueueEntry.objects.select_for_update().get(pk=entry_id)
    if params.get("CallSid") != entry.consult_call_sid:
        return  # a leg already handed over or called off
    if params.get("CallStatus") in FAILED_LEG | {"completed"}:
        entry.consult_call_sid = ""
        entry.save(update_fields=["consult_call_sid"])
        _transfer_failed(entry)
