"""The simulator as a live HTTP service (`manage.py run_simulator`).

- `/2010-04-01/...`: Twilio's REST dialect, Basic auth, for the app's SDK client
  (`client.api.base_url = "http://127.0.0.1:8010"`). Recording media at the
  RecordingUrl (with or without .wav/.mp3) is a WAV of the recording's length, a tone
  per party (`media.py`), behind the same Basic auth as Twilio's.
- `/sim/...`: a JSON control API for the staff dev phone: start an interactive call,
  press digits, speak, hang up, read the transcript and the TwiML exchanged, send SMS;
  for the agent desk, answer or reject a leg ringing at a softphone; and the live
  conferences, each participant's mixing (muted, held, coaching whom) and whom they hear.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .media import MEDIA
from .parties import CallerScript
from .simulator import Simulator
from .state import SimCall, SimConference, SimMessage

logger = logging.getLogger(__name__)

CALL = re.compile(r"/sim/calls/(?P<sid>CA\w+)(?:/(?P<action>digits|speech|hangup|answer|reject))?")
MAX_MEDIA_SECONDS = 60
RECENT_CALLS = 50


def iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def call_state(call: SimCall) -> dict[str, Any]:
    """Everything the dev phone shows about a call (JSON-ready; read under the lock)."""
    return {
        "sid": call.sid,
        "from": call.from_,
        "to": call.to,
        "direction": call.direction,
        "status": call.status,
        "activity": call.activity,
        "awaiting_input": call.gather is not None or call.record is not None,
        "parent_sid": call.parent_sid,
        "started_at": iso(call.started_at),
        "answered_at": iso(call.answered_at),
        "ended_at": iso(call.ended_at),
        "duration": call.duration,
        "transcript": [
            {
                "at": iso(entry.at),
                "offset": round((entry.at - call.started_at).total_seconds(), 1),
                "kind": entry.kind,
                "text": entry.text,
                "attrs": entry.attrs,
            }
            for entry in call.transcript
        ],
        "trace": [
            {
                "at": iso(exchange.at),
                "purpose": exchange.purpose,
                "method": exchange.method,
                "url": exchange.url,
                "params": exchange.params,
                "status": exchange.status,
                "body": exchange.body,
                "error": exchange.error,
            }
            for exchange in call.trace
        ],
        "application_errors": [
            {**error, "at": iso(error["at"])} for error in call.application_errors
        ],
    }


def conference_state(conference: SimConference) -> dict[str, Any]:
    """A live conference as Twilio mixes it: who is in, how, and whom each one hears."""
    return {
        "sid": conference.sid,
        "friendly_name": conference.friendly_name,
        "status": conference.status,
        "participants": [
            {
                "call_sid": p.call.sid,
                "to": p.call.to,
                "label": p.label,
                "status": p.status,
                "muted": p.muted,
                "hold": p.hold,
                "coaching": p.coaching,
                "call_sid_to_coach": p.call_sid_to_coach,
                "hears": [speaker.call.sid for speaker in conference.heard_by(p)],
            }
            for p in conference.participants.values()
        ],
    }


def message_state(message: SimMessage) -> dict[str, Any]:
    return {
        "sid": message.sid,
        "from": message.from_,
        "to": message.to,
        "body": message.body,
        "direction": message.direction,
        "status": message.status,
        "replies": [message_state(reply) for reply in message.replies],
        "errors": message.errors,
    }


def basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


class SimulatorRequestHandler(BaseHTTPRequestHandler):
    simulator: Simulator
    server_version = "TwilioSimulator/1.0"

    def do_GET(self) -> None:
        self.dispatch("GET")

    def do_POST(self) -> None:
        self.dispatch("POST")

    def do_DELETE(self) -> None:
        self.dispatch("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            # REST API v2010 and Voice Intelligence v2 (transcripts).
            if parts.path.startswith(("/2010-04-01/", "/v2/")):
                self.rest(method, parts.path, parts.query, raw)
            elif parts.path.startswith("/sim/"):
                self.control(method, parts.path, raw)
            else:
                self.send_json(404, {"error": "not found"})
        except Exception:
            logger.exception("Simulator request failed: %s %s", method, self.path)
            self.send_json(500, {"error": "simulator error"})

    def rest(self, method: str, path: str, query: str, raw: bytes) -> None:
        if method == "GET" and MEDIA.fullmatch(path):
            auth = basic_auth(self.headers.get("Authorization"))
            status, body, content_type = self.simulator.media_response(path, auth)
            self.send_body(status, body, content_type)
            return
        params = parse_qs(query, keep_blank_values=True)
        for name, values in parse_qs(raw.decode(), keep_blank_values=True).items():
            params.setdefault(name, []).extend(values)
        auth = basic_auth(self.headers.get("Authorization"))
        status, payload = self.simulator.handle_rest(method, path, params, auth)
        headers = {"Twilio-Request-Id": self.simulator.request_id()}
        if status == 204:
            self.send_body(204, b"", "application/json", headers)
        else:
            self.send_body(status, json.dumps(payload).encode(), "application/json", headers)

    def control(self, method: str, path: str, raw: bytes) -> None:
        sim = self.simulator
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            self.send_json(400, {"error": "JSON body expected"})
            return
        if path in ("/sim/calls", "/sim/sms") and method == "POST" and not body.get("to"):
            self.send_json(400, {"error": '"to" is required'})
        elif path == "/sim/calls" and method == "POST":
            call = sim.dial_in(
                from_=body.get("from", "+15555550100"),
                to=body["to"],
                script=CallerScript(interactive=True),
            )
            self.send_json(201, sim.locked(lambda: call_state(call)))
        elif path == "/sim/calls" and method == "GET":

            def recent() -> list[dict[str, Any]]:
                calls = sorted(sim.calls.values(), key=lambda c: c.started_at, reverse=True)
                return [call_state(c) for c in calls[:RECENT_CALLS]]

            self.send_json(200, {"calls": sim.locked(recent)})
        elif path == "/sim/conferences" and method == "GET":

            def live_conferences() -> list[dict[str, Any]]:
                return [
                    conference_state(c) for c in sim.conferences.values() if c.status != "completed"
                ]

            self.send_json(200, {"conferences": sim.locked(live_conferences)})
        elif path == "/sim/sms" and method == "POST":
            message = sim.receive_sms(
                from_=body.get("from", "+15555550100"), to=body["to"], body=body.get("body", "")
            )
            self.send_json(201, sim.locked(lambda: message_state(message)))
        elif match := CALL.fullmatch(path):
            self.call_action(method, match["sid"], match["action"], body)
        else:
            self.send_json(404, {"error": "not found"})

    def call_action(self, method: str, sid: str, action: str | None, body: dict[str, Any]) -> None:
        sim = self.simulator
        call = sim.calls.get(sid)
        if call is None:
            self.send_json(404, {"error": f"no call {sid}"})
            return
        if method == "POST" and action == "digits":
            sim.press(sid, str(body.get("digits", "")))
        elif method == "POST" and action == "speech":
            sim.speak(sid, str(body.get("text", "")), float(body.get("confidence", 0.9)))
        elif method == "POST" and action == "hangup":
            sim.hang_up(sid)
        elif method == "POST" and action in ("answer", "reject"):
            try:
                (sim.answer if action == "answer" else sim.reject)(sid)
            except ValueError as error:
                self.send_json(409, {"error": str(error)})
                return
        elif method != "GET" or action is not None:
            self.send_json(405, {"error": "method not allowed"})
            return
        self.send_json(200, sim.locked(lambda: call_state(call)))

    def send_json(self, status: int, payload: object) -> None:
        self.send_body(status, json.dumps(payload).encode(), "application/json")

    def send_body(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class SimulatorServer:
    """HTTP front of a live simulator: `start()` in the background or `serve_forever()`."""

    def __init__(self, simulator: Simulator, host: str = "127.0.0.1", port: int = 8010) -> None:
        self.simulator = simulator
        handler = type("BoundHandler", (SimulatorRequestHandler,), {"simulator": simulator})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        if isinstance(host, bytes):  # typeshed allows it; an AF_INET server has a str
            host = host.decode()
        return f"http://{host}:{port}"

    def start(self) -> None:
        self.simulator.start()
        self._thread = threading.Thread(
            target=self.httpd.serve_forever,
            kwargs={"poll_interval": 0.1},  # a prompt stop() in tests
            name="twilio-simulator-http",
            daemon=True,
        )
        self._thread.start()

    def serve_forever(self) -> None:
        self.simulator.start()
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.simulator.stop()
