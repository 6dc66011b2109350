"""Parsing and checking the TwiML the app returns, and how long each prompt lasts.

Twilio rejects a document that is not XML or not a `<Response>` (error 12100) and one
that breaks its grammar (12200); either way the caller hears "an application error has
occurred" (or the fallback URL runs). We check the nesting rules we rely on, plus the
context rules the XML schema cannot express: which verbs a waitUrl document, or a
`<Dial><Queue url>` announcement, may hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin
from xml.etree import ElementTree as ET

# Verbs the simulator executes, and Twilio verbs it accepts but only notes as unsupported.
VOICE_VERBS = frozenset(
    {"Say", "Play", "Pause", "Gather", "Record", "Redirect", "Hangup", "Reject"}
    | {"Enqueue", "Leave", "Dial"}
)
UNSUPPORTED_VERBS = frozenset({"Connect", "Start", "Stop", "Pay", "Refer", "Sms", "Echo", "Prompt"})
SSML = frozenset(
    {"break", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say-as", "sub", "w"}
    | {"amazon:effect", "amazon:domain"}
)
CHILDREN: dict[str, frozenset[str]] = {
    "Say": SSML,
    "Gather": frozenset({"Say", "Play", "Pause"}),
    "Dial": frozenset({"Number", "Client", "Queue", "Conference", "Sip", "Sim", "Application"}),
    "Client": frozenset({"Identity", "Parameter"}),
    "Enqueue": frozenset({"Task"}),
}
CONTEXT_VERBS = {
    "main": VOICE_VERBS | UNSUPPORTED_VERBS,
    "wait": frozenset({"Play", "Say", "Pause", "Hangup", "Redirect", "Leave", "Gather"}),
    "announce": frozenset({"Play", "Say", "Pause", "Redirect"}),
}
MESSAGING_VERBS = frozenset({"Message", "Redirect"})

SAY_SECONDS_PER_WORD = 0.4
PLAY_SECONDS = 3.0
DTMF_TONE_SECONDS = 0.5

PARSE_FAILURE = 12100
SCHEMA_VIOLATION = 12200


class TwimlError(Exception):
    """The document would make Twilio raise an application error."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Document:
    url: str | None
    verbs: list[ET.Element]


def parse(body: str, *, url: str | None, context: str = "main") -> Document:
    """Parse a voice TwiML document, raising `TwimlError` where Twilio would fail."""
    root = _root(body)
    allowed = CONTEXT_VERBS[context]
    for verb in root:
        if verb.tag not in allowed:
            where = "" if context == "main" else f" in a {context} document"
            raise TwimlError(SCHEMA_VIOLATION, f"<{verb.tag}> is not allowed{where}.")
        if verb.tag in VOICE_VERBS:
            _check_children(verb)
    return Document(url, list(root))


def parse_messaging(body: str) -> list[ET.Element]:
    """Parse a Messaging TwiML answer (an empty body means no reply)."""
    if not body.strip():
        return []
    root = _root(body)
    for verb in root:
        if verb.tag not in MESSAGING_VERBS:
            raise TwimlError(SCHEMA_VIOLATION, f"<{verb.tag}> is not a messaging verb.")
    return list(root)


def _root(body: str) -> ET.Element:
    try:
        # ElementTree resolves no external entities and expat caps entity expansion; the
        # document is a webhook answer from the application the simulator stands in front of.
        root = ET.fromstring(body.strip())  # noqa: S314
    except ET.ParseError as exc:
        raise TwimlError(PARSE_FAILURE, f"Document parse failure: {exc}") from exc
    if root.tag != "Response":
        raise TwimlError(PARSE_FAILURE, f"Root element is <{root.tag}>, not <Response>.")
    return root


def _check_children(verb: ET.Element) -> None:
    allowed = CHILDREN.get(verb.tag, frozenset())
    for child in verb:
        if child.tag not in allowed:
            raise TwimlError(SCHEMA_VIOLATION, f"<{child.tag}> cannot be nested in <{verb.tag}>.")
        if verb.tag != "Say":
            _check_children(child)
    if verb.tag == "Dial":
        nouns = list(verb)
        if not nouns and not (verb.text or "").strip():
            raise TwimlError(SCHEMA_VIOLATION, "<Dial> has nothing to dial.")
        exclusive = [n for n in nouns if n.tag in ("Queue", "Conference")]
        if exclusive and len(nouns) > 1:
            raise TwimlError(
                SCHEMA_VIOLATION, f"<{exclusive[0].tag}> must be the only noun in <Dial>."
            )


def text_of(element: ET.Element) -> str:
    """All text in an element (SSML included), whitespace collapsed."""
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def resolve(base: str | None, reference: str | None) -> str | None:
    """An attribute URL made absolute against the document's URL, as Twilio does."""
    if not reference:
        return None
    return urljoin(base, reference) if base else reference


def int_attr(element: ET.Element, name: str, default: int) -> int:
    # Twilio logs a 12200 warning for a malformed number and uses the default.
    try:
        return int(element.get(name, default))
    except ValueError:
        return default


def bool_attr(element: ET.Element, name: str, default: bool) -> bool:
    value = element.get(name)
    return default if value is None else value.strip().lower() == "true"


def method_attr(element: ET.Element, name: str = "method") -> str:
    return "GET" if element.get(name, "POST").upper() == "GET" else "POST"


def prompt_seconds(element: ET.Element) -> float | None:
    """How long a Say, Play or Pause lasts; None when it loops forever (loop="0")."""
    if element.tag == "Pause":
        return float(int_attr(element, "length", 1))
    loop = int_attr(element, "loop", 1)
    if loop == 0:
        return None
    if element.tag == "Say":
        return len(text_of(element).split()) * SAY_SECONDS_PER_WORD * loop
    digits = element.get("digits")
    if digits and not text_of(element):
        return len(digits) * DTMF_TONE_SECONDS
    return PLAY_SECONDS * loop
