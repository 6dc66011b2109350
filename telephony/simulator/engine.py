"""The event loop under the simulator: one heap of timed callbacks, one lock, signed webhooks.

Everything that happens on a call (a prompt ending, a party answering, a caller giving
up) is an event at a time. In virtual mode the clock jumps from event to event; in live
mode a background thread sleeps until the next one or until new work arrives. Events
run one at a time under the lock, so runs are deterministic.

The lock is released while a webhook is in flight: the app answers webhooks by calling
the REST API, which must get in (from the same thread in tests, another thread or
process live). REST handling only changes state and schedules events, never fetches.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from .clock import Clock
from .state import WebhookExchange
from .transport import Transport, TransportError

logger = logging.getLogger(__name__)

HTTP_RETRIEVAL_FAILURE = 11200
HTTP_CONNECTION_FAILURE = 11205
# A redirect loop or an empty waitUrl document can schedule without end at one instant.
MAX_EVENTS_PER_INSTANT = 5_000


class SimulatorStuck(RuntimeError):
    """The simulation did not settle: a loop at one instant, or busy past the time cap."""


class Timer:
    """A scheduled callback; a cancelled one neither runs nor keeps the engine busy."""

    __slots__ = ("callback", "cancelled")

    def __init__(self, callback: Callable[[], None]) -> None:
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Engine:
    """Virtual or real time, events, randomness and webhook delivery."""

    def __init__(
        self,
        *,
        clock: Clock,
        transport: Transport,
        auth_token: str,
        seed: int,
        sid_seed: str | None,
        webhook_timeout: float,
        max_run_seconds: float,
    ) -> None:
        self.clock = clock
        self.transport = transport
        self.webhook_timeout = webhook_timeout
        self.max_run_seconds = max_run_seconds
        self.rng = random.Random(seed)
        # Separate streams, so adding a call does not change parties' answers.
        self.chaos_rng = random.Random(f"chaos:{seed}")
        # SIDs follow the seed unless given their own: a service whose calls are stored
        # across restarts must not issue a stored SID again.
        self._sid_rng = random.Random(f"sids:{seed if sid_seed is None else sid_seed}")
        # Request ids on their own stream: answering more requests changes no call's SID.
        self._request_rng = random.Random(f"requests:{seed if sid_seed is None else sid_seed}")
        self._validator = RequestValidator(auth_token)
        self._heap: list[tuple[datetime, int, Timer]] = []
        self._seq = itertools.count()
        self.lock = threading.Lock()
        self._wakeup = threading.Condition(self.lock)

    def now(self) -> datetime:
        return self.clock.now()

    def sid(self, prefix: str) -> str:
        return f"{prefix}{self._sid_rng.getrandbits(128):032x}"

    def request_id(self) -> str:
        return f"RQ{self._request_rng.getrandbits(128):032x}"

    def at(self, delay: float, callback: Callable[[], None]) -> Timer:
        """Run `callback` `delay` seconds from now (call with the lock held)."""
        when = self.now() + timedelta(seconds=max(0.0, delay))
        timer = Timer(callback)
        heapq.heappush(self._heap, (when, next(self._seq), timer))
        self._wakeup.notify()
        return timer

    def _next(self) -> tuple[datetime, int, Timer] | None:
        """The earliest live event, dropping cancelled ones on the way."""
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0] if self._heap else None

    def run(self, seconds: float | None) -> None:
        """Process events for `seconds` of virtual time, or until idle (lock held)."""
        if not self.clock.virtual:
            raise RuntimeError("run() drives a VirtualClock; the live service uses start().")
        limit = self.now() + timedelta(seconds=self.max_run_seconds if seconds is None else seconds)
        last, same_instant = None, 0
        while (head := self._next()) is not None and head[0] <= limit:
            when, _, timer = heapq.heappop(self._heap)
            same_instant = same_instant + 1 if when == last else 0
            if same_instant > MAX_EVENTS_PER_INSTANT:
                raise SimulatorStuck(f"More than {MAX_EVENTS_PER_INSTANT} events at {when}.")
            last = when
            self.clock.advance_to(when)
            timer.callback()
        if seconds is None and self._next() is not None:
            raise SimulatorStuck(
                f"Still busy after {self.max_run_seconds:.0f} s of virtual time; "
                "pass seconds= to run a bounded slice (e.g. a caller waiting forever)."
            )
        if seconds is not None:
            self.clock.advance_to(limit)

    def serve(self, stop: threading.Event) -> None:
        """Process events in wall time until `stop` is set (the live service's thread)."""
        with self.lock:
            while not stop.is_set():
                now, head = self.now(), self._next()
                if head is not None and head[0] <= now:
                    heapq.heappop(self._heap)
                    try:
                        head[2].callback()
                    except Exception:
                        # One broken event must not stop the service for every call.
                        logger.exception("Simulator event failed")
                    continue
                wait = (head[0] - now).total_seconds() if head is not None else 0.5
                self._wakeup.wait(timeout=min(max(wait, 0.0), 0.5))

    def wake(self) -> None:
        with self.lock:
            self._wakeup.notify_all()

    def deliver(
        self, purpose: str, url: str, params: dict[str, str], method: str = "POST"
    ) -> WebhookExchange:
        """Send one signed webhook (lock held; released while the app works)."""
        if method == "GET":
            full_url = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
            body_params: dict[str, str] = {}
        else:
            full_url, body_params = url, params
        signature = self._validator.compute_signature(full_url, body_params)
        exchange = WebhookExchange(self.now(), purpose, url, method, dict(params), None, "")
        started = time.monotonic()
        self.lock.release()
        try:
            response = self.transport.send(method, full_url, body_params, signature)
        except TransportError as exc:
            exchange.error = f"{HTTP_CONNECTION_FAILURE}: {exc}"
            return exchange
        finally:
            self.lock.acquire()
        exchange.status = response.status
        exchange.body = response.body
        exchange.content_type = response.content_type
        if not self.clock.virtual and time.monotonic() - started > self.webhook_timeout:
            exchange.error = f"{HTTP_CONNECTION_FAILURE}: no answer within {self.webhook_timeout} s"
        elif not 200 <= response.status < 300:
            exchange.error = f"{HTTP_RETRIEVAL_FAILURE}: HTTP {response.status}"
        return exchange


def error_code(exchange: WebhookExchange) -> int:
    """Twilio's error code for a failed exchange (its ErrorCode parameter)."""
    if exchange.error is None:
        raise ValueError("The exchange did not fail.")
    return int(exchange.error.split(":", 1)[0])
