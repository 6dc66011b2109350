"""The offline Twilio: REST API, webhooks, TwiML execution, on a virtual or real clock.

Tests drive it in-process (`Simulator` with a `VirtualClock`, `DjangoClientTransport`,
`sdk_http_client()`); `manage.py run_simulator` serves it over HTTP for `make run`.
"""

from __future__ import annotations

from .clock import Clock, RealClock, VirtualClock
from .control import SimulatorControl, SimulatorControlError
from .engine import SimulatorStuck
from .parties import CalledParty, CallerScript, Line, Speech
from .server import SimulatorServer
from .simulator import Simulator
from .state import (
    CallbackChaos,
    NumberConfig,
    SimCall,
    SimConference,
    SimMessage,
    SimParticipant,
    SimQueue,
    SimRecording,
    TranscriptEntry,
    WebhookExchange,
)
from .transport import (
    DjangoClientTransport,
    FunctionTransport,
    HttpTransport,
    Transport,
    TransportError,
    WebhookResponse,
)

__all__ = [
    "CallbackChaos",
    "CalledParty",
    "CallerScript",
    "Clock",
    "DjangoClientTransport",
    "FunctionTransport",
    "HttpTransport",
    "Line",
    "NumberConfig",
    "RealClock",
    "SimCall",
    "SimConference",
    "SimMessage",
    "SimParticipant",
    "SimQueue",
    "SimRecording",
    "Simulator",
    "SimulatorControl",
    "SimulatorControlError",
    "SimulatorServer",
    "SimulatorStuck",
    "Speech",
    "TranscriptEntry",
    "Transport",
    "TransportError",
    "VirtualClock",
    "WebhookExchange",
    "WebhookResponse",
]
