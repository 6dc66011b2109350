"""Demo history for the reports: two weeks of the demo agents' days on the demo queues
(calls answered, abandoned, sent to voicemail; breaks and lunch), so every report shows
something whenever the demo is opened. Prices and costs for cost per contact too."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from telephony.models import (
    AgentProfile,
    AgentStateChange,
    Call,
    HoldPeriod,
    Queue,
    QueueEntry,
    Team,
)

from . import services
from .models import ReportSchedule, TeamCost, TelephonyPrice

DAYS = 14
SID_PREFIX = "CAdemohistory"
State = AgentProfile.State
Status = QueueEntry.Status


def seed(*, days: int = DAYS) -> int:
    """Add the history once (keyed on its calls' SIDs); returns how many calls it added."""
    TelephonyPrice.objects.get_or_create(
        direction=Call.Direction.INBOUND, defaults={"per_minute": Decimal("0.0085")}
    )
    TelephonyPrice.objects.get_or_create(
        direction=Call.Direction.OUTBOUND_API, defaults={"per_minute": Decimal("0.0140")}
    )
    for team in Team.objects.all():
        TeamCost.objects.get_or_create(team=team, defaults={"hourly_cost": Decimal("28.00")})
        team.queues.add(*Queue.objects.all())
    ReportSchedule.objects.get_or_create(
        name="Daily queue figures",
        defaults={"report": "queues", "recipients": "supervisor@example.com"},
    )
    if Call.objects.filter(sid__startswith=SID_PREFIX).exists():
        return 0
    agents = list(AgentProfile.objects.all())
    queues = list(Queue.objects.all())
    if not agents or not queues:
        return 0
    rng = random.Random(2026)  # noqa: S311 (demo data, the same on every machine)
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    calls = 0
    calls_made: list[Call] = []
    entries: list[QueueEntry] = []
    changes: list[AgentStateChange] = []
    holds: list[tuple[int, datetime, datetime]] = []
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        if day.weekday() == 6:
            continue
        for agent in agents:
            moment = datetime.combine(day, time(8, rng.randrange(0, 20)), tzinfo=zone)
            closing = datetime.combine(day, time(17, 0), tzinfo=zone)
            lunch = False
            while moment < closing:
                idle = timedelta(seconds=rng.randrange(20, 400))
                changes.append(_state(agent, State.AVAILABLE, moment, moment + idle))
                moment += idle
                if not lunch and moment.hour >= 12:
                    lunch, pause = True, timedelta(minutes=30)
                    changes.append(_state(agent, State.NOT_READY, moment, moment + pause, "lunch"))
                    moment += pause
                    continue
                calls += 1
                wait = rng.choice([3, 8, 12, 15, 25, 40, 70])
                talk = timedelta(seconds=rng.randrange(90, 600))
                wrap = timedelta(seconds=rng.randrange(10, 90))
                joined = moment - timedelta(seconds=wait)
                call = Call(
                    sid=f"{SID_PREFIX}{calls:021d}",
                    direction=Call.Direction.INBOUND,
                    from_number="+12125550100",
                    to_number="+18005550100",
                    state=Call.State.ENDED,
                    created_at=joined,
                    queued_at=joined,
                    answered_at=moment,
                    ended_at=moment + talk,
                    duration_seconds=int((talk.total_seconds()) + wait),
                )
                calls_made.append(call)
                entries.append(
                    QueueEntry(
                        queue=rng.choice(queues),
                        status=Status.DONE,
                        waiting_since=joined,
                        offered_at=moment,
                        connected_at=moment,
                        ended_at=moment + talk,
                        served_by=agent,
                    )
                )
                if rng.random() < 0.15:
                    holds.append((len(entries) - 1, moment + talk / 3, moment + talk / 2))
                changes.append(_state(agent, State.ON_CALL, moment, moment + talk))
                changes.append(_state(agent, State.WRAP_UP, moment + talk, moment + talk + wrap))
                moment += talk + wrap
                # Now and then a caller gives up, or waits too long for voicemail.
                if rng.random() < 0.12:
                    calls += 1
                    left = moment - timedelta(seconds=rng.randrange(60, 200))
                    calls_made.append(
                        Call(
                            sid=f"{SID_PREFIX}{calls:021d}",
                            direction=Call.Direction.INBOUND,
                            from_number="+12125550101",
                            to_number="+18005550100",
                            state=Call.State.ENDED,
                            created_at=left,
                            queued_at=left,
                            ended_at=left + timedelta(seconds=rng.choice([3, 30, 90, 300])),
                        )
                    )
                    abandoned = rng.random() < 0.8
                    entries.append(
                        QueueEntry(
                            queue=rng.choice(queues),
                            status=Status.ABANDONED if abandoned else Status.OVERFLOWED,
                            waiting_since=left,
                            ended_at=calls_made[-1].ended_at,
                        )
                    )
            changes.append(_state(agent, State.OFFLINE, moment, moment))
    Call.objects.bulk_create(calls_made, batch_size=1000)
    for entry, call in zip(entries, calls_made, strict=True):
        entry.call = call
    QueueEntry.objects.bulk_create(entries, batch_size=1000)
    AgentStateChange.objects.bulk_create(changes, batch_size=1000)
    HoldPeriod.objects.bulk_create(
        HoldPeriod(entry=entries[index], started_at=began, ended_at=ended)
        for index, began, ended in holds
    )
    start = datetime.combine(today - timedelta(days=days), time(), tzinfo=zone)
    services.intervals_rebuild(start=start, end=timezone.now())
    return len(calls_made)


def _state(
    agent: AgentProfile, state: str, began: datetime, ended: datetime, reason: str = ""
) -> AgentStateChange:
    return AgentStateChange(
        agent=agent, state=state, reason=reason, started_at=began, ended_at=ended
    )
