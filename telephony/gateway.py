"""The one place the app acts on calls and messages: Twilio's REST API, through its SDK.

Real Twilio, a Twilio-compatible provider (TWILIO_API_BASE_URL), or the built-in
simulator: only the client's base URL (or, in tests, its HTTP client) differs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from django.conf import settings
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

_client: Client | None = None


def client() -> Client:
    """The process's Twilio client, built from settings on first use."""
    global _client
    if _client is None:
        _client = build_client()
    return _client


def build_client(http_client: HttpClient | None = None) -> Client:
    """A client for the configured account; `http_client` replaces the network (tests)."""
    built = Client(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        http_client=http_client or TwilioHttpClient(timeout=10),
    )
    if settings.TWILIO_API_BASE_URL:
        built.api.base_url = settings.TWILIO_API_BASE_URL
        built.intelligence.base_url = settings.TWILIO_API_BASE_URL
    return built


@contextmanager
def using(replacement: Client) -> Iterator[Client]:
    """Route the gateway through `replacement` for a while (the in-process simulator)."""
    global _client
    previous, _client = _client, replacement
    try:
        yield replacement
    finally:
        _client = previous


def call_place(
    *,
    to: str,
    from_: str,
    url: str,
    status_callback: str,
    machine_detection: str | None = None,
    amd_callback: str | None = None,
    timeout: int = 30,
    record: bool = False,
) -> str:
    """Place an outbound call whose answer fetches `url`; returns its CallSid.

    With `amd_callback`, answering-machine detection runs alongside the call (async AMD)
    and its verdict goes to that URL, so a person is not kept in silence meanwhile.
    """
    kwargs: dict[str, str | bool] = {}
    if machine_detection:
        kwargs["machine_detection"] = machine_detection
    if amd_callback:
        kwargs.update(
            async_amd="true",
            async_amd_status_callback=amd_callback,
            async_amd_status_callback_method="POST",
        )
    if record:
        kwargs["record"] = True
    call = client().calls.create(
        to=to,
        from_=from_,
        url=url,
        method="POST",
        status_callback=status_callback,
        status_callback_method="POST",
        status_callback_event=["initiated", "ringing", "answered", "completed"],
        timeout=timeout,
        **kwargs,
    )
    return call.sid


def call_redirect(*, sid: str, url: str) -> None:
    """Make a live call fetch new TwiML from `url` now."""
    client().calls(sid).update(url=url, method="POST")


def call_hang_up(*, sid: str) -> None:
    client().calls(sid).update(status="completed")


def queue_member_dequeue(*, queue_sid: str, call_sid: str, url: str) -> None:
    """Take one particular caller out of a Twilio queue into the TwiML at `url`."""
    client().queues(queue_sid).members(call_sid).update(url=url, method="POST")


def sms_send(*, to: str, from_: str, body: str, status_callback: str | None = None) -> str:
    """Send a text message; returns its MessageSid."""
    kwargs = {"status_callback": status_callback} if status_callback else {}
    return client().messages.create(to=to, from_=from_, body=body, **kwargs).sid


def recording_fetch(*, sid: str) -> dict[str, Any]:
    """A recording's details (duration, status, media URI)."""
    recording = client().recordings(sid).fetch()
    return {
        "sid": recording.sid,
        "call_sid": recording.call_sid,
        "duration": recording.duration,
        "status": recording.status,
        "uri": recording.uri,
    }


def call_recording_start(*, call_sid: str, callback: str) -> str:
    """Record one live call leg in two channels (Calls/{sid}/Recordings, dual): the leg's
    own voice on the first, everything it hears on the second; returns the RecordingSid.
    It lasts as long as the call, whatever TwiML the call moves on to."""
    recording = (
        client()
        .calls(call_sid)
        .recordings.create(
            recording_channels="dual",
            recording_track="both",
            recording_status_callback=callback,
            recording_status_callback_method="POST",
            recording_status_callback_event=["in-progress", "completed", "absent"],
        )
    )
    return recording.sid


def call_recording_update(
    *, call_sid: str, recording_sid: str, status: str, pause_behavior: str = "skip"
) -> str:
    """Pause (the paused stretch skipped, not kept as silence), resume or stop a call's
    recording; returns the recording's status at Twilio."""
    kwargs = {"pause_behavior": pause_behavior} if status == "paused" else {}
    recording = client().calls(call_sid).recordings(recording_sid).update(status=status, **kwargs)
    return recording.status


def recording_media(*, url: str) -> tuple[int, bytes, str]:
    """The audio at a recording's media URL: (HTTP status, body, content type).

    Media is not part of the JSON API the SDK speaks, so it is fetched over HTTP with the
    account's credentials. The in-process simulator (tests) serves it without a socket.
    """
    auth = (settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)
    serve = getattr(client().http_client, "fetch_media", None)
    if serve is not None:
        return serve(url, auth)
    response = requests.get(url, auth=auth, timeout=30)
    return response.status_code, response.content, response.headers.get("Content-Type", "")


def recording_delete(*, sid: str) -> None:
    """Delete Twilio's copy of a recording (ours is stored)."""
    client().recordings(sid).delete()


def transcript_request(
    *, service_sid: str, recording_sid: str, channel_roles: dict[int, str]
) -> str:
    """Ask Voice Intelligence to transcribe a recording (Twilio's copy, so it must not be
    deleted before the transcript is done); returns the transcript's SID (GT...).
    `channel_roles` names each media channel's party (1: "customer", 2: "agent")."""
    transcript = client().intelligence.v2.transcripts.create(
        service_sid=service_sid,
        channel={
            "media_properties": {"source_sid": recording_sid},
            "participants": [
                {"channel_participant": channel, "role": role}
                for channel, role in sorted(channel_roles.items())
            ],
        },
    )
    return transcript.sid


def transcript_status(*, sid: str) -> str:
    """A Voice Intelligence transcript's status: queued, in-progress, completed, failed..."""
    return str(client().intelligence.v2.transcripts(sid).fetch().status)


def transcript_sentences(*, sid: str) -> list[dict[str, Any]]:
    """A completed transcript's sentences in order: media channel, start and end (seconds
    into the recording), text, confidence."""
    return [
        {
            "channel": sentence.media_channel,
            "start": float(sentence.start_time or 0),
            "end": float(sentence.end_time or 0),
            "text": sentence.transcript or "",
            "confidence": float(sentence.confidence) if sentence.confidence else None,
        }
        for sentence in client().intelligence.v2.transcripts(sid).sentences.list()
    ]


def _conference_sid(name: str) -> str:
    conferences = client().conferences.list(friendly_name=name, status="in-progress", limit=1)
    if not conferences:
        raise LookupError(f"No conference {name} in progress.")
    return conferences[0].sid


def participant_update(
    *,
    conference: str,
    call_sid: str,
    hold: bool | None = None,
    muted: bool | None = None,
    end_conference_on_exit: bool | None = None,
    coaching: bool | None = None,
    call_sid_to_coach: str | None = None,
    announce_url: str | None = None,
) -> None:
    """Hold or mute one leg of the named conference, change whether it ends it, make it
    coach another leg (`coaching` with `call_sid_to_coach`: only that leg hears it), or
    play it the TwiML at `announce_url` (only that leg hears it)."""
    changes = {
        name: value
        for name, value in (
            ("hold", hold),
            ("muted", muted),
            ("end_conference_on_exit", end_conference_on_exit),
            ("coaching", coaching),
            ("call_sid_to_coach", call_sid_to_coach),
            ("announce_url", announce_url),
        )
        if value is not None
    }
    if announce_url is not None:
        changes["announce_method"] = "POST"
    client().conferences(_conference_sid(conference)).participants(call_sid).update(**changes)


def participant_add(
    *,
    conference: str,
    to: str,
    from_: str,
    status_callback: str,
    muted: bool = False,
    call_sid_to_coach: str | None = None,
    label: str | None = None,
) -> str:
    """Dial `to` into the named conference; returns the new leg's CallSid. A consultation,
    or a supervisor monitoring: `muted` to listen, `call_sid_to_coach` to whisper to one leg.

    The added party does not end the conference by leaving (until it is handed over).
    """
    options: dict[str, str | bool] = {}
    if muted:
        options["muted"] = True
    if call_sid_to_coach:
        options.update(coaching=True, call_sid_to_coach=call_sid_to_coach)
    if label:
        options["label"] = label
    participant = (
        client()
        .conferences(_conference_sid(conference))
        .participants.create(
            from_=from_,
            to=to,
            end_conference_on_exit=False,
            status_callback=status_callback,
            status_callback_method="POST",
            status_callback_event=["answered", "completed"],
            **options,
        )
    )
    return participant.call_sid
