"""TwiML builders: pure functions from what to do to Twilio's XML, through the SDK only."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from twilio.twiml.voice_response import VoiceResponse

APOLOGY = "We are sorry, something went wrong on our side."
VOICEMAIL_PROMPT = "Please leave a message after the tone, then hang up."
GOODBYE = "Thank you for calling. Goodbye."


def webhook_url(name: str, *args: object, **query: object) -> str:
    """The absolute URL Twilio is to call for one of our webhooks (telephony's by default)."""
    path = reverse(name if ":" in name else f"telephony:{name}", args=args)
    if query:
        path += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return settings.PUBLIC_BASE_URL + path


def say(response: VoiceResponse | object, text: str, *, language: str, voice: str = "") -> None:
    """Say `text` in the caller's language, with a chosen voice if any."""
    kwargs = {"language": language}
    if voice:
        kwargs["voice"] = voice
    response.say(text, **kwargs)


def voicemail(
    response: VoiceResponse, *, language: str, prompt: str, max_seconds: int, node_id: int | None
) -> VoiceResponse:
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
    say(response, GOODBYE, language=language)
    response.hangup()
    return response


def enqueue(response: VoiceResponse, *, queue_id: int, queue_name: str) -> VoiceResponse:
    response.enqueue(
        queue_name,
        wait_url=webhook_url("queue_wait", queue_id),
        wait_url_method="POST",
        action=webhook_url("queue_result", queue_id),
        method="POST",
    )
    return response


def last_resort() -> str:
    """What callers get when even the database is unreachable: an apology and voicemail.

    Twilio keeps the recording even if our action fails, so the message is not lost.
    """
    response = VoiceResponse()
    say(response, APOLOGY, language="en-US")
    return str(
        voicemail(
            response,
            language="en-US",
            prompt=VOICEMAIL_PROMPT,
            max_seconds=120,
            node_id=None,
        )
    )
