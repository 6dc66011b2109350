"""A fake app (URL path -> TwiML) behind the simulator, checking every webhook's signature."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from telephony.simulator import (
    FunctionTransport,
    NumberConfig,
    Simulator,
    VirtualClock,
    WebhookResponse,
)

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "simulator-test-token"
APP = "https://app.example.com"
OUR_NUMBER = "+18005550100"
CALLER = "+14155550142"
START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)

Route = str | Callable[[dict[str, str]], Any]


def twiml(*verbs: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?><Response>' + "".join(verbs) + "</Response>"


class FakeApp:
    """Routes by URL path; a route is a TwiML string or `fn(params) -> str | (status, body)`."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[tuple[str, dict[str, str]]] = []

    def __call__(self, url: str, params: dict[str, str]) -> tuple[int, str]:
        parts = urlsplit(url)
        merged = {**dict(parse_qsl(parts.query)), **params}
        self.requests.append((parts.path, merged))
        route = self.routes.get(parts.path)
        if route is None:
            return 204, ""  # status callbacks and the like: nothing to say
        answer = route(merged) if callable(route) else route
        return answer if isinstance(answer, tuple) else (200, answer)

    def to(self, path: str) -> list[dict[str, str]]:
        """The parameters of every request made to `path`, in order."""
        return [params for request_path, params in self.requests if request_path == path]


class SignatureCheckingTransport:
    """Fails the test on any webhook whose X-Twilio-Signature would not validate."""

    def __init__(self, inner: FunctionTransport) -> None:
        self.inner = inner
        self.validator = RequestValidator(AUTH_TOKEN)
        self.checked = 0

    def send(
        self, method: str, url: str, params: dict[str, str], signature: str
    ) -> WebhookResponse:
        assert self.validator.validate(url, params, signature), f"bad signature for {url}"
        self.checked += 1
        return self.inner.send(method, url, params, signature)


@pytest.fixture
def app() -> FakeApp:
    return FakeApp()


@pytest.fixture
def make_sim(app: FakeApp) -> Callable[..., Simulator]:
    def make(**overrides: Any) -> Simulator:
        options: dict[str, Any] = {
            "account_sid": ACCOUNT_SID,
            "auth_token": AUTH_TOKEN,
            "transport": SignatureCheckingTransport(FunctionTransport(app)),
            "clock": VirtualClock(START),
            "seed": 0,
            "base_url": "http://sim.test",
            "default_number": NumberConfig(
                voice_url=f"{APP}/voice",
                voice_fallback_url=f"{APP}/fallback",
                status_callback=f"{APP}/status",
                sms_url=f"{APP}/sms",
            ),
        }
        options.update(overrides)
        return Simulator(**options)

    return make


@pytest.fixture
def sim(make_sim: Callable[..., Simulator]) -> Simulator:
    return make_sim()


@pytest.fixture
def sdk(sim: Simulator) -> Client:
    """The real Twilio SDK, talking to the simulator in-process."""
    return Client(ACCOUNT_SID, AUTH_TOKEN, http_client=sim.sdk_http_client())


def seconds_since_start(sim: Simulator) -> float:
    return (sim.clock.now() - START).total_seconds()
