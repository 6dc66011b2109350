"""The Twilio SDK's HTTP client, rerouted into the simulator in-process (tests, benchmarks).

`twilio.rest.Client(sid, token, http_client=sim.sdk_http_client())` then runs the SDK's
own request building and response parsing against the simulator's REST dialect, with
no socket and no thread: the same code path as production, only the transport differs.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from twilio.http import HttpClient
from twilio.http.request import Request
from twilio.http.response import Response

if TYPE_CHECKING:
    from .simulator import Simulator

logger = logging.getLogger(__name__)


def form_values(value: object) -> list[str]:
    """How requests would form-encode one SDK value (lists repeat the key)."""
    if isinstance(value, list | tuple):
        return [item for element in value for item in form_values(element)]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    return [str(value)]


class SimulatorHttpClient(HttpClient):
    def __init__(self, simulator: Simulator) -> None:
        super().__init__(logger, is_async=False)
        self.simulator = simulator

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        parts = urlsplit(url)
        merged: dict[str, list[str]] = parse_qs(parts.query, keep_blank_values=True)
        for source in (params or {}, data or {}):
            for name, value in source.items():
                merged.setdefault(name, []).extend(form_values(value))
        self._test_only_last_request = Request(method, url, auth, params, data, headers)
        status, payload = self.simulator.handle_rest(method.upper(), parts.path, merged, auth)
        body = "" if status == 204 else json.dumps(payload)
        headers = {
            "Content-Type": "application/json",
            "Twilio-Request-Id": self.simulator.request_id(),
        }
        response = Response(status, body, headers)
        self._test_only_last_response = response
        return response

    def fetch_media(self, url: str, auth: tuple[str, str] | None) -> tuple[int, bytes, str]:
        """A recording's media, as the HTTP server serves it (the SDK's Response holds text
        only, so media has its own door)."""
        return self.simulator.media_response(urlsplit(url).path, auth)
