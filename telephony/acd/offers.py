"""The offer on the line: ringing the agent, bridging the caller, and how each leg ends.

The agent is rung first while the caller keeps waiting in Twilio's queue (with their
place); only when the agent answers is the caller taken out of the queue into a
conference with them. A missed offer therefore needs nothing undone on the caller's side.
The conference (named after the queue entry) is what later holds, transfers and
supervisor monitoring act on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from callcenter import live

from .. import gateway, hooks, twiml
from ..calls import recording
from ..calls import services as calls
from ..models import AgentProfile, Call, HoldPeriod, QueueEntry, RecordingDecision
from .presence import State, desk_group, floor_changed, record_move
from .wakeups import schedule_routing

logger = logging.getLogger(__name__)

FAILED_LEG = {"busy", "no-answer", "failed", "canceled"}


def entry_call(entry: QueueEntry) -> Call:
    """The call an entry is about. Every entry is made for one (a callback keeps the call it
    came from), so a missing one fails like any other leg that cannot be reached."""
    if entry.call is None:
        raise LookupError(f"Queue entry {entry.pk} has no call.")
    return entry.call


def conference_name(entry: QueueEntry) -> str:
    """Each call's conference is named after its first entry; transfers join that one."""
    return entry.conference or f"entry-{entry.pk}"


def _join(response: twiml.Document, entry: QueueEntry, action: str | None = None) -> twiml.Document:
    """Either side joins the entry's conference; whoever leaves ends it for both, except a
    colleague consulted in a warm transfer, until the call is handed over to them."""
    return twiml.join_conference(
        response,
        conference_name(entry),
        ends_on_exit=entry.transfer_kind != QueueEntry.TransferKind.WARM,
        action=action,
    )


def ring_agent(*, entry_id: int) -> None:
    """Place the call that rings the agent an entry was offered to."""
    entry = QueueEntry.objects.select_related("queue", "call").get(pk=entry_id)
    agent = AgentProfile.objects.filter(current_entry=entry).first()
    if entry.status != QueueEntry.Status.OFFERED or agent is None:
        return
    try:
        sid = gateway.call_place(
            to=agent.phone_number or f"client:{agent.client_identity}",
            from_=entry_call(entry).to_number,
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
    live.notify(desk_group(agent.pk), "desk-changed")


def agent_answered(*, entry_id: int) -> twiml.Document:
    """The agent picked up: join them to the conference and bring the caller in."""
    response = twiml.document()
    agent = offer_accepted(entry_id=entry_id)
    if agent is None:
        return twiml.hang_up(response, message="Sorry, the caller is no longer there.")
    entry = QueueEntry.objects.select_related("call", "transferred_from").get(pk=entry_id)
    first = entry.transferred_from
    if first is None:
        transaction.on_commit(lambda: _bring_caller(entry))
        # Decided now, for the desk to show; the caller's leg is recorded as they join.
        recording.recording_decide(entry=entry)
    elif entry.transfer_kind == QueueEntry.TransferKind.COLD:
        transaction.on_commit(lambda: hand_over(first))
    else:
        # A colleague consulted: staff, told by their terms of work, so recorded at once.
        consulted = agent.user.get_full_name() or agent.user.get_username()
        recording.consultation_start(entry=first, consulted=consulted)
    return _join(response, entry)


def _bring_caller(entry: QueueEntry) -> None:
    url = twiml.webhook_url("acd_caller_join", entry.pk)
    call = entry_call(entry)
    if entry.kind == QueueEntry.Kind.CALLBACK:
        gateway.call_place(
            to=entry.callback_number,
            from_=call.to_number,
            url=url,
            status_callback=twiml.webhook_url("voice_status"),
        )
    elif entry.twilio_queue_sid:
        gateway.queue_member_dequeue(queue_sid=entry.twilio_queue_sid, call_sid=call.sid, url=url)
    else:
        gateway.call_redirect(sid=call.sid, url=url)


def caller_join(*, call: Call, entry_id: int) -> twiml.Document:
    """The caller's side of the bridge: they are connected, and join the agent; a recorded
    conversation's caller is told first, and comes back (`caller_recorded`) to be recorded
    once the announcement is over."""
    calls.call_connected(call=call)
    QueueEntry.objects.filter(pk=entry_id).update(caller_call_sid=call.sid)
    entry = QueueEntry.objects.select_related("call").get(pk=entry_id)
    response = recording.caller_announce(entry=entry, response=twiml.document())
    if entry_call(entry).recording_decision == RecordingDecision.RECORDED:
        return twiml.redirect(response, twiml.webhook_url("acd_caller_record", entry.pk))
    return _join(response, entry, action=twiml.webhook_url("acd_caller_done", entry.pk))


def caller_after_conversation(*, call: Call, params: Mapping[str, str]) -> twiml.Document:
    """The conference is over for the caller: if they are still on the line (the agent
    left), an app above may keep them (a survey, `telephony.hooks`); else they are let go.
    The call's last answered entry (a callback's leg: by its SID) names the agent and
    queue they talked with."""
    response = twiml.document()
    if params.get("CallStatus", "") in calls.TERMINAL_STATUSES:
        return twiml.hang_up(response)  # the caller hung up: nobody hears what comes next
    last = (
        QueueEntry.objects.filter(Q(call=call) | Q(caller_call_sid=call.sid))
        .filter(served_by__isnull=False)
        .select_related("queue", "served_by")
        .order_by("-connected_at", "-pk")
        .first()
    )
    url = hooks.after_conversation_url(call, last) if last is not None else None
    if not url:
        return twiml.hang_up(response)
    recording.recording_stop(call=call)  # what the caller says next is no conversation
    return twiml.redirect(response, url)


def caller_recorded(*, leg_sid: str, entry_id: int) -> twiml.Document:
    """The caller has heard the announcement: their leg is recorded from now (both sides,
    two channels), and they join the agent, whose desk now offers to pause it (or says
    why the call is not recorded after all)."""
    entry = QueueEntry.objects.get(pk=entry_id)
    recording.recording_start(entry=entry, leg_sid=leg_sid)
    if entry.served_by_id is not None:
        live.notify(desk_group(entry.served_by_id), "desk-changed")
    return _join(twiml.document(), entry, action=twiml.webhook_url("acd_caller_done", entry.pk))


@transaction.atomic
def agent_leg_status(*, entry_id: int, params: Mapping[str, str]) -> None:
    """The agent's leg progressed: ringing, a missed offer, or the end of the conversation."""
    status = params.get("CallStatus", "")
    entry = QueueEntry.objects.select_for_update().get(pk=entry_id)
    if status == "ringing" and entry.status == QueueEntry.Status.OFFERED:
        # The desk's Accept (simulator mode) can answer from now on.
        agent = AgentProfile.objects.filter(current_entry=entry).first()
        if agent is not None:
            live.notify(desk_group(agent.pk), "desk-changed")
    elif status in FAILED_LEG and entry.status == QueueEntry.Status.OFFERED:
        _missed(entry)
    elif status == "completed" and entry.status == QueueEntry.Status.CONNECTED:
        conversation_ended(entry_id=entry.pk)
        first = entry.transferred_from
        if first is not None and first.status == QueueEntry.Status.CONNECTED:
            transfer_failed(first)  # the colleague left before taking the call over


def _missed(entry: QueueEntry) -> None:
    """An offer went unanswered: a caller back in line, or a transfer back to its agent."""
    offer_missed(entry_id=entry.pk)
    if entry.transferred_from is not None:
        transfer_failed(entry.transferred_from)
    schedule_routing()


# --- What becomes of the entry and its agent ---------------------------------------------


@transaction.atomic
def offer_missed(*, entry_id: int) -> None:
    """The agent did not take the offer: they go not ready, the caller back to their place."""
    entry = QueueEntry.objects.select_for_update().get(pk=entry_id)
    if entry.status != QueueEntry.Status.OFFERED:
        return  # already answered, abandoned or handled: a late timeout
    agent = AgentProfile.objects.select_for_update().filter(current_entry=entry).first()
    # A caller goes back to their place; a transfer's caller never left the first agent.
    if entry.transferred_from_id is None:
        entry.status = QueueEntry.Status.WAITING
    else:
        entry.status, entry.ended_at = QueueEntry.Status.DONE, timezone.now()
    entry.missed_offers += 1
    entry.save(update_fields=["status", "ended_at", "missed_offers"])
    if agent is not None:
        agent.current_entry = None
        record_move(agent, State.NOT_READY, AgentProfile.Reason.MISSED)
        agent.save()


@transaction.atomic
def offer_accepted(*, entry_id: int) -> AgentProfile | None:
    """The agent answered: the call is connected."""
    entry = QueueEntry.objects.select_for_update().get(pk=entry_id)
    agent = AgentProfile.objects.select_for_update().filter(current_entry=entry).first()
    if entry.status != QueueEntry.Status.OFFERED or agent is None:
        return None
    now = timezone.now()
    entry.status, entry.connected_at, entry.served_by = QueueEntry.Status.CONNECTED, now, agent
    entry.save(update_fields=["status", "connected_at", "served_by"])
    record_move(agent, State.ON_CALL, at=now)
    agent.save()
    return agent


def _end_entry(entry_id: int, *, if_in: tuple[str, ...], status: str) -> AgentProfile | None:
    """End an entry still in one of the `if_in` states; an agent it was with is free."""
    entry = QueueEntry.objects.select_for_update().get(pk=entry_id)
    if entry.status not in if_in:
        return None
    agent = AgentProfile.objects.select_for_update().filter(current_entry=entry).first()
    entry.status, entry.ended_at = status, timezone.now()
    entry.save(update_fields=["status", "ended_at"])
    floor_changed()
    if agent is not None:
        agent.current_entry = None
        record_move(agent, State.AVAILABLE)
        agent.save(update_fields=["current_entry", "state", "reason", "state_since", "idle_since"])
    return agent


@transaction.atomic
def entry_abandoned(*, entry_id: int) -> None:
    """The caller hung up while waiting (or ringing): free any agent it was offered to."""
    _end_entry(
        entry_id,
        if_in=(QueueEntry.Status.WAITING, QueueEntry.Status.OFFERED),
        status=QueueEntry.Status.ABANDONED,
    )


@transaction.atomic
def conversation_ended(*, entry_id: int) -> AgentProfile | None:
    """Caller and agent are done talking: the entry is done, the agent in wrap-up until
    the queue's wrap-up time is over (`wrap_ups_expired`, swept periodically, ends it)."""
    entry = QueueEntry.objects.select_for_update().select_related("queue").get(pk=entry_id)
    if entry.status != QueueEntry.Status.CONNECTED:
        return None
    agent = AgentProfile.objects.select_for_update().filter(current_entry=entry).first()
    now = timezone.now()
    entry.status, entry.ended_at = QueueEntry.Status.DONE, now
    entry.save(update_fields=["status", "ended_at"])
    HoldPeriod.objects.filter(entry=entry, ended_at=None).update(ended_at=now)
    if agent is None:
        return None
    agent.current_entry = None
    agent.wrap_up_until = now + timedelta(seconds=entry.queue.wrap_up_seconds)
    record_move(agent, State.WRAP_UP, at=now)
    agent.save()
    return agent


@transaction.atomic
def transfer_withdrawn(*, entry_id: int) -> AgentProfile | None:
    """The first agent called a transfer off: the colleague is free again, not at fault."""
    return _end_entry(
        entry_id,
        if_in=(QueueEntry.Status.OFFERED, QueueEntry.Status.CONNECTED),
        status=QueueEntry.Status.DONE,
    )


# --- The legs in the conference: hold, hand-over, a transfer that failed -----------------


def set_hold(entry: QueueEntry, on: bool) -> None:
    """Put the caller on hold in the conference (they hear hold music), or take them off."""
    gateway.participant_update(
        conference=conference_name(entry), call_sid=entry.caller_call_sid, hold=on
    )
    QueueEntry.objects.filter(pk=entry.pk).update(on_hold=on)
    entry.on_hold = on
    # The hold log: the handle time's hold part in reports. A repeated "hold" click
    # leaves the open stretch as it is.
    now = timezone.now()
    if on:
        HoldPeriod.objects.get_or_create(entry=entry, ended_at=None, defaults={"started_at": now})
    else:
        HoldPeriod.objects.filter(entry=entry, ended_at=None).update(ended_at=now)
    floor_changed()


def hand_over(entry: QueueEntry, *, to_leg: str = "") -> None:
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
    HoldPeriod.objects.filter(entry=entry, ended_at=None).update(ended_at=timezone.now())
    entry.transfers.filter(status=QueueEntry.Status.CONNECTED).update(on_hold=False)
    gateway.call_hang_up(sid=entry.agent_call_sid)


def transfer_failed(entry: QueueEntry) -> None:
    """The colleague did not answer (or left, as the consulted number did): the
    consultation's part is over, the caller comes off hold, back with the first agent."""
    if entry.status == QueueEntry.Status.CONNECTED:
        recording.consultation_stop(entry=entry)
        transaction.on_commit(lambda: set_hold(entry, False))
    if entry.served_by_id is not None:
        live.notify(desk_group(entry.served_by_id), "desk-changed")
