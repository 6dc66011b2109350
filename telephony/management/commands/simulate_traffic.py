"""A realistic stream of inbound calls through the simulator into this app.

Callers arrive at random (Poisson) at the given rate, choose menu options by the given
mix, some hang up while waiting; agents who are available answer their offers. The
simulator runs in-process on a virtual clock and drives the real webhooks, so the calls,
queue entries, voicemails and cases it makes are real rows, and the run takes seconds.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import F
from django.test import Client

from callcenter import celery_app
from telephony import gateway, twiml
from telephony.calls.selectors import call_outcomes
from telephony.models import AgentProfile, InboundNumber
from telephony.simulator import (
    CalledParty,
    CallerScript,
    DjangoClientTransport,
    NumberConfig,
    SimCall,
    Simulator,
)
from telephony.simulator.parties import AGENT_LINES, CALLER_LINES

DEFAULT_MIX = "1:45,2:25,3:10,0:10,none:10"


def _mix(text: str) -> list[tuple[str, float]]:
    try:
        pairs = [item.split(":") for item in text.split(",") if item]
        return [(choice, float(weight)) for choice, weight in pairs]
    except ValueError:
        raise CommandError(f"--mix takes choice:weight pairs, e.g. {DEFAULT_MIX}") from None


class Command(BaseCommand):
    help = "Run simulated inbound calls through the IVR and the ACD (offline, in seconds)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--calls", type=int, default=50)
        parser.add_argument("--per-minute", type=float, default=4.0, help="Arrival rate.")
        parser.add_argument(
            "--mix", default=DEFAULT_MIX, help="Menu keys and weights; 'none' stays silent."
        )
        parser.add_argument(
            "--hang-up-rate",
            type=float,
            default=0.15,
            help="Share of callers who give up after 30-180 s in a queue.",
        )
        parser.add_argument(
            "--line",
            help="Number to call (default: the first line without office hours, so the "
            "traffic meets agents at any hour; else the first line).",
        )
        parser.add_argument("--seed", type=int, default=1)

    def handle(
        self,
        *args: Any,
        calls: int,
        per_minute: float,
        mix: str,
        hang_up_rate: float,
        line: str | None,
        seed: int,
        **options: Any,
    ) -> None:
        if calls < 1 or per_minute <= 0 or not 0 <= hang_up_rate <= 1:
            raise CommandError(
                "--calls must be positive, --per-minute above 0, --hang-up-rate between 0 and 1."
            )
        choices = _mix(mix)
        target = (
            InboundNumber.objects.filter(number=line).first()
            if line
            else InboundNumber.objects.order_by(
                F("business_hours").asc(nulls_first=True), "pk"
            ).first()
        )
        if target is None:
            raise CommandError("No inbound number to call: run seed_demo or add one in admin.")
        # Seeded on purpose: the same --seed replays the same traffic. Nothing secret is drawn.
        rng = random.Random(seed)  # noqa: S311
        sim = Simulator(
            account_sid=settings.TWILIO_ACCOUNT_SID,
            auth_token=settings.TWILIO_AUTH_TOKEN,
            transport=DjangoClientTransport(Client(raise_request_exception=False)),
            seed=seed,
            # Calls are stored across runs: never the SIDs of an earlier run.
            sid_seed=uuid.uuid4().hex,
            default_number=NumberConfig(
                voice_url=twiml.webhook_url("voice_incoming"),
                voice_fallback_url=twiml.webhook_url("voice_fallback"),
                status_callback=twiml.webhook_url("voice_status"),
                sms_url=twiml.webhook_url("sms_incoming"),
            ),
            default_party=CalledParty(
                probabilities={"human": 0.7, "busy": 0.15, "no-answer": 0.15}
            ),
        )
        for agent in AgentProfile.objects.all():
            sim.register_client(
                agent.client_identity,
                CalledParty(
                    answer="human",
                    ring_seconds=rng.uniform(2, 8),
                    talk_seconds=rng.uniform(60, 300),
                    lines=AGENT_LINES,
                ),
            )
        # Routing and ringing happen in this process, against this simulator.
        eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = True
        try:
            with gateway.using(gateway.build_client(http_client=sim.sdk_http_client())):
                placed = self._place(
                    sim, rng, target.number, calls, per_minute, choices, hang_up_rate
                )
                sim.run()
        finally:
            celery_app.conf.task_always_eager = eager
        errors = sum(len(call.application_errors) for call in placed)
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(placed)} calls to {target.number} over "
                f"{calls / per_minute:.0f} simulated minutes; application errors: {errors}."
            )
        )
        self._report(placed)

    def _report(self, placed: list[SimCall]) -> None:
        outcomes = call_outcomes(call_sids=[call.sid for call in placed])
        # Waits in simulated time, as Twilio reports them to the Enqueue action: the
        # database's clock is the wall clock, which the simulation outruns.
        waits = [
            sum(int(x.params["QueueTime"]) for x in call.trace if "QueueResult" in x.params)
            for call in placed
            if any("QueueResult" in x.params for x in call.trace)
        ]
        average = f"{sum(waits) / len(waits):.0f} s" if waits else "no caller queued"
        rows = [
            ("answered", str(outcomes.answered)),
            ("abandoned", str(outcomes.abandoned)),
            ("callbacks", str(outcomes.callbacks)),
            ("voicemail", str(outcomes.voicemails)),
            ("average wait", average),
        ]
        for label, value in rows:
            self.stdout.write(f"  {label:<14}{value:>18}")

    def _place(
        self,
        sim: Simulator,
        rng: random.Random,
        number: str,
        calls: int,
        per_minute: float,
        choices: list[tuple[str, float]],
        hang_up_rate: float,
    ) -> list[SimCall]:
        placed = []
        keys, weights = zip(*choices, strict=True)
        for _ in range(calls):
            sim.advance(rng.expovariate(per_minute / 60))
            key = rng.choices(keys, weights)[0]
            script = CallerScript(
                inputs=[] if key == "none" else [key],
                patience=rng.uniform(30, 180) if rng.random() < hang_up_rate else None,
                hang_up_after=rng.uniform(240, 900),
                speak_seconds=rng.uniform(4, 20),
                lines=CALLER_LINES,
            )
            caller = f"+1{rng.choice(['212', '312', '415', '512'])}555{rng.randint(100, 199):04d}"
            placed.append(sim.dial_in(from_=caller, to=number, script=script))
        return placed
