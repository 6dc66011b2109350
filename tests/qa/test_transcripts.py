"""Transcripts: every stored recording gets one, through the simulator's Voice
Intelligence (the parties' scripted lines) or the local recognizer (real audio); failures
keep the reason and are retried; Twilio's copy goes once it is no longer needed."""

from __future__ import annotations

import datetime as dt
import io
import wave
from pathlib import Path
from unittest import mock

import pytest
import time_machine
from django.core.files.base import ContentFile

from qa import services, tasks, transcription
from qa.models import AutoQaScore, QaRule, RecordingMedia, Transcript
from qa.signals import transcript_completed
from telephony.acd import controls
from telephony.models import Call, Recording, RecordingPolicy
from telephony.simulator import CalledParty, CallerScript, Line
from tests.qa.test_recording_end_to_end import (
    CALLER,
    MONDAY_10AM,
    _agent,
    _customer,
)
from tests.telephony.conftest import OUR_NUMBER

GREETING = Path(__file__).parent / "fixtures" / "greeting.wav"  # espeak-ng, 16 kHz mono

AGENT_LINES = (
    # The agent joins first; the caller, told of the recording meanwhile, four seconds later.
    Line(5, "Thank you for calling, this is Alex."),
    Line(25, "Please read me the card number."),
    Line(38, "Thanks, you are all set."),
)
CALLER_LINES = (
    Line(3, "Hi, I want to cancel my order."),
    Line(30, "It is four one one one."),  # said while the recording is paused
)


@pytest.fixture
def completed():
    received = []

    def receiver(*, transcript, **_):
        received.append(transcript.pk)

    transcript_completed.connect(receiver)
    yield received
    transcript_completed.disconnect(receiver)


def _scripted_conversation(
    simulator, *, pause: tuple[float, float] | None = None, agent_lines: tuple = AGENT_LINES
) -> Call:
    """The agent greets, the caller asks to cancel; the agent may pause the recording
    from `pause[0]` to `pause[1]` seconds into the run."""
    _customer()
    agent = _agent(simulator)
    simulator.register_client(
        "alex",
        CalledParty(answer="human", ring_seconds=2, talk_seconds=60, lines=agent_lines),
    )
    script = CallerScript(inputs=["1"], lines=CALLER_LINES)
    with time_machine.travel(MONDAY_10AM, tick=False) as traveller:
        sim_call = simulator.dial_in(from_=CALLER, to=OUR_NUMBER, script=script)
        if pause is not None:
            simulator.run(pause[0])
            traveller.shift(dt.timedelta(seconds=pause[0]))
            controls.call_recording_pause(agent=agent, on=True)
            simulator.run(pause[1] - pause[0])
            traveller.shift(dt.timedelta(seconds=pause[1] - pause[0]))
            controls.call_recording_pause(agent=agent, on=False)
        simulator.run(300)
    assert sim_call.application_errors == []
    return Call.objects.get(sid=sim_call.sid)


@pytest.mark.django_db(transaction=True)
def test_a_recorded_call_is_fetched_and_transcribed_with_both_speakers(
    simulator, recorded_line, completed
):
    call = _scripted_conversation(simulator)
    recording = Recording.objects.get(call=call)
    transcript = Transcript.objects.get(recording=recording)
    assert (transcript.state, transcript.backend, transcript.reason) == ("done", "simulator", "")
    assert transcript.job.startswith("GT")
    said = [(u.speaker, u.text) for u in transcript.utterances.all()]
    assert said == [
        ("agent", "Thank you for calling, this is Alex."),
        ("caller", "Hi, I want to cancel my order."),
        ("agent", "Please read me the card number."),
        ("caller", "It is four one one one."),
        ("agent", "Thanks, you are all set."),
    ]
    first, second = transcript.utterances.all()[:2]
    # The caller's leg is recorded from their joining (after the announcement): the
    # agent's greeting a second in, the caller's words three seconds in.
    assert first.start_ms == 1000 and first.end_ms > first.start_ms
    assert second.start_ms == 3000  # on its own channel, so it may overlap the agent's
    assert all(u.end_ms <= recording.duration_seconds * 1000 for u in transcript.utterances.all())
    assert completed == [transcript.pk]
    # Twilio's copy was kept for Voice Intelligence, and deleted once the transcript was done.
    media = recording.media
    assert media.deleted_at_twilio is not None and media.deleted_at_twilio >= media.fetched_at
    assert simulator.recordings[recording.sid].deleted


@pytest.mark.django_db(transaction=True)
def test_a_forbidden_phrase_said_on_a_recorded_call_is_flagged_by_automated_qa(
    simulator, recorded_line
):
    QaRule.objects.create(
        name="no-guarantee",
        kind=QaRule.Kind.FORBIDDEN,
        phrases="guarantee|promise",
        auto_fail=True,
        flag=QaRule.Flag.COMPLIANCE,
    )
    QaRule.objects.create(
        name="greeting", kind=QaRule.Kind.EARLY, phrases="thank you for calling", seconds=10
    )
    lines = (AGENT_LINES[0], Line(20, "I guarantee the refund is there by Friday."))
    call = _scripted_conversation(simulator, agent_lines=lines)
    transcript = Transcript.objects.get(recording__call=call)
    assert transcript.state == Transcript.State.DONE
    score = AutoQaScore.objects.get(transcript=transcript, is_current=True)
    assert (score.score, score.auto_failed, score.flags) == (0, True, ["compliance_miss"])
    outcomes = {result.rule.name: result for result in score.results.all()}
    assert outcomes["greeting"].outcome == "hit"
    missed = outcomes["no-guarantee"]
    assert missed.outcome == "missed"
    assert missed.utterance.text == "I guarantee the refund is there by Friday."
    assert missed.at_ms == missed.utterance.start_ms


@pytest.mark.django_db(transaction=True)
def test_words_said_while_the_recording_was_paused_are_not_in_the_transcript(
    simulator, recorded_line
):
    call = _scripted_conversation(simulator, pause=(40, 50))
    transcript = Recording.objects.get(call=call).transcript
    texts = [u.text for u in transcript.utterances.all()]
    assert "It is four one one one." not in texts
    assert "Please read me the card number." in texts


def _wav(frames: bytes, *, channels: int = 1, rate: int = 16000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(channels)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(frames)
    return buffer.getvalue()


def _stored(call_factory_recording: Recording, audio: bytes) -> RecordingMedia:
    media = RecordingMedia.objects.create(recording=call_factory_recording)
    media.file.save(f"{call_factory_recording.sid}.wav", ContentFile(audio), save=False)
    media.state, media.size_bytes = RecordingMedia.State.STORED, len(audio)
    media.save()
    return media


@pytest.fixture
def voicemail(db):
    call = Call.objects.create(
        sid="CA" + "c" * 32, direction="inbound", from_number=CALLER, to_number=OUR_NUMBER
    )
    return Recording.objects.create(
        sid="RE" + "c" * 32,
        call=call,
        url="https://api.twilio.com/x",
        status="completed",
        source="RecordVerb",
        duration_seconds=4,
    )


def test_the_local_recognizer_finds_the_greeting_in_real_speech(voicemail):
    _job, said = transcription.LocalRecognizer().transcribe(
        recording=voicemail, audio=GREETING.read_bytes(), job=""
    )
    text = " ".join(u.text for u in said)
    assert "thank you for calling" in text
    assert {u.speaker for u in said} == {"caller"}  # a voicemail is the caller's
    assert said[0].start_ms < 1000 and said[-1].end_ms <= 4400


def test_the_local_recognizer_tells_the_channels_of_a_dual_recording_apart(voicemail):
    with wave.open(str(GREETING)) as greeting:
        mono = greeting.readframes(greeting.getnframes())
    silence = b"\x00\x00"
    stereo = b"".join(mono[i : i + 2] + silence for i in range(0, len(mono), 2))
    voicemail.channels, voicemail.source = 2, "StartCallRecordingAPI"
    _job, said = transcription.LocalRecognizer().transcribe(
        recording=voicemail, audio=_wav(stereo, channels=2), job=""
    )
    assert "thank you for calling" in " ".join(u.text for u in said if u.speaker == "caller")
    assert not [u for u in said if u.speaker == "agent"]


def test_the_local_recognizers_speed_is_audio_seconds_per_cpu_second():
    speed = transcription.recognizer_speed(GREETING.read_bytes())
    # Not a timing target (bench/ prints it): a positive, finite figure.
    assert 0 < speed < 10_000


def test_a_local_transcript_is_written_whole_and_announced(voicemail, settings, completed):
    settings.TRANSCRIPT_BACKEND = "local"
    media = _stored(voicemail, GREETING.read_bytes())
    transcript = services.transcript_register(recording=voicemail)
    with mock.patch("telephony.gateway.recording_delete"):
        tasks.recording_transcribe(transcript.pk)
    transcript.refresh_from_db()
    assert (transcript.state, transcript.backend, transcript.attempts) == ("done", "local", 1)
    assert "thank you for calling" in " ".join(transcript.utterances.values_list("text", flat=True))
    assert media.pk


@pytest.mark.parametrize(
    ("audio", "reason"),
    [
        (b"RIFF....WAVEjunk", "not a readable WAV file"),
        (_wav(b"\x00" * 4000, rate=44100), "the local recognizer reads 16-bit PCM"),
    ],
)
def test_corrupt_media_leaves_the_transcript_failed_with_the_reason(
    voicemail, settings, audio, reason
):
    settings.TRANSCRIPT_BACKEND = "local"
    _stored(voicemail, audio)
    transcript = services.transcript_register(recording=voicemail)
    services.transcript_make(transcript_id=transcript.pk)
    transcript.refresh_from_db()
    assert transcript.state == "failed"
    assert reason in transcript.reason
    assert not transcript.utterances.exists()


def test_an_empty_recording_leaves_its_transcript_failed_with_the_reason(voicemail):
    media = RecordingMedia.objects.create(recording=voicemail)
    with mock.patch("telephony.gateway.recording_media", return_value=(200, b"", "audio/wav")):
        services.media_fetch(media_id=media.pk)
    transcript = Transcript.objects.get(recording=voicemail)
    assert (transcript.state, transcript.reason) == (
        "failed",
        "No usable media: The media is empty.",
    )
    # Never retried: there is nothing to transcribe.
    assert transcript.pk not in services.transcript_stragglers(
        now=dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    )


def test_a_failed_backend_keeps_the_reason_and_the_sweep_retries_it_later(voicemail, settings):
    settings.TRANSCRIPT_BACKEND = "local"
    _stored(voicemail, GREETING.read_bytes())
    transcript = services.transcript_register(recording=voicemail)
    broken = mock.patch.object(
        transcription.LocalRecognizer,
        "transcribe",
        side_effect=transcription.TranscriptionFailed("Recognizer crashed."),
    )
    with broken:
        services.transcript_make(transcript_id=transcript.pk)
    transcript.refresh_from_db()
    assert (transcript.state, transcript.reason, transcript.attempts) == (
        "failed",
        "Recognizer crashed.",
        1,
    )
    soon = transcript.attempted_at + dt.timedelta(minutes=5)
    later = transcript.attempted_at + services.TRANSCRIPT_RETRY_AFTER + dt.timedelta(seconds=1)
    assert transcript.pk not in services.transcript_stragglers(now=soon)
    assert transcript.pk in services.transcript_stragglers(now=later)
    with time_machine.travel(later, tick=False), mock.patch("telephony.gateway.recording_delete"):
        tasks.transcript_sweep()
    transcript.refresh_from_db()
    assert (transcript.state, transcript.reason, transcript.attempts) == ("done", "", 2)


def test_twilio_still_working_is_asked_again_with_the_same_job(voicemail, settings):
    settings.TRANSCRIPT_BACKEND = "twilio"
    settings.TWILIO_INTELLIGENCE_SERVICE_SID = "GA" + "1" * 32
    _stored(voicemail, GREETING.read_bytes())
    transcript = services.transcript_register(recording=voicemail)
    job = "GT" + "2" * 32
    with (
        mock.patch("telephony.gateway.transcript_request", return_value=job) as requested,
        mock.patch("telephony.gateway.transcript_status", return_value="in-progress"),
        pytest.raises(transcription.TranscriptNotReady),
    ):
        services.transcript_make(transcript_id=transcript.pk)
    transcript.refresh_from_db()
    assert (transcript.state, transcript.job) == ("pending", job)
    assert requested.call_args.kwargs["channel_roles"] == {1: "customer"}
    sentences = [{"channel": 1, "start": 0.5, "end": 2.0, "text": "Hello.", "confidence": 0.9}]
    with (
        mock.patch("telephony.gateway.transcript_request") as asked_again,
        mock.patch("telephony.gateway.transcript_status", return_value="completed"),
        mock.patch("telephony.gateway.transcript_sentences", return_value=sentences),
        mock.patch("telephony.gateway.recording_delete"),
    ):
        services.transcript_make(transcript_id=transcript.pk)
    asked_again.assert_not_called()
    transcript.refresh_from_db()
    assert transcript.state == "done"
    assert list(transcript.utterances.values_list("speaker", "start_ms", "end_ms", "text")) == [
        ("caller", 500, 2000, "Hello.")
    ]


def test_a_failed_delete_of_twilios_copy_is_retried_by_the_sweep(voicemail, settings):
    settings.TRANSCRIPT_BACKEND = "local"
    voicemail.policy = RecordingPolicy.objects.create(name="Voicemail")
    voicemail.save()
    media = RecordingMedia.objects.create(recording=voicemail)
    with (
        mock.patch(
            "telephony.gateway.recording_media",
            return_value=(200, GREETING.read_bytes(), "audio/wav"),
        ),
        mock.patch("telephony.gateway.recording_delete", side_effect=OSError("Twilio down")),
    ):
        services.media_fetch(media_id=media.pk)
    media.refresh_from_db()
    assert media.state == "stored" and media.deleted_at_twilio is None
    with mock.patch("telephony.gateway.recording_delete") as deleted:
        tasks.transcript_sweep()
    deleted.assert_called_once_with(sid=voicemail.sid)
    media.refresh_from_db()
    assert media.deleted_at_twilio is not None
    with mock.patch("telephony.gateway.recording_delete") as deleted:
        tasks.transcript_sweep()
    deleted.assert_not_called()
