"""Twilio queues: `<Enqueue>` with its waitUrl loop, `<Leave>`, `<Dial><Queue>`, REST dequeue.

While a caller waits, the waitUrl document runs in a loop (re-requested each time it
ends, with QueuePosition, QueueTime...). The caller leaves the queue by `<Leave>`
(QueueResult=leave), hanging up (hangup), a REST redirect or member update
(redirected), a `<Dial><Queue>` bridge (bridged, reported when the bridge ends), a full
queue (queue-full) or a failing waitUrl (error). The Enqueue action is requested then;
without one, the verb after `<Enqueue>` runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from . import twiml
from .dialing import Bridge, Dialing, DialState
from .engine import Timer
from .state import Cursor, QueueMember, SimCall, SimQueue, whole_seconds

DEFAULT_MAX_SIZE = 1000
MAX_MAX_SIZE = 5000
# Twilio re-requests the waitUrl as soon as its document ends; an empty document would
# loop without end at one instant, so iterations are at least this far apart.
MIN_WAIT_LOOP_SECONDS = 1.0


@dataclass(eq=False)
class EnqueueState:
    queue: SimQueue
    cursor: Cursor
    action: str | None
    method: str
    wait_url: str | None
    wait_method: str
    enqueued_at: datetime | None = None
    left_at: datetime | None = None
    in_queue: bool = False
    last_wait: datetime | None = None
    patience: Timer | None = None


class Queueing(Dialing):
    if TYPE_CHECKING:
        # Defined by Voice, which combines this mixin with the others.
        def redirect(
            self,
            call: SimCall,
            *,
            url: str | None = None,
            method: str = "POST",
            twiml_text: str | None = None,
        ) -> None: ...

    def queue_named(self, name: str) -> SimQueue | None:
        return next((q for q in self.queues.values() if q.friendly_name == name), None)

    def create_queue(self, name: str, max_size: int = DEFAULT_MAX_SIZE) -> SimQueue:
        now = self.now()
        queue = SimQueue(self.engine.sid("QU"), name, min(max_size, MAX_MAX_SIZE), now, now)
        self.queues[queue.sid] = queue
        return queue

    def verb_enqueue(self, call: SimCall, cursor: Cursor, verb: Element) -> bool:
        name = twiml.text_of(verb)
        queue = self.queue_named(name) or self.create_queue(name)
        state = EnqueueState(
            queue=queue,
            cursor=cursor,
            action=twiml.resolve(cursor.url, verb.get("action")),
            method=twiml.method_attr(verb),
            wait_url=twiml.resolve(cursor.url, verb.get("waitUrl")),
            wait_method=twiml.method_attr(verb, "waitUrlMethod"),
        )
        call.enqueue = state
        limit = min(twiml.int_attr(verb, "maxQueueSize", queue.max_size), queue.max_size)
        if len(queue.members) >= limit:
            self.note(call, "enqueue", name, result="queue-full")
            self.enqueue_done(call, state, "queue-full")
            return True
        now = self.now()
        state.in_queue, state.enqueued_at = True, now
        queue.members.append(QueueMember(call, now))
        queue.updated_at = now
        self.note(call, "enqueue", name, position=len(queue.members), queue_sid=queue.sid)
        patience = getattr(call.party, "patience", None)
        if patience is not None:
            state.patience = self.party_timer(call, patience, lambda: self.abandon(call, state))
        if queue.waiting:
            # An agent's <Dial><Queue> was waiting for the queue to fill: this caller is it.
            dial = queue.waiting.pop(0)
            self.take_member(dial.call, dial, queue, queue.members[0])
        else:
            self.wait_loop(call, state)
        return True

    def abandon(self, call: SimCall, state: EnqueueState) -> None:
        if call.enqueue is state and state.in_queue:
            self.note(call, "abandon", state.queue.friendly_name)
            self.hang_up(call, "caller gave up waiting")

    def wait_loop(self, call: SimCall, state: EnqueueState) -> None:
        """One turn of the waitUrl loop (inside an event: it fetches)."""
        if call.enqueue is not state or not state.in_queue or state.enqueued_at is None:
            return
        queue, now = state.queue, self.now()
        self.note(call, "queue-wait", queue.friendly_name, position=queue.position(call))
        if not state.wait_url:
            return  # Twilio's default hold music, until something dequeues the caller
        state.last_wait = now
        params = {
            "QueuePosition": str(queue.position(call)),
            "QueueSid": queue.sid,
            "QueueTime": str(whole_seconds(state.enqueued_at, now)),
            "AvgQueueTime": str(queue.average_wait(now)),
            "CurrentQueueSize": str(len(queue.members)),
            "MaxQueueSize": str(queue.max_size),
        }
        self.goto(call, state.wait_url, state.wait_method, params, context="wait", purpose="wait")

    def wait_again(self, call: SimCall) -> None:
        state = call.enqueue
        if state is None or not state.in_queue:
            return
        elapsed = (self.now() - state.last_wait).total_seconds() if state.last_wait else 0.0
        self.flow(
            call,
            max(0.0, MIN_WAIT_LOOP_SECONDS - elapsed),
            lambda: self.wait_loop(call, state),
        )

    def verb_leave(self, call: SimCall, cursor: Cursor, verb: Element) -> bool:
        state = call.enqueue
        self.note(call, "leave")
        if cursor.context != "wait" or state is None or not state.in_queue:
            return False  # nothing to leave: Twilio moves on
        self.enqueue_done(call, state, "leave")
        return True

    def enqueue_done(
        self, call: SimCall, state: EnqueueState, result: str, *, ignore: bool = False
    ) -> None:
        """The caller is out of the queue: request the Enqueue action with QueueResult."""
        if call.enqueue is state:
            call.enqueue = None
        queue, now = state.queue, self.now()
        if state.patience is not None:
            state.patience.cancel()
        if state.in_queue:
            queue.members = [m for m in queue.members if m.call is not call]
            queue.updated_at = now
            state.in_queue, state.left_at = False, now
        params = {"QueueResult": result}
        if state.enqueued_at is not None:
            waited = whole_seconds(state.enqueued_at, state.left_at or now)
            call.queue_seconds = waited
            params.update(QueueSid=queue.sid, QueueTime=str(waited))
        self.note(call, "queue-result", result, queue=queue.friendly_name)
        self.proceed(
            call, state.action, state.method, params, state.cursor, purpose="enqueue", ignore=ignore
        )

    def dequeue_member(self, call: SimCall, url: str, method: str) -> None:
        """REST member update: the caller leaves the queue (redirected) for `url` at once."""
        self.redirect(call, url=url, method=method)

    # -- <Dial><Queue> ------------------------------------------------------------

    def dial_queue(self, call: SimCall, dial: DialState, noun: Element) -> None:
        queue = self.queue_named(twiml.text_of(noun))
        dial.queue_url = twiml.resolve(dial.cursor.url, noun.get("url"))
        dial.queue_method = twiml.method_attr(noun)
        if queue is None:
            # Twilio posts an error status to the Dial action for a queue that does not exist.
            params = {"DialCallStatus": "failed", "DialCallDuration": "0", "DialBridged": "false"}
            self.dial_done(call, dial, params)
        elif queue.members:
            self.take_member(call, dial, queue, queue.members[0])
        else:
            dial.waiting_on = queue
            queue.waiting.append(dial)
            dial.timer = self.engine.at(dial.timeout, lambda: self.dial_queue_timeout(dial, queue))

    def dial_queue_timeout(self, dial: DialState, queue: SimQueue) -> None:
        if dial in queue.waiting:
            queue.waiting.remove(dial)
            dial.waiting_on = None
            params = {
                "DialCallStatus": "no-answer",
                "DialCallDuration": "0",
                "DialBridged": "false",
            }
            self.dial_done(dial.call, dial, params)

    def take_member(
        self, agent: SimCall, dial: DialState, queue: SimQueue, member: QueueMember
    ) -> None:
        """The agent's leg takes `member` off the queue; announcement (Queue url), then bridge."""
        caller, state = member.call, member.call.enqueue
        now = self.now()
        queue.members.remove(member)
        queue.updated_at = now
        if state.patience is not None:
            state.patience.cancel()
        state.in_queue, state.left_at = False, now
        dial.waiting_on = None
        if dial.timer is not None:
            dial.timer.cancel()
        self.bump(caller)  # the wait document stops
        caller.gather = None
        bridge = Bridge("queue", agent, caller, dial)
        agent.bridge = caller.bridge = bridge
        self.note(caller, "dequeue", queue.friendly_name, by=agent.sid)
        self.note(agent, "dequeue", caller.sid, queue=queue.friendly_name)
        if dial.queue_url:
            params = {
                "QueueSid": queue.sid,
                "QueueTime": str(whole_seconds(state.enqueued_at or now, now)),
                "DequeingCallSid": agent.sid,
            }
            url, method = dial.queue_url, dial.queue_method
            self.flow(
                caller,
                0,
                lambda: self.goto(
                    caller, url, method, params, context="announce", purpose="dequeue"
                ),
            )
        else:
            self.connect(bridge)

    def connect(self, bridge: Bridge | None) -> None:
        """The announcement is over (or there was none): the two legs talk."""
        if bridge is None or bridge.connected_at is not None or bridge.a.bridge is not bridge:
            return
        self.bridge_connected(bridge)
        self.bump(bridge.b)
        self.note(bridge.a, "bridge", bridge.b.from_, sid=bridge.b.sid)
        self.note(bridge.b, "bridge", bridge.a.to, sid=bridge.a.sid)
        bridge.limit = self.engine.at(
            bridge.dial.time_limit, lambda: self.end_bridge(bridge, leaving=None)
        )
