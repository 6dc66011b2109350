"""What a supervisor does from the wallboard: monitor a call (listen, whisper, barge),
change an agent's state or log them out, send a waiting caller to a chosen agent, send a
note to an agent's desk.

Each action checks who may take it, then calls the telephony service that does it:
supervisors act on their teams' agents and queues, managers on the whole floor.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError

from telephony.acd.presence import agent_set_state
from telephony.acd.waiting import caller_send_to_agent
from telephony.desk.services import desk_message_send
from telephony.models import AgentProfile, Call, DeskMessage, MonitoringSession, QueueEntry
from telephony.monitoring import services as monitoring
from telephony.monitoring.selectors import monitored_entry, open_session

from .selectors import floor_agents, floor_queues

MONITOR = "telephony.add_monitoringsession"
CHANGE_AGENT = "telephony.change_agentprofile"
# What the wallboard's monitor buttons send besides the three modes.
LEAVE = "leave"
MONITOR_REQUEST_MODES = [*MonitoringSession.Mode.choices, (LEAVE, "Leave")]


def _agent_in_reach(user: User, agent: AgentProfile, perm: str) -> None:
    if not user.has_perm(perm) or not floor_agents(user=user).filter(pk=agent.pk).exists():
        raise PermissionDenied(f"{agent} is not one of your agents.")


def _entry_in_reach(user: User, entry: QueueEntry) -> None:
    """A conversation is the supervisor's when its agent is in their teams or its queue is
    one their teams serve."""
    if not user.has_perm(MONITOR):
        raise PermissionDenied("Only supervisors and managers monitor calls.")
    agent_id = entry.served_by_id
    mine = agent_id is not None and floor_agents(user=user).filter(pk=agent_id).exists()
    if not (mine or floor_queues(user=user).filter(pk=entry.queue_id).exists()):
        raise PermissionDenied("This call is not on your teams or queues.")


def call_monitor(
    *,
    user: User,
    mode: str,
    call: Call | None = None,
    agent: AgentProfile | None = None,
    phone_number: str = "",
) -> MonitoringSession:
    """Start monitoring the call (by its record, or the agent on it) in `mode`, switch
    the mode of monitoring under way, or leave it (`LEAVE`)."""
    entry = monitored_entry(call=call, agent=agent)
    _entry_in_reach(user, entry)
    if mode == LEAVE:
        session = open_session(supervisor=user, entry=entry)
        if session is None:
            raise ValidationError({"mode": ["You are not monitoring this call."]})
        return monitoring.monitoring_end(session=session)
    return monitoring.monitoring_start(
        supervisor=user, entry=entry, mode=mode, phone_number=phone_number
    )


def agent_state_force(*, user: User, agent: AgentProfile, state: str, reason: str = "") -> None:
    """Move one of the supervisor's agents to another state (not ready needs a reason)."""
    _agent_in_reach(user, agent, CHANGE_AGENT)
    agent_set_state(agent=agent, state=state, reason=reason)


def agent_log_out(*, user: User, agent: AgentProfile) -> None:
    """Log one of the supervisor's agents out of the ACD (offline: no calls offered)."""
    agent_state_force(user=user, agent=agent, state=AgentProfile.State.OFFLINE)


def caller_send(*, user: User, entry: QueueEntry, agent: AgentProfile) -> QueueEntry:
    """Take a caller waiting in one of the supervisor's queues to one of their agents."""
    if not floor_queues(user=user).filter(pk=entry.queue_id).exists():
        raise PermissionDenied("This caller is not in one of your queues.")
    _agent_in_reach(user, agent, CHANGE_AGENT)
    return caller_send_to_agent(entry=entry, agent=agent)


def desk_note_send(*, user: User, agent: AgentProfile, body: str) -> DeskMessage:
    """Send a note to one of the supervisor's agents' desk."""
    _agent_in_reach(user, agent, CHANGE_AGENT)
    return desk_message_send(agent=agent, sender=user, body=body)
