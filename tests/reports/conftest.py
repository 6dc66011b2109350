"""Hand-built call records for the report tests: queue entries with their hold log and
the agents' presence log, at exact times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from telephony.models import (
    AgentProfile,
    AgentStateChange,
    Call,
    HoldPeriod,
    Queue,
    QueueEntry,
)
from tests.factories import UserFactory

State = AgentProfile.State


def at(text: str) -> datetime:
    """A UTC moment from 'YYYY-MM-DD HH:MM:SS'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class Records:
    """Writes calls as the telephony services leave them."""

    def __init__(self) -> None:
        self.calls = 0

    def queue(self, name: str = "Support", threshold: int = 20) -> Queue:
        return Queue.objects.create(name=name, service_level_seconds=threshold)

    def agent(self, username: str) -> AgentProfile:
        user = UserFactory.create(username=username, first_name=username.title(), last_name="")
        return AgentProfile.objects.create(user=user, client_identity=username)

    def state(
        self,
        agent: AgentProfile,
        state: str,
        start: datetime,
        end: datetime | None,
        reason: str = "",
    ) -> None:
        AgentStateChange.objects.create(
            agent=agent, state=state, reason=reason, started_at=start, ended_at=end
        )

    def call(self, *, when: datetime) -> Call:
        self.calls += 1
        return Call.objects.create(
            sid=f"CA{self.calls:032d}",
            direction=Call.Direction.INBOUND,
            from_number="+12125550100",
            to_number="+12125550199",
            created_at=when,
            queued_at=when,
        )

    def answered(
        self,
        queue: Queue,
        *,
        joined: datetime,
        wait: float,
        talk: float,
        agent: AgentProfile,
        hold: float = 0.0,
        wrap: float = 0.0,
        kind: str = QueueEntry.Kind.CALL,
        call: Call | None = None,
        log_states: bool = True,
    ) -> QueueEntry:
        """A conversation: rung and answered after `wait`, `talk` long (hold included),
        then `wrap` seconds of wrap-up in the presence log."""
        answered = joined + timedelta(seconds=wait)
        ended = answered + timedelta(seconds=talk)
        entry = QueueEntry.objects.create(
            queue=queue,
            call=call or self.call(when=joined),
            kind=kind,
            status=QueueEntry.Status.DONE,
            waiting_since=joined,
            offered_at=answered,
            connected_at=answered,
            ended_at=ended,
            served_by=agent,
        )
        if hold:
            HoldPeriod.objects.create(
                entry=entry,
                started_at=answered + timedelta(seconds=1),
                ended_at=answered + timedelta(seconds=1 + hold),
            )
        if log_states:
            self.state(agent, State.ON_CALL, answered, ended)
            self.state(agent, State.WRAP_UP, ended, ended + timedelta(seconds=wrap))
        return entry

    def left(
        self,
        queue: Queue,
        *,
        joined: datetime,
        wait: float,
        status: str = QueueEntry.Status.ABANDONED,
        kind: str = QueueEntry.Kind.CALL,
    ) -> QueueEntry:
        """A caller who hung up (or went to voicemail) after `wait` seconds."""
        return QueueEntry.objects.create(
            queue=queue,
            call=self.call(when=joined),
            kind=kind,
            status=status,
            waiting_since=joined,
            ended_at=joined + timedelta(seconds=wait),
        )


@pytest.fixture
def records(db) -> Records:
    return Records()


@pytest.fixture
def new_york(settings):
    settings.TIME_ZONE = "America/New_York"
