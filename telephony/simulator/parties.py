"""The people (and machines) on the far end of simulated calls.

A `CallerScript` drives an inbound caller: what they key or say at each `<Gather>`,
how long they wait in a queue, when they give up. A `CalledParty` describes how a
dialled number answers (outbound REST calls, `<Dial><Number>`, `<Dial><Client>`,
conference participants added over REST).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

ANSWERS = ("human", "machine", "busy", "no-answer", "failed", "person")


@dataclass(frozen=True)
class Speech:
    """What a caller says at a speech `<Gather>`; arrives as SpeechResult and Confidence."""

    text: str
    confidence: float = 0.9


CallerInput = str | Speech | None


@dataclass(frozen=True)
class Line:
    """Something a party says in a conversation: `at` seconds after they join it, for
    `seconds` (by default about a third of a second a word). A recording keeps the lines
    said while it was recording, so transcripts of simulated calls have real words."""

    at: float
    text: str
    seconds: float | None = None
    confidence: float = 0.95

    @property
    def length(self) -> float:
        return self.seconds if self.seconds is not None else 0.35 * len(self.text.split())


# What simulated agents and callers say unless a test scripts otherwise (demo traffic).
AGENT_LINES = (
    Line(1, "Thank you for calling, how can I help you today?"),
    Line(20, "Is there anything else I can help you with?"),
)
CALLER_LINES = (Line(3, "Hi, I have a question about my bill."),)


@dataclass(frozen=True)
class CallerScript:
    """An inbound caller's behaviour.

    - `inputs`: one entry per `<Gather>` met, in order: a digit string ("2", "100042#"),
      a `Speech`, or None (silence, so the Gather times out). Once used up, silence.
    - `patience`: seconds the caller waits in a queue before hanging up (None: forever).
    - `hang_up_after`: seconds after dialling when the caller hangs up, wherever they are.
    - `speak_seconds`: how long they talk at a `<Record>`; then they stay silent, so the
      recording ends on its silence `timeout` (or `maxLength`, whichever comes first).
    - `reaction_seconds`: delay between the end of a Gather's prompts and the input.
    - `interactive`: a person at the dev phone: Gathers wait for `Simulator.press` or
      `Simulator.speak`, Records run until a finishOnKey press, hangup or maxLength.
    - `lines`: what they say once in a conversation (`Line`s, timed from their joining).
    """

    inputs: list[CallerInput] = field(default_factory=list)
    patience: float | None = None
    hang_up_after: float | None = None
    speak_seconds: float = 5.0
    reaction_seconds: float = 1.0
    interactive: bool = False
    lines: tuple[Line, ...] = ()


@dataclass(frozen=True)
class CalledParty:
    """How a dialled endpoint answers.

    `answer` is one of human, machine, busy, no-answer, failed; `probabilities` (weights
    by the same names) replaces it with a seeded random pick per call. `person` is
    someone at a softphone (an agent's desk in simulator mode): it rings until
    `Simulator.answer` or `Simulator.reject`, or until the dialler gives up, and once
    answered it stays on the line until someone hangs up. An answering party
    rings `ring_seconds` first, stays `talk_seconds` after answering, then hangs up.
    A machine's greeting lasts `greeting_seconds` (answering-machine detection waits for
    its beep with DetectMessageEnd). `script` answers Gathers the far end meets (an
    outbound IVR); `patience` bounds a wait in a queue (an answered lead in a dialer queue).
    `lines` is what they say once in a conversation (an agent's greeting), as a caller's.
    """

    answer: str = "human"
    ring_seconds: float = 5.0
    talk_seconds: float = 60.0
    probabilities: dict[str, float] | None = None
    greeting_seconds: float = 10.0
    script: CallerScript | None = None
    patience: float | None = None
    lines: tuple[Line, ...] = ()

    def __post_init__(self) -> None:
        unknown = {self.answer, *(self.probabilities or {})} - set(ANSWERS)
        if unknown:
            raise ValueError(f"Unknown answer kinds {sorted(unknown)}; use {ANSWERS}.")

    def pick(self, rng: random.Random) -> str:
        """The answer for one call: fixed, or drawn from `probabilities` with `rng`."""
        if not self.probabilities:
            return self.answer
        kinds = sorted(self.probabilities)
        return rng.choices(kinds, weights=[self.probabilities[k] for k in kinds])[0]
