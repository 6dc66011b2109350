"""`SimulatorControl`: the dev phone's client for the live simulator's `/sim/` API.

Plain urllib, so the web process needs nothing but the simulator's base URL.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


class SimulatorControlError(Exception):
    """The simulator refused the request or could not be reached."""


class SimulatorControl:
    def __init__(self, base_url: str, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def start_call(self, *, from_: str, to: str) -> dict[str, Any]:
        """Dial `to` as an interactive caller; returns the new call's state."""
        return self._request("POST", "/sim/calls", {"from": from_, "to": to})

    def calls(self) -> list[dict[str, Any]]:
        return self._request("GET", "/sim/calls")["calls"]

    def call(self, sid: str) -> dict[str, Any]:
        return self._request("GET", f"/sim/calls/{sid}")

    def conferences(self) -> list[dict[str, Any]]:
        """The live conferences: participants, their mixing, and whom each hears."""
        return self._request("GET", "/sim/conferences")["conferences"]

    def press(self, sid: str, digits: str) -> dict[str, Any]:
        return self._request("POST", f"/sim/calls/{sid}/digits", {"digits": digits})

    def speak(self, sid: str, text: str, confidence: float = 0.9) -> dict[str, Any]:
        payload = {"text": text, "confidence": confidence}
        return self._request("POST", f"/sim/calls/{sid}/speech", payload)

    def hang_up(self, sid: str) -> dict[str, Any]:
        return self._request("POST", f"/sim/calls/{sid}/hangup", {})

    def answer(self, sid: str) -> dict[str, Any]:
        """Pick up a leg ringing at a softphone (the agent desk's Accept)."""
        return self._request("POST", f"/sim/calls/{sid}/answer", {})

    def reject(self, sid: str) -> dict[str, Any]:
        return self._request("POST", f"/sim/calls/{sid}/reject", {})

    def send_sms(self, *, from_: str, to: str, body: str) -> dict[str, Any]:
        return self._request("POST", "/sim/sms", {"from": from_, "to": to, "body": body})

    # Any: parsed JSON, whose shape each public method above states.
    def _request(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:  # noqa: ANN401
        data = None if payload is None else json.dumps(payload).encode()
        # base_url is the operator's SIMULATOR_URL setting, never request input.
        request = urllib.request.Request(  # noqa: S310
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")
            raise SimulatorControlError(f"{method} {path}: HTTP {error.code} {detail}") from error
        except (urllib.error.URLError, TimeoutError) as error:
            raise SimulatorControlError(
                f"Simulator unreachable at {self.base_url}: {error}"
            ) from error
