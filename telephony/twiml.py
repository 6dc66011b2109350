"""TwiML: every document we answer Twilio with is built here, the only user of twilio.twiml.

A document is built verb by verb: `document()` starts one, and each function below appends
one verb to it (or to a prompt inside it) and returns the document, so a caller can end a
chain with it. What the verbs say and where they point is the callers' business; how
Twilio wants them written is this module's.
"""

from __future__ import annotations

from typing import TypeAlias

from django.conf import settings
from django.urls import reverse
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Gather, VoiceResponse

APOLOGY = "We are sorry, something went wrong on our side."
VOICEMAIL_PROMPT = "Please leave a message after the tone, then hang up."
GOODBYE = "Thank you for calling. Goodbye."
# Callers and agents hear these when a webhook fails or a leg arrives too late.
KEEP_HOLDING = "Sorry, that did not work. Please keep holding."
TRANSFER_HOLD = "Please hold while we transfer your call."

# What the voice webhooks return, a prompt (a <Gather>) that more can be said inside, and
# what the messaging webhook returns. The SDK is untyped, so to mypy these name its classes
# without checking their methods: the functions below are the typed surface.
Document: TypeAlias = VoiceResponse
Prompt: TypeAlias = Gather
Reply: TypeAlias = MessagingResponse


def webhook_url(name: str, *args: object, **query: object) -> str:
    """The absolute URL Twilio is to call for one of our webhooks (telephony's by default)."""
    path = reverse(name if ":" in name else f"telephony:{name}", args=args)
    if query:
        path += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return settings.PUBLIC_BASE_URL + path


def document() -> Document:
    return VoiceResponse()


def render(twiml: Document | Reply) -> str:
    """The XML Twilio receives."""
    return str(twiml)


def say(parent: Document | Prompt, text: str, *, language: str, voice: str = "") -> None:
    """Say `text` in the caller's language, with a chosen voice if any."""
    kwargs: dict[str, str] = {"language": language}
    if voice:
        kwargs["voice"] = voice
    parent.say(text, **kwargs)


def play(parent: Document | Prompt, url: str) -> None:
    parent.play(url)


def pause(response: Document, seconds: int) -> Document:
    response.pause(length=seconds)
    return response


def redirect(response: Document, url: str) -> Document:
    """Continue with the TwiML at `url` (one more webhook round trip)."""
    response.redirect(url, method="POST")
    return response


def hang_up(response: Document, *, message: str = "", language: str = "en-US") -> Document:
    """End the call, after `message` if one is given."""
    if message:
        say(response, message, language=language)
    response.hangup()
    return response


def leave(response: Document) -> Document:
    """Take the caller out of the queue they wait in; the Enqueue action runs next."""
    response.leave()
    return response


def prompt(
    response: Document,
    *,
    action: str,
    timeout: int,
    keys: int | None = None,
    finish_on_key: str = "",
    speech_language: str = "",
    hints: str = "",
) -> Prompt:
    """Listen for keys (and words, given `speech_language`) while what goes inside plays;
    Twilio posts them to `action`. With no input, the document carries on after it."""
    kwargs: dict[str, object] = {}
    if speech_language:
        kwargs.update(input="dtmf speech", language=speech_language)
        if hints:
            kwargs["hints"] = hints
    else:
        kwargs["input"] = "dtmf"
    if keys is not None:
        kwargs["num_digits"] = keys
    if finish_on_key:
        kwargs["finish_on_key"] = finish_on_key
    return response.gather(timeout=timeout, action=action, method="POST", **kwargs)


def dial_number(
    response: Document, number: str, *, timeout: int = 30, action: str | None = None
) -> Document:
    """Connect the caller to an outside number; `action` hears how it went."""
    dial = response.dial(
        timeout=timeout, **({"action": action, "method": "POST"} if action else {})
    )
    dial.number(number)
    return response


def join_conference(
    response: Document,
    name: str,
    *,
    ends_on_exit: bool,
    action: str | None = None,
) -> Document:
    """Join the named conference, starting it if first; `ends_on_exit`: leaving ends it
    for everyone. `action` hears when this leg's part is over."""
    dial = response.dial(**({"action": action, "method": "POST"} if action else {}))
    dial.conference(
        name, start_conference_on_enter=True, end_conference_on_exit=ends_on_exit, beep=False
    )
    return response


def enqueue(response: Document, queue_name: str, *, wait_url: str, action: str) -> Document:
    """Wait in Twilio's queue: `wait_url` is played over and over, `action` runs on leaving."""
    response.enqueue(
        queue_name, wait_url=wait_url, wait_url_method="POST", action=action, method="POST"
    )
    return response


def voicemail(
    response: Document, *, language: str, prompt: str, max_seconds: int, node_id: int | None
) -> Document:
    """Record a message; the action turns it into a case, the callback completes it."""
    say(response, prompt, language=language)
    query = {"node": node_id} if node_id else {}
    response.record(
        action=webhook_url("voicemail", **query),
        method="POST",
        max_length=max_seconds,
        play_beep=True,
        finish_on_key="#",
        timeout=5,
        recording_status_callback=webhook_url("recording_status"),
        recording_status_callback_method="POST",
        recording_status_callback_event="completed",
    )
    # Reached only when nothing was recorded (Twilio skips the action then).
    return hang_up(response, message=GOODBYE, language=language)


def keep_holding() -> Document:
    """Inside a queue's wait document only a few verbs are allowed: apologize, keep waiting."""
    response = document()
    say(response, KEEP_HOLDING, language="en-US")
    return response


def last_resort() -> Document:
    """What callers get when even the database is unreachable: an apology and voicemail.

    Twilio keeps the recording even if our action fails, so the message is not lost.
    """
    response = document()
    say(response, APOLOGY, language="en-US")
    return voicemail(
        response, language="en-US", prompt=VOICEMAIL_PROMPT, max_seconds=120, node_id=None
    )


def message_reply(text: str = "") -> Reply:
    """The answer to an incoming SMS: `text` sent back, or nothing."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return response
