"""Monitoring reads: the call a supervisor may join, the sessions open on it, and what
the agent is shown of them."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError

from ..models import AgentProfile, Call, MonitoringSession, QueueEntry

Mode = MonitoringSession.Mode


def monitored_entry(*, call: Call | None = None, agent: AgentProfile | None = None) -> QueueEntry:
    """The conversation a supervisor would join: the call's connected entry (during a warm
    transfer, the first agent's), or the one in the agent's hands; a ValidationError on
    the field named when there is none."""
    entries = QueueEntry.objects.filter(status=QueueEntry.Status.CONNECTED).exclude(
        agent_call_sid=""
    )
    if call is not None:
        entry = entries.filter(call=call).order_by("connected_at", "id").first()
        missing = {"call": ["This call is not in progress with an agent."]}
    else:
        entry = entries.filter(agent=agent).first()
        missing = {"agent": ["This agent is not on a call."]}
    if entry is None or entry.served_by_id is None or not entry.caller_call_sid:
        raise ValidationError(missing)
    return entry


def open_session(
    *, supervisor: AbstractBaseUser | AnonymousUser, entry: QueueEntry
) -> MonitoringSession | None:
    """The supervisor's session on this conversation that has not ended, if any."""
    return (
        MonitoringSession.objects.filter(supervisor_id=supervisor.pk, entry=entry, ended_at=None)
        .select_related("entry", "call")
        .first()
    )


def is_monitoring(*, supervisor: AbstractBaseUser | AnonymousUser, call: Call) -> bool:
    """Whether the supervisor has a session open on the call."""
    return MonitoringSession.objects.filter(
        supervisor_id=supervisor.pk, call=call, ended_at=None
    ).exists()


def monitoring_shown_to_agent(*, entry: QueueEntry) -> list[MonitoringSession]:
    """The supervisors in the agent's call that the agent is told of: whispering and
    barged-in ones always, silent listeners where the queue's policy says so. Only legs
    that have joined count (a ringing supervisor is not on the call yet)."""
    sessions = MonitoringSession.objects.filter(
        entry=entry, ended_at=None, joined_at__isnull=False
    ).select_related("supervisor")
    if not entry.queue.show_silent_monitoring:
        sessions = sessions.exclude(mode=Mode.LISTEN)
    return list(sessions.order_by("joined_at", "id"))
