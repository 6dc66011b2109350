"""The recording status callback and the media's way into storage: idempotent callbacks
in any order, fetches that fail and retry, the sweep, and unusable media."""

from __future__ import annotations

import datetime as dt
import io
import wave
from unittest import mock

import pytest
from django.conf import settings
from django.utils import timezone

from qa import services, tasks
from qa.models import RecordingMedia, Transcript
from qa.signals import transcript_completed
from telephony.models import Call, Queue, QueueEntry, Recording, RecordingPolicy
from tests.telephony.conftest import new_call_sid

STATUS_PATH = "/telephony/voice/recording-status/"
RECORDING_SID = "RE" + "a" * 32
CONFERENCE_SID = "CF" + "b" * 32
MEDIA_URL = f"https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/{RECORDING_SID}"


def _wav(seconds: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\x10\x00" * 8000 * seconds)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def local_transcripts(settings):
    """The Twilio calls here are mocked one by one; transcripts are made from our copy,
    which lets Twilio's go as soon as ours is stored."""
    settings.TRANSCRIPT_BACKEND = "local"


@pytest.fixture
def entry(db):
    call = Call.objects.create(
        sid=new_call_sid(), direction="inbound", from_number="+14155550142", to_number="+1800"
    )
    queue = Queue.objects.create(
        name="Billing",
        recording_policy=RecordingPolicy.objects.create(name="All", retention_days=30),
    )
    return QueueEntry.objects.create(queue=queue, call=call, status="connected")


def _status(status: str, **extra: str) -> dict[str, str]:
    return {
        "AccountSid": settings.TWILIO_ACCOUNT_SID,
        "CallSid": new_call_sid(),  # the agent's leg, which asked for the recording
        "ConferenceSid": CONFERENCE_SID,
        "RecordingSid": RECORDING_SID,
        "RecordingUrl": MEDIA_URL,
        "RecordingStatus": status,
        "RecordingChannels": "1",
        "RecordingSource": "Conference",
        "RecordingStartTime": "Mon, 23 Nov 2026 15:00:05 +0000",
        **extra,
    }


def _post(twilio_post, entry, params):
    return twilio_post(f"{STATUS_PATH}?entry={entry.pk}", params)


def test_callbacks_in_any_order_and_twice_keep_one_completed_recording(
    twilio_post, entry, django_capture_on_commit_callbacks
):
    announced: list[int] = []

    def listen(*, transcript: Transcript, **_signal: object) -> None:
        announced.append(transcript.pk)

    transcript_completed.connect(listen, weak=False)
    try:
        _callbacks_in_any_order(twilio_post, entry, django_capture_on_commit_callbacks, announced)
    finally:
        transcript_completed.disconnect(listen)


def _callbacks_in_any_order(twilio_post, entry, django_capture_on_commit_callbacks, announced):
    fetch = mock.patch(
        "telephony.gateway.recording_media", return_value=(200, _wav(3), "audio/x-wav")
    )
    with (
        fetch as fetched,
        mock.patch("telephony.gateway.recording_delete") as deleted,
        django_capture_on_commit_callbacks(execute=True),
    ):
        completed = _post(twilio_post, entry, _status("completed", RecordingDuration="3"))
        again = _post(twilio_post, entry, _status("completed", RecordingDuration="3"))
        late = _post(twilio_post, entry, _status("in-progress"))

    assert [r.status_code for r in (completed, again, late)] == [204, 204, 204]
    recording = Recording.objects.get()
    assert (recording.status, recording.duration_seconds, recording.call) == (
        "completed",
        3,
        entry.call,
    )
    assert recording.entry == entry and recording.conference_sid == CONFERENCE_SID
    fetched.assert_called_once_with(url=f"{MEDIA_URL}.wav")
    deleted.assert_called_once_with(sid=RECORDING_SID)
    media = recording.media
    assert (media.state, media.size_bytes, media.content_type) == (
        "stored",
        len(_wav(3)),
        "audio/x-wav",
    )
    assert media.expires_at == recording.started_at + dt.timedelta(days=30)
    # One transcript, made once (a faint steady level holds no words), announced once.
    transcript = Transcript.objects.get()
    assert (transcript.recording, transcript.state, transcript.attempts) == (recording, "done", 1)
    assert announced == [transcript.pk]


def test_a_callback_about_no_call_we_know_is_answered_and_changes_nothing(twilio_post, db):
    response = twilio_post(STATUS_PATH, _status("completed", RecordingDuration="3"))
    assert response.status_code == 204
    assert not Recording.objects.exists()


def test_a_callback_not_signed_by_twilio_is_refused(twilio_post, entry):
    refused = twilio_post(
        f"{STATUS_PATH}?entry={entry.pk}", _status("completed"), signature="not-twilio"
    )
    assert refused.status_code == 403
    assert not Recording.objects.exists()


def test_media_not_ready_leaves_the_row_pending_until_a_retry_gets_it(twilio_post, entry):
    answers = [
        (404, b"", "application/json"),
        ConnectionError("Twilio unreachable"),
        (200, _wav(2), "audio/wav"),
    ]
    _post(twilio_post, entry, _status("completed", RecordingDuration="2"))
    media = RecordingMedia.objects.get()
    assert media.state == "pending"
    with (
        mock.patch("telephony.gateway.recording_media", side_effect=answers) as fetched,
        mock.patch("telephony.gateway.recording_delete"),
    ):
        # Each run as the task's retries make it: not there, unreachable, then there.
        with pytest.raises(services.MediaNotReady):
            services.media_fetch(media_id=media.pk)
        media.refresh_from_db()
        assert (media.state, media.attempts, media.reason) == (
            "pending",
            1,
            "Twilio answered 404 for the media.",
        )
        with pytest.raises(services.MediaNotReady):
            services.media_fetch(media_id=media.pk)
        services.media_fetch(media_id=media.pk)

    media.refresh_from_db()
    assert (media.state, media.attempts, media.reason) == ("stored", 3, "")
    assert fetched.call_count == 3
    # The task retries on exactly that, with a growing delay.
    assert tasks.recording_media_fetch.autoretry_for == (services.MediaNotReady,)


def test_the_sweep_takes_up_stragglers_and_lost_registrations(entry):
    lost = Recording.objects.create(
        sid=RECORDING_SID, call=entry.call, url=MEDIA_URL, status="completed", entry=entry
    )
    other = Recording.objects.create(
        sid="RE" + "c" * 32, call=entry.call, url=MEDIA_URL, status="completed"
    )
    stale = RecordingMedia.objects.create(
        recording=other, created_at=timezone.now() - dt.timedelta(hours=1)
    )
    with mock.patch("telephony.gateway.recording_media", return_value=(200, _wav(1), "audio/wav")):
        assert tasks.recording_media_sweep() == 2

    assert lost.media.state == "stored"
    stale.refresh_from_db()
    assert stale.state == "stored"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "The media is empty."),
        (b"RIFF\x00\x00garbage", "not a readable WAV file"),
        (_wav(0), "holds no audio"),
    ],
)
def test_unusable_media_is_marked_with_the_reason_and_not_retried(entry, body, reason):
    recording = Recording.objects.create(
        sid=RECORDING_SID, call=entry.call, url=MEDIA_URL, status="completed"
    )
    media, _ = services.media_register(recording=recording)
    with mock.patch("telephony.gateway.recording_media", return_value=(200, body, "audio/wav")):
        services.media_fetch(media_id=media.pk)
        services.media_fetch(media_id=media.pk)  # a second run leaves it be

    media.refresh_from_db()
    assert media.state == "failed" and reason in media.reason
    assert media.attempts == 1 and not media.file
