"""Supervisors on live calls, through the call's conference (Twilio's participant API).

A supervisor's leg is added to the conference the agent and caller talk in; the mode is
how that leg is mixed: listening is a muted leg, whispering a coaching leg that only the
agent's leg hears (`call_sid_to_coach`), barging a plain leg everyone hears. Switching
modes updates the same leg during the call. Every session and mode change is kept for
the audit; the leg's status callbacks say when the supervisor joined and left.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from callcenter import live

from .. import gateway, twiml
from ..acd.offers import conference_name, entry_call
from ..acd.presence import desk_group
from ..calls.services import TERMINAL_STATUSES
from ..models import AgentProfile, MonitoringModeChange, MonitoringSession, QueueEntry
from .selectors import open_session

Mode = MonitoringSession.Mode


def supervisor_identity(user: User) -> str:
    """The client identity of a supervisor's browser softphone: their agent one if any."""
    identity = (
        AgentProfile.objects.filter(user=user).values_list("client_identity", flat=True).first()
    )
    return identity or f"supervisor-{user.pk}"


def supervisor_client(user: User) -> str:
    """Where a supervisor joining from the browser is rung."""
    return f"client:{supervisor_identity(user)}"


class Mixing(TypedDict, total=False):
    muted: bool
    coaching: bool
    call_sid_to_coach: str


def _mixing(mode: str, entry: QueueEntry) -> Mixing:
    """How the supervisor's leg is mixed in each mode (the participant's fields)."""
    if mode == Mode.LISTEN:
        return {"muted": True, "coaching": False}
    if mode == Mode.WHISPER:
        return {"muted": False, "coaching": True, "call_sid_to_coach": entry.agent_call_sid}
    return {"muted": False, "coaching": False}


def _tell_the_desk(entry: QueueEntry) -> None:
    if entry.served_by_id is not None:
        live.notify(desk_group(entry.served_by_id), "desk-changed")


@transaction.atomic
def monitoring_start(
    *, supervisor: User, entry: QueueEntry, mode: str, phone_number: str = ""
) -> MonitoringSession:
    """Join the supervisor to the conversation in `mode`, rung at `phone_number` or their
    browser softphone; a supervisor already on it switches to `mode` instead."""
    if mode not in Mode.values:
        raise ValidationError({"mode": [f"Choose one of {', '.join(Mode.values)}."]})
    session = open_session(supervisor=supervisor, entry=entry)
    if session is not None:
        return monitoring_change(session=session, mode=mode)
    if entry.served_by_id is None:
        raise LookupError(f"Queue entry {entry.pk} has no agent to monitor.")
    now = timezone.now()
    session = MonitoringSession.objects.create(
        supervisor=supervisor,
        entry=entry,
        call=entry_call(entry),
        agent_id=entry.served_by_id,
        mode=mode,
        reached_at=phone_number or supervisor_client(supervisor),
        started_at=now,
    )
    MonitoringModeChange.objects.create(session=session, mode=mode, at=now)
    mixing = _mixing(mode, entry)
    # A failure at Twilio raises here and rolls the session back: nothing half-saved.
    session.leg_sid = gateway.participant_add(
        conference=conference_name(entry),
        to=session.reached_at,
        from_=session.call.to_number,
        status_callback=twiml.webhook_url("monitor_leg_status", session.pk),
        muted=mixing["muted"],
        call_sid_to_coach=mixing.get("call_sid_to_coach"),
        label="supervisor",
    )
    session.save(update_fields=["leg_sid"])
    return session


@transaction.atomic
def monitoring_change(*, session: MonitoringSession, mode: str) -> MonitoringSession:
    """Switch a session between listening, whispering and barging, on the same leg."""
    session = (
        MonitoringSession.objects.select_for_update().select_related("entry").get(pk=session.pk)
    )
    if mode not in Mode.values:
        raise ValidationError({"mode": [f"Choose one of {', '.join(Mode.values)}."]})
    if session.ended_at is not None or session.mode == mode:
        return session
    gateway.participant_update(
        conference=conference_name(session.entry),
        call_sid=session.leg_sid,
        **_mixing(mode, session.entry),
    )
    session.mode = mode
    session.save(update_fields=["mode"])
    MonitoringModeChange.objects.create(session=session, mode=mode)
    _tell_the_desk(session.entry)
    return session


@transaction.atomic
def monitoring_end(*, session: MonitoringSession) -> MonitoringSession:
    """The supervisor leaves: their leg hangs up, the call goes on without them."""
    session = (
        MonitoringSession.objects.select_for_update().select_related("entry").get(pk=session.pk)
    )
    if session.ended_at is not None:
        return session
    session.ended_at = timezone.now()
    session.save(update_fields=["ended_at"])
    if session.leg_sid:
        gateway.call_hang_up(sid=session.leg_sid)
    _tell_the_desk(session.entry)
    return session


@transaction.atomic
def monitor_leg_status(*, session_id: int, params: Mapping[str, str]) -> None:
    """The supervisor's leg answered (they are on the call) or ended (hung up, never
    answered, or the call ended): the session follows. Repeats change nothing."""
    session = (
        MonitoringSession.objects.select_for_update()
        .select_related("entry")
        .filter(pk=session_id)
        .first()
    )
    if session is None or session.ended_at is not None:
        return
    status = params.get("CallStatus", "")
    if status == "in-progress" and session.joined_at is None:
        session.joined_at = timezone.now()
        session.save(update_fields=["joined_at"])
    elif status in TERMINAL_STATUSES:
        session.ended_at = timezone.now()
        session.save(update_fields=["ended_at"])
    else:
        return
    _tell_the_desk(session.entry)
