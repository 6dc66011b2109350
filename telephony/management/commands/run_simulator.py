"""`manage.py run_simulator`: the offline Twilio as a live service for `make run`.

It speaks Twilio's REST dialect to the app's SDK client (TWILIO_API_BASE_URL points
here in simulator mode) and calls the app's webhooks at PUBLIC_BASE_URL, signed with the
development auth token, in wall time.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from telephony.simulator import (
    CalledParty,
    HttpTransport,
    NumberConfig,
    RealClock,
    Simulator,
    SimulatorServer,
)
from telephony.simulator.parties import AGENT_LINES

DEV_ACCOUNT_SID = "AC" + "5" * 32
# Only when settings give none: the local simulator's token, which guards nothing real.
DEV_AUTH_TOKEN = "simulator-auth-token"  # noqa: S105


def default_number(public_base_url: str) -> NumberConfig:
    """Every number routes to the app's telephony webhooks, as the README configures Twilio."""
    base = public_base_url.rstrip("/")
    return NumberConfig(
        voice_url=f"{base}/telephony/voice/incoming/",
        voice_fallback_url=f"{base}/telephony/voice/fallback/",
        status_callback=f"{base}/telephony/voice/status/",
        sms_url=f"{base}/telephony/sms/incoming/",
    )


class Command(BaseCommand):
    help = "Serve the Twilio simulator (REST API + webhooks + dev-phone control API)."

    def add_arguments(self, parser: CommandParser) -> None:
        simulator_url = urlsplit(getattr(settings, "SIMULATOR_URL", "http://127.0.0.1:8010"))
        parser.add_argument("--host", default=simulator_url.hostname or "127.0.0.1")
        parser.add_argument("--port", type=int, default=simulator_url.port or 8010)
        parser.add_argument("--seed", type=int, default=0, help="Seed for parties' answers.")

    def handle(self, *args: Any, host: str, port: int, seed: int, **options: Any) -> None:
        public_base_url = getattr(settings, "PUBLIC_BASE_URL", "http://127.0.0.1:8000")
        simulator = Simulator(
            account_sid=getattr(settings, "TWILIO_ACCOUNT_SID", "") or DEV_ACCOUNT_SID,
            auth_token=getattr(settings, "TWILIO_AUTH_TOKEN", "") or DEV_AUTH_TOKEN,
            transport=HttpTransport(timeout=15),
            clock=RealClock(),
            seed=seed,
            # Calls are stored across runs: never the SIDs of an earlier run.
            sid_seed=uuid.uuid4().hex,
            base_url=f"http://{host}:{port}",
            default_number=default_number(public_base_url),
            # Agents' softphones are their desks: a ringing client waits for Accept.
            default_client=CalledParty(answer="person", lines=AGENT_LINES),
        )
        server = SimulatorServer(simulator, host, port)
        self.stdout.write(
            f"Twilio simulator on {server.url} (webhooks to {public_base_url}); Ctrl-C to stop."
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Stopping the Twilio simulator.")
        finally:
            server.stop()
