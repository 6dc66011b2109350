"""What the simulator knows: calls, queues, conferences, recordings, messages.

These records are what tests assert on (`call.transcript`, `call.application_errors`,
`queue.members`...) and what the REST layer serialises in Twilio's JSON shapes. Fields
after the `# runtime` markers are the engine's working state, not part of the contract.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Any
from xml.etree.ElementTree import Element

from .parties import CalledParty, CallerScript

API_VERSION = "2010-04-01"
ENDED = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


def rfc2822(when: datetime | None) -> str | None:
    """Twilio's date format in JSON and callbacks: 'Tue, 31 Aug 2010 20:36:28 +0000'."""
    return format_datetime(when) if when else None


def whole_seconds(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))


@dataclass(frozen=True)
class NumberConfig:
    """One of our phone numbers, as configured in Twilio's console."""

    voice_url: str | None = None
    voice_fallback_url: str | None = None
    status_callback: str | None = None
    sms_url: str | None = None
    voice_method: str = "POST"
    voice_fallback_method: str = "POST"
    status_callback_method: str = "POST"
    sms_method: str = "POST"


@dataclass(frozen=True)
class CallbackChaos:
    """Make status callbacks arrive twice or late (out of order), as Twilio may.

    Each callback is duplicated with `duplicate_rate` and held back by up to
    `max_delay_seconds` with `delay_rate`, drawn from the simulator's seeded RNG.
    """

    duplicate_rate: float = 0.0
    delay_rate: float = 0.0
    max_delay_seconds: float = 30.0


@dataclass
class TranscriptEntry:
    """Something the caller heard or did, at virtual (or wall) time `at`."""

    at: datetime
    kind: str
    text: str = ""
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class WebhookExchange:
    """One request the simulator made to the app, and what came back."""

    at: datetime
    purpose: str
    url: str
    method: str
    params: dict[str, str]
    status: int | None
    body: str
    content_type: str = ""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


@dataclass
class StatusCallbackRecord:
    """A status callback as fired (params frozen at firing time), for replay."""

    event: str
    url: str
    method: str
    params: dict[str, str]


@dataclass
class CallbackSpec:
    """Where a resource reports its progress, and which events it asked for."""

    url: str
    events: frozenset[str]
    method: str = "POST"


@dataclass
class Cursor:
    """A TwiML document being executed: `context` is main, wait (waitUrl) or announce."""

    url: str | None
    verbs: list[Element]
    context: str = "main"
    index: int = 0


@dataclass(eq=False)
class SimCall:
    """One call leg, as Twilio's Call resource sees it, plus what happened on it."""

    sid: str
    account_sid: str
    direction: str
    from_: str
    to: str
    status: str
    started_at: datetime
    parent_sid: str | None = None
    # Twilio's start_time: when the call rang in or was dialled out (None while queued).
    dialed_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    answered_by: str | None = None
    transcript: list[TranscriptEntry] = field(default_factory=list)
    trace: list[WebhookExchange] = field(default_factory=list)
    application_errors: list[dict[str, Any]] = field(default_factory=list)
    callback_errors: list[dict[str, Any]] = field(default_factory=list)
    status_callbacks: list[StatusCallbackRecord] = field(default_factory=list)
    # runtime
    party: CallerScript | CalledParty | None = field(default=None, repr=False)
    epoch: int = field(default=0, repr=False)
    cursor: Cursor | None = field(default=None, repr=False)
    gather: Any = field(default=None, repr=False)
    record: Any = field(default=None, repr=False)
    enqueue: Any = field(default=None, repr=False)
    dial: Any = field(default=None, repr=False)
    bridge: Any = field(default=None, repr=False)
    participant: Any = field(default=None, repr=False)
    dial_leg_of: Any = field(default=None, repr=False)
    outbound: Any = field(default=None, repr=False)
    status_callback: CallbackSpec | None = field(default=None, repr=False)
    fallback: tuple[str, str] | None = field(default=None, repr=False)
    inputs_used: int = field(default=0, repr=False)
    sequence: int = field(default=0, repr=False)
    queue_seconds: int = field(default=0, repr=False)
    flow_timers: set[Any] = field(default_factory=set, repr=False)
    party_timers: list[Any] = field(default_factory=list, repr=False)
    # A leg ringing at a `person`: what answering it does (Simulator.answer).
    pick_up: Callable[[], None] | None = field(default=None, repr=False)
    # DELETE Calls/{sid}: gone from the REST API, kept here for the tests' inspection.
    deleted: bool = field(default=False, repr=False)
    live_recordings: list[Any] = field(default_factory=list, repr=False)

    @property
    def ended(self) -> bool:
        return self.status in ENDED

    @property
    def duration(self) -> int | None:
        """Billable seconds from answer to hang-up (0 if never answered); None while live."""
        if self.ended_at is None:
            return None
        return whole_seconds(self.answered_at, self.ended_at) if self.answered_at else 0

    @property
    def said(self) -> str:
        return "\n".join(e.text for e in self.transcript if e.kind == "say")

    @property
    def activity(self) -> str:
        """What the call is doing now, for the dev phone and debugging."""
        if self.ended:
            return "ended"
        for name in ("gather", "record", "bridge", "participant", "enqueue", "dial"):
            if getattr(self, name) is not None:
                return {"participant": "conference", "enqueue": "queue"}.get(name, name)
        return "twiml" if self.status == "in-progress" else self.status

    def kinds(self) -> list[str]:
        """Transcript entry kinds in order: handy in assertions."""
        return [e.kind for e in self.transcript]


@dataclass(eq=False)
class QueueMember:
    call: SimCall
    enqueued_at: datetime


@dataclass(eq=False)
class SimQueue:
    sid: str
    friendly_name: str
    max_size: int
    created_at: datetime
    updated_at: datetime
    members: list[QueueMember] = field(default_factory=list)
    # runtime: agents' <Dial><Queue> waiting for this queue to fill, oldest first
    waiting: list[Any] = field(default_factory=list, repr=False)

    def position(self, call: SimCall) -> int | None:
        for index, member in enumerate(self.members, start=1):
            if member.call is call:
                return index
        return None

    def average_wait(self, now: datetime) -> int:
        if not self.members:
            return 0
        waits = [whole_seconds(m.enqueued_at, now) for m in self.members]
        return sum(waits) // len(waits)


@dataclass
class RecordedSpan:
    """A stretch of a recording: the parties' audio, or silence put in while paused."""

    start: datetime
    end: datetime | None = None
    silent: bool = False

    def seconds(self, now: datetime) -> float:
        return max(0.0, ((self.end or now) - self.start).total_seconds())


@dataclass(eq=False)
class SimRecording:
    """A recording, live (in-progress or paused) or finished, as Twilio's Recording resource.

    `spans` is what the media holds: pausing with `skip` leaves a gap out of it, pausing
    with `silence` adds a silent span. `voices` are the parties heard, one channel each
    when `channels` is 2.
    """

    sid: str
    call_sid: str | None
    url: str
    source: str
    started_at: datetime
    created_at: datetime
    status: str = "completed"
    duration: int | None = None
    channels: int = 1
    track: str = "both"
    conference_sid: str | None = None
    updated_at: datetime | None = None
    deleted: bool = False
    spans: list[RecordedSpan] = field(default_factory=list)
    voices: tuple[str, ...] = ()
    # When each voice joined the conversation (their lines are timed from then), and, for
    # a voice heard only from some moment (a leg joining a conference), from when.
    joined: dict[str, datetime] = field(default_factory=dict)
    heard_from: dict[str, datetime] = field(default_factory=dict)
    # runtime
    callback: CallbackSpec | None = field(default=None, repr=False)
    pause_behavior: str | None = field(default=None, repr=False)

    @property
    def live(self) -> bool:
        return self.status in ("in-progress", "paused")

    def recorded_seconds(self, now: datetime) -> float:
        return sum(span.seconds(now) for span in self.spans)

    def media_offset(self, when: datetime) -> float | None:
        """Where a moment falls in the media, in seconds; None if it was not recorded
        (before the start, in a stretch paused with `skip`, in silence, after the end)."""
        offset = 0.0
        for span in self.spans:
            end = span.end or when
            if span.start <= when < end or (span.end is None and span.start <= when):
                return None if span.silent else offset + (when - span.start).total_seconds()
            offset += span.seconds(when)
        return None


@dataclass(eq=False)
class SimParticipant:
    call: SimCall
    conference: SimConference
    created_at: datetime
    updated_at: datetime
    label: str | None = None
    muted: bool = False
    hold: bool = False
    coaching: bool = False
    call_sid_to_coach: str | None = None
    start_conference_on_enter: bool = True
    end_conference_on_exit: bool = False
    status: str = "queued"
    hold_url: str | None = None
    # runtime
    joined_at: datetime | None = field(default=None, repr=False)
    dial: Any = field(default=None, repr=False)


@dataclass(eq=False)
class SimConference:
    sid: str
    friendly_name: str
    created_at: datetime
    updated_at: datetime
    status: str = "init"
    participants: dict[str, SimParticipant] = field(default_factory=dict)
    pending: dict[str, SimParticipant] = field(default_factory=dict)
    reason_ended: str | None = None
    call_sid_ending: str | None = None
    status_callback: CallbackSpec | None = None
    trace: list[WebhookExchange] = field(default_factory=list)
    sequence: int = 0
    # record="record-from-start" (TwiML) or ConferenceRecord (REST): who asked, where to report
    record_requested_by: str | None = None
    recording_callback: CallbackSpec | None = None
    recording: SimRecording | None = None

    def heard_by(self, listener: SimParticipant) -> list[SimParticipant]:
        """Whom `listener` hears, as Twilio mixes a conference.

        A held participant hears the hold music and nobody hears them; a muted one is
        heard by nobody; a coach is heard only by the participant they coach (the call
        SID in `call_sid_to_coach`), and hears everyone.
        """
        if listener.hold or listener.status != "connected":
            return []
        return [
            speaker
            for speaker in self.participants.values()
            if speaker is not listener
            and speaker.status == "connected"
            and not speaker.muted
            and not speaker.hold
            and (not speaker.coaching or speaker.call_sid_to_coach == listener.call.sid)
        ]

    def heard_by_everyone(self) -> list[SimParticipant]:
        """The voices a conference recording holds: whispers and muted lines are not in it."""
        return [
            p
            for p in self.participants.values()
            if p.status == "connected" and not p.muted and not p.hold and not p.coaching
        ]


@dataclass(eq=False)
class SimMessage:
    sid: str
    account_sid: str
    direction: str
    from_: str
    to: str
    body: str
    status: str
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None = None
    status_callback: str | None = None
    media_urls: list[str] = field(default_factory=list)
    replies: list[SimMessage] = field(default_factory=list)
    trace: list[WebhookExchange] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
