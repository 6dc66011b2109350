"""In the call: hold, mute, notes, hang up, and transfers (cold, and warm after a
consultation), as the agent's desk asks for them.

Each control acts on the conference named after the call's entry through the gateway;
the legs' status callbacks then move the entries and agents (`offers`).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction

from .. import gateway, twiml
from ..calls import recording
from ..models import AgentProfile, Queue, QueueEntry
from .offers import (
    FAILED_LEG,
    conference_name,
    entry_call,
    hand_over,
    ring_agent,
    set_hold,
    transfer_failed,
    transfer_withdrawn,
)
from .routing import transfer_offer
from .selectors import connected_entry, transfer_under_way
from .wakeups import schedule_routing


def call_hold(*, agent: AgentProfile, on: bool) -> QueueEntry:
    """Put the caller on hold (they hear hold music) or take them off it."""
    entry = connected_entry(agent)
    set_hold(entry, on)
    return entry


def call_mute(*, agent: AgentProfile, on: bool) -> QueueEntry:
    """Mute or unmute the agent's own microphone in the call."""
    entry = connected_entry(agent)
    gateway.participant_update(
        conference=conference_name(entry), call_sid=entry.agent_call_sid, muted=on
    )
    QueueEntry.objects.filter(pk=entry.pk).update(agent_muted=on)
    entry.agent_muted = on
    return entry


def call_recording_pause(*, agent: AgentProfile, on: bool) -> QueueEntry:
    """Leave what follows out of the recording (a card number read out), or record again."""
    entry = connected_entry(agent)
    if on:
        recording.recording_pause(entry=entry, user=agent.user)
    else:
        recording.recording_resume(entry=entry, user=agent.user)
    return entry


def call_transfer(
    *,
    agent: AgentProfile,
    to_number: str = "",
    to_queue: Queue | None = None,
    to_agent: AgentProfile | None = None,
) -> QueueEntry:
    """Cold transfer: the caller goes to a colleague, a number or a queue; the agent wraps
    up. A colleague is rung first while the caller holds; they get the caller on answer."""
    entry = connected_entry(agent)
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
    entry = connected_entry(agent)
    QueueEntry.objects.filter(pk=entry.pk).update(notes=notes)
    entry.notes = notes
    return entry


def call_hang_up(*, agent: AgentProfile) -> QueueEntry:
    """The agent ends the call: their leg leaving ends the conference for the caller too,
    and the leg's status callback starts the wrap-up."""
    entry = connected_entry(agent)
    gateway.call_hang_up(sid=entry.agent_call_sid)
    return entry


# --- Transfers to a colleague, and warm transfers ---------------------------------------


def _no_consultation(entry: QueueEntry) -> None:
    if entry.consult_call_sid or transfer_under_way(entry) is not None:
        raise ValidationError({"__all__": ["Finish or cancel the transfer under way first."]})


def _offer_transfer(entry: QueueEntry, to_agent: AgentProfile, kind: str) -> QueueEntry:
    if to_agent.pk == entry.served_by_id:
        raise ValidationError({"to_agent": ["Choose a colleague, not yourself."]})
    transfer = transfer_offer(
        entry=entry, to_agent=to_agent, kind=kind, conference=conference_name(entry)
    )
    set_hold(entry, True)
    transaction.on_commit(lambda: ring_agent(entry_id=transfer.pk))
    return entry


def call_consult(
    *, agent: AgentProfile, to_agent: AgentProfile | None = None, to_number: str = ""
) -> QueueEntry:
    """Warm transfer, first step: the caller holds while the agent talks to a colleague or
    an outside number in the same conference."""
    entry = connected_entry(agent)
    _no_consultation(entry)
    if to_agent is not None:
        return _offer_transfer(entry, to_agent, QueueEntry.TransferKind.WARM)
    if not to_number:
        raise ValidationError({"__all__": ["Choose a colleague or a number to consult."]})
    set_hold(entry, True)
    sid = gateway.participant_add(
        conference=conference_name(entry),
        to=to_number,
        from_=entry_call(entry).to_number,
        status_callback=twiml.webhook_url("acd_consult_status", entry.pk),
    )
    QueueEntry.objects.filter(pk=entry.pk).update(consult_call_sid=sid)
    entry.consult_call_sid = sid
    return entry


def consult_complete(*, agent: AgentProfile) -> QueueEntry:
    """Warm transfer, last step: the agent leaves; the caller stays with the colleague."""
    entry = connected_entry(agent)
    colleague = transfer_under_way(entry)
    if colleague is not None and colleague.status == QueueEntry.Status.CONNECTED:
        hand_over(entry, to_leg=colleague.agent_call_sid)
    elif entry.consult_call_sid:
        hand_over(entry, to_leg=entry.consult_call_sid)
        QueueEntry.objects.filter(pk=entry.pk).update(consult_call_sid="")
    else:
        raise ValidationError({"__all__": ["Nobody has answered the transfer yet."]})
    return entry


def consult_cancel(*, agent: AgentProfile) -> QueueEntry:
    """Call the transfer off: the colleague's leg hangs up; the caller is back with us."""
    entry = connected_entry(agent)
    colleague = transfer_under_way(entry)
    if colleague is not None:
        transfer_withdrawn(entry_id=colleague.pk)
        schedule_routing()
        leg = colleague.agent_call_sid
    else:
        leg = entry.consult_call_sid
    if not leg:
        raise ValidationError({"__all__": ["No transfer is under way."]})
    QueueEntry.objects.filter(pk=entry.pk).update(consult_call_sid="")
    recording.consultation_stop(entry=entry)
    gateway.call_hang_up(sid=leg)
    set_hold(entry, False)
    return entry


@transaction.atomic
def consult_leg_status(*, entry_id: int, params: Mapping[str, str]) -> None:
    """The consulted number's leg answered (on a recorded call, it is told, then the
    consultation recorded), or ended or never answered: back to the caller."""
    entry = QueueEntry.objects.select_for_update().get(pk=entry_id)
    if params.get("CallSid") != entry.consult_call_sid:
        return  # a leg already handed over or called off
    status, number = params.get("CallStatus"), params.get("To", "")
    if status == "in-progress":
        if recording.consultation_is_live(entry):
            return  # a repeated answer: told and recorded already
        if recording.consulted_announcement(entry=entry, number=number):
            # Recorded once the announcement is over (`consult_recorded`): none of the
            # consulted party's words is recorded before they are told.
            gateway.participant_update(
                conference=conference_name(entry),
                call_sid=entry.consult_call_sid,
                announce_url=twiml.webhook_url(
                    "acd_consult_announce", entry.pk, to=number.lstrip("+")
                ),
            )
        else:
            recording.consultation_start(entry=entry, consulted=number)
    elif status in FAILED_LEG | {"completed"}:
        entry.consult_call_sid = ""
        entry.save(update_fields=["consult_call_sid"])
        transfer_failed(entry)


def consult_announce(*, entry_id: int, number: str) -> twiml.Document:
    """What the consulted number hears as it answers a recorded call: the announcement in
    the line's language, then back to us (`…/consult-record/`) to record the consultation."""
    entry = QueueEntry.objects.select_related("call__inbound_number").get(pk=entry_id)
    response = twiml.document()
    text = recording.consulted_announcement(entry=entry, number=number)
    if not text or not entry.consult_call_sid:
        return response  # no longer recorded, or the consultation is over
    line = recording.line_of(entry_call(entry))
    twiml.say(response, text, language=line.language if line is not None else "en-US")
    return twiml.redirect(
        response, twiml.webhook_url("acd_consult_record", entry.pk, to=number.lstrip("+"))
    )


def consult_recorded(*, entry_id: int, number: str) -> twiml.Document:
    """The consulted number has been told: the consultation is recorded from now."""
    entry = QueueEntry.objects.get(pk=entry_id)
    if entry.consult_call_sid:
        recording.consultation_start(entry=entry, consulted=number)
    return twiml.document()
