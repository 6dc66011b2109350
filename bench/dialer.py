"""Predictive against progressive dialing, through the simulator on a virtual clock.

One campaign per mode, the same agents and the same called parties: each lead answers as
a person, a machine, busy or not at all at the given rates (seeded), a person talks for
the handle time, agents answer their offers in a second and are free again when the
call ends (no wrap-up time). Every `--tick` seconds of virtual time the pacer and the
wrap-up sweep run, as beat would run them; the app's clock is moved with the
simulator's, so windows, retries and rates see the simulated time. Everything goes
through the real webhooks, ACD and dialer.

Printed per mode: calls placed, live answers, contacts (connected to an agent), agent
utilization (talk time ÷ staffed time), contacts per agent-hour and the abandonment rate
(abandoned ÷ live answers, the TSR measure, target 3%).

    .venv/bin/python bench/dialer.py [--agents 10] [--minutes 30] [--handle 90]

It runs on a throwaway SQLite database in a temporary directory; about a minute.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# 10:00 on a Monday in New York, well inside calling hours for the whole run.
START = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
ANSWERS = {"human": 0.15, "machine": 0.05, "busy": 0.1, "no-answer": 0.7}


@dataclass(frozen=True)
class Result:
    mode: str
    placed: int
    live: int
    contacts: int
    utilization: float
    contacts_per_agent_hour: float
    abandonment_rate: float

    def line(self) -> str:
        return (
            f"{self.mode:<12} placed {self.placed:>4}  live {self.live:>4}  "
            f"contacts {self.contacts:>4}  utilization {self.utilization:6.1%}  "
            f"contacts/agent-hour {self.contacts_per_agent_hour:5.1f}  "
            f"abandoned {self.abandonment_rate:5.2%}"
        )


def simulate(
    mode: str,
    *,
    agents: int = 10,
    minutes: int = 30,
    handle_seconds: float = 90,
    tick_seconds: int = 2,
    wrap_up_seconds: int = 0,
    seed: int = 7,
) -> Result:
    """Run one campaign in `mode` (needs a migrated database and eager Celery)."""
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

    skill, _ = Skill.objects.get_or_create(name=f"sim-{mode}")
    queue = Queue.objects.create(
        name=f"Simulated {mode}", offer_timeout_seconds=10, wrap_up_seconds=wrap_up_seconds
    )
    QueueSkill.objects.create(queue=queue, skill=skill)
    sim = Simulator(
        account_sid=settings.TWILIO_ACCOUNT_SID,
        auth_token=settings.TWILIO_AUTH_TOKEN,
        transport=DjangoClientTransport(),
        clock=VirtualClock(START),
        seed=seed,
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
    # Fixed lines: a sales campaign needs no consent to ring them, so pacing alone is measured.
    Lead.objects.bulk_create(
        Lead(
            campaign=campaign,
            phone=f"+1212{seed % 10}{number:06d}",
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

    attempts = CallAttempt.objects.filter(campaign=campaign)
    # Contacts are conversations with people, not machines an agent met for a moment.
    connected = attempts.filter(outcome="completed", connected_at__isnull=False)
    talk = sum(
        (a.ended_at - a.connected_at).total_seconds()
        for a in connected
        if a.ended_at and a.connected_at
    )
    hours = agents * minutes / 60
    return Result(
        mode=mode,
        placed=attempts.filter(placed_at__isnull=False).count(),
        live=attempts.filter(LIVE_ANSWER, answered_at__isnull=False).count(),
        contacts=connected.count(),
        utilization=talk / (hours * 3600),
        contacts_per_agent_hour=connected.count() / hours,
        abandonment_rate=selectors.abandonment_rate(campaign, since=START),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--handle", type=float, default=90, help="Talk time in seconds.")
    options = parser.parse_args(argv)

    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="callcenter.settings",
        VAR_DIR=tempfile.mkdtemp(prefix="dialer-bench-"),
        DATABASE_URL="",
        REDIS_URL="",
        CELERY_TASK_ALWAYS_EAGER="1",
    )
    import django
    from django.core.management import call_command

    django.setup()
    logging.disable(logging.WARNING)  # one line per task and webhook would drown the result
    from callcenter import celery_app

    celery_app.conf.task_always_eager = True
    call_command("migrate", verbosity=0)
    for mode in ("progressive", "predictive"):
        result = simulate(
            mode, agents=options.agents, minutes=options.minutes, handle_seconds=options.handle
        )
        print(result.line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
