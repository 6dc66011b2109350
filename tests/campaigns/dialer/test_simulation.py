"""Predictive against progressive through the whole stack, on a virtual clock.

One campaign per mode, the same agents and the same called parties: each lead answers as
a person, a machine, busy or not at all at the given rates (seeded), a person talks for
the handle time, agents answer their offers in a second and are free again when the
call ends (no wrap-up time). Every tick of virtual time the pacer and the wrap-up sweep
run, as beat would run them; the app's clock moves with the simulator's, so windows,
retries and rates see the simulated time. Everything goes through the real webhooks, ACD
and dialer. `bench/pacing.py` measures the pacer itself over whole shifts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings

from campaigns.dialer import selectors
from campaigns.dialer import services as dialer
from campaigns.models import CallAttempt, Campaign, Lead, LineType
from campaigns.selectors import LIVE_ANSWER
from telephony import gateway
from telephony.acd import wrap_up
from telephony.models import AgentProfile, AgentSkill, Queue, QueueSkill, Skill
from telephony.simulator import CalledParty, DjangoClientTransport, Simulator, VirtualClock

pytestmark = pytest.mark.django_db(transaction=True)

# 10:00 on a Monday in New York, well inside calling hours for the whole run.
START = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
ANSWERS = {"human": 0.15, "machine": 0.05, "busy": 0.1, "no-answer": 0.7}
# Yesterday's live answers, one abandoned: the campaign's second day, so its abandonment
# is measured from the start (a new campaign dials progressive until it is).
YESTERDAY_LIVE = 100


@dataclass(frozen=True)
class Result:
    mode: str
    placed: int
    live: int
    contacts: int
    utilization: float
    abandonment_rate: float

    def line(self) -> str:
        return (
            f"{self.mode:<12} placed {self.placed:>4}  live {self.live:>4}  "
            f"contacts {self.contacts:>4}  utilization {self.utilization:6.1%}  "
            f"abandoned {self.abandonment_rate:5.2%}"
        )


def simulate(
    mode: str, *, agents: int, minutes: int, handle_seconds: float, tick_seconds: int = 3
) -> Result:
    """Run one campaign in `mode` (needs a migrated database and eager Celery)."""
    skill, _ = Skill.objects.get_or_create(name=f"sim-{mode}")
    queue = Queue.objects.create(name=f"Simulated {mode}", offer_timeout_seconds=10)
    QueueSkill.objects.create(queue=queue, skill=skill)
    sim = Simulator(
        account_sid=settings.TWILIO_ACCOUNT_SID,
        auth_token=settings.TWILIO_AUTH_TOKEN,
        transport=DjangoClientTransport(),
        clock=VirtualClock(START),
        seed=7,
        # Agents' legs share the account's rate with the dialer: leave them room.
        calls_per_second=5.0,
        default_party=CalledParty(
            probabilities=ANSWERS, ring_seconds=6, talk_seconds=handle_seconds
        ),
    )
    team = []
    for number in range(agents):
        name = f"sim-{mode}-{number}"
        agent = AgentProfile.objects.create(
            user=get_user_model().objects.create(username=name),
            client_identity=name,
            state="available",
        )
        AgentSkill.objects.create(agent=agent, skill=skill)
        sim.register_client(name, CalledParty(answer="human", ring_seconds=1, talk_seconds=7200))
        team.append(agent)
    campaign = Campaign.objects.create(
        name=f"Simulated {mode}",
        dial_mode=mode,
        status=Campaign.Status.RUNNING,
        caller_id="+18005550100",
        queue=queue,
        ring_seconds=15,
        safe_harbor_message="This is Example Co at 800 555 0100. Press 9 to stop our calls.",
        window_start=dt.time(8, 0),
        window_end=dt.time(21, 0),
    )
    campaign.agents.set(team)
    done = Lead.objects.create(
        campaign=campaign, phone="+12126000000", time_zones=[], status=Lead.Status.COMPLETED
    )
    CallAttempt.objects.bulk_create(
        CallAttempt(
            campaign=campaign,
            lead=done,
            outcome="abandoned" if number == 0 else "completed",
            is_abandoned=number == 0,
            answered_by="human",
            placed_at=START - dt.timedelta(days=1, seconds=6),
            answered_at=START - dt.timedelta(days=1),
            ended_at=START - dt.timedelta(days=1),
        )
        for number in range(YESTERDAY_LIVE)
    )
    # Fixed lines: a sales campaign needs no consent to ring them, so pacing alone is measured.
    Lead.objects.bulk_create(
        Lead(
            campaign=campaign,
            phone=f"+12127{number:06d}",
            line_type=LineType.FIXED_LINE,
            time_zones=[],
        )
        for number in range(agents * minutes * 12)
    )

    # Placements wait for their dialling slot, as the Celery countdown makes them wait.
    booked: list[tuple[dt.datetime, int]] = []
    with (
        override_settings(TWILIO_CALLS_PER_SECOND=3.0),
        gateway.using(gateway.build_client(http_client=sim.sdk_http_client())),
    ):
        for second in range(minutes * 60):
            now = sim.clock.now()
            with time_machine.travel(now, tick=False):
                if second % tick_seconds == 0:
                    wrap_up.wrap_ups_done()  # beat's wrap-up sweep
                    booked += [
                        (now + dt.timedelta(seconds=delay), attempt_id)
                        for attempt_id, delay in dialer.campaign_pace(campaign_id=campaign.pk)
                    ]
                for due in [b for b in booked if b[0] <= now]:
                    booked.remove(due)
                    dialer.attempt_place(attempt_id=due[1])
                sim.run(1)
        # Stop dialling; let the calls in progress finish.
        Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.PAUSED)
        with time_machine.travel(sim.clock.now(), tick=False):
            sim.run(handle_seconds + 60)

    attempts = CallAttempt.objects.filter(
        campaign=campaign, lead__in=Lead.objects.exclude(pk=done.pk)
    )
    # Contacts are conversations with people, not machines an agent met for a moment.
    connected = attempts.filter(outcome="completed", connected_at__isnull=False)
    talk = sum(
        (a.ended_at - a.connected_at).total_seconds()
        for a in connected
        if a.ended_at and a.connected_at
    )
    return Result(
        mode=mode,
        placed=attempts.filter(placed_at__isnull=False).count(),
        live=attempts.filter(LIVE_ANSWER, answered_at__isnull=False).count(),
        contacts=connected.count(),
        utilization=talk / (agents * minutes * 60),
        abandonment_rate=selectors.abandonment_rate(campaign, since=START),
    )


def test_predictive_reaches_more_people_than_progressive_within_the_abandonment_target():
    progressive = simulate("progressive", agents=12, minutes=8, handle_seconds=60)
    predictive = simulate("predictive", agents=12, minutes=8, handle_seconds=60)
    print(progressive.line(), predictive.line(), sep="\n")
    assert predictive.contacts > 1.1 * progressive.contacts
    assert predictive.utilization > progressive.utilization
    assert predictive.abandonment_rate <= 0.03
