"""Transcription backends: what was said in a recording, by whom and when.

Chosen by TRANSCRIPT_BACKEND (settings):
- `twilio`: Twilio's Voice Intelligence, on Twilio's copy of the recording (so that copy
  is deleted only once the transcript is done), through the gateway;
- `simulator`: the same API answered by the simulator with the parties' scripted lines
  (the embedded default);
- `local`: pocketsphinx on our stored WAV, offline, with the English model its wheel ships.

Speakers: a dual-channel recording has the caller on channel 1 and the agent on channel 2
(`<Dial record-from-answer-dual>` puts the parent call first; a caller's leg recorded
through Calls/{sid}/Recordings hears the agent on its outbound channel). A mono conference
recording is diarized by Voice Intelligence into speakers numbered as they first speak;
ours start as the agent joins, before the caller is put through, so speaker 1 is the
agent. The local recognizer cannot tell voices apart on one channel: a voicemail is the
caller's, any other mono recording's speaker is left unknown.
"""

from __future__ import annotations

import io
import time
import wave
from array import array
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from telephony import gateway
from telephony.models import Recording

from .models import Utterance

Speaker = Utterance.Speaker
# pocketsphinx's model is for 16 kHz audio; Twilio records at 8 kHz.
MODEL_RATE = 16000
FRAMES_PER_SECOND = 100
# A pause this long between words starts a new utterance.
UTTERANCE_GAP_FRAMES = 60
# Samples never louder than this are silence (digital silence, line hiss).
SILENCE_LEVEL = 200
# Voice Intelligence's statuses while it is still working.
WORKING = frozenset({"queued", "in-progress", "new"})


@dataclass(frozen=True)
class Said:
    speaker: str
    start_ms: int
    end_ms: int
    text: str
    confidence: float | None = None


class TranscriptNotReady(Exception):
    """The backend is still working, or could not be reached: ask again soon. `job` is
    the backend's own id for the work, to ask about it next time."""

    def __init__(self, reason: str, *, job: str = "") -> None:
        super().__init__(reason)
        self.job = job


class TranscriptionFailed(Exception):
    """The backend could not transcribe this recording (the reason is the message)."""


class Backend(Protocol):
    name: str
    # Whether it reads Twilio's copy of the recording (which must then outlive it).
    reads_twilio_copy: bool

    def transcribe(self, *, recording: Recording, audio: bytes, job: str) -> tuple[str, list[Said]]:
        """(the backend's id for the work, what was said in order); `job` is the id an
        earlier attempt was given."""
        ...


def channel_speakers(recording: Recording) -> dict[int, str]:
    """Who is on each media channel (or diarized speaker) of a recording."""
    if recording.part == Recording.Part.CONSULTATION:
        # The consulting agent's leg: their voice, then whom they consulted.
        return {1: Speaker.AGENT, 2: Speaker.CONSULTED}
    if recording.channels == 2:
        return {1: Speaker.CALLER, 2: Speaker.AGENT}
    if recording.source == "RecordVerb":
        return {1: Speaker.CALLER}
    return {1: Speaker.AGENT, 2: Speaker.CALLER}


class VoiceIntelligence:
    """Twilio's Voice Intelligence (or the simulator's): asked once, then polled."""

    reads_twilio_copy = True

    def __init__(self, name: str, service_sid: str) -> None:
        self.name, self.service_sid = name, service_sid

    def transcribe(self, *, recording: Recording, audio: bytes, job: str) -> tuple[str, list[Said]]:
        speakers = channel_speakers(recording)
        roles = {
            ch: "customer" if who == Speaker.CALLER else "agent" for ch, who in speakers.items()
        }
        try:
            if not job:
                job = gateway.transcript_request(
                    service_sid=self.service_sid, recording_sid=recording.sid, channel_roles=roles
                )
            status = gateway.transcript_status(sid=job)
            if status in WORKING:
                raise TranscriptNotReady(f"Twilio is transcribing ({status}).", job=job)
            if status != "completed":
                raise TranscriptionFailed(f"Twilio's transcript {job} ended {status}.")
            sentences = gateway.transcript_sentences(sid=job)
        except (TranscriptNotReady, TranscriptionFailed):
            raise
        except Exception as error:  # the SDK's errors and the network's alike
            if job:
                raise TranscriptNotReady(f"Could not reach Twilio: {error}", job=job) from error
            raise TranscriptionFailed(f"Twilio refused the transcript: {error}") from error
        return job, [
            Said(
                speaker=speakers.get(sentence["channel"], Speaker.UNKNOWN),
                start_ms=round(sentence["start"] * 1000),
                end_ms=max(round(sentence["end"] * 1000), round(sentence["start"] * 1000)),
                text=sentence["text"],
                confidence=sentence["confidence"],
            )
            for sentence in sentences
            if sentence["text"].strip()
        ]


def wav_channels(audio: bytes) -> tuple[int, list[bytes]]:
    """A 16-bit PCM WAV as (sample rate, one mono 16 kHz stream per channel)."""
    try:
        with wave.open(io.BytesIO(audio)) as reader:
            rate, width, count = reader.getframerate(), reader.getsampwidth(), reader.getnchannels()
            frames = reader.readframes(reader.getnframes())
    except (wave.Error, EOFError) as error:
        raise TranscriptionFailed(f"The media is not a readable WAV file ({error}).") from error
    if width != 2 or rate not in (8000, MODEL_RATE) or not frames:
        raise TranscriptionFailed(
            f"The media is {width * 8}-bit at {rate} Hz with {len(frames)} bytes: "
            "the local recognizer reads 16-bit PCM at 8 or 16 kHz."
        )
    samples = array("h", frames)
    streams = []
    for channel in range(count):
        mono = samples[channel::count]
        if rate == 8000:
            # Twice the rate, each new sample halfway between its neighbours.
            doubled = array("h", bytes(4 * len(mono)))
            doubled[0::2] = mono
            after = [*mono[1:], 0]
            doubled[1::2] = array("h", ((a + b) // 2 for a, b in zip(mono, after, strict=True)))
            mono = doubled
        streams.append(mono.tobytes())
    return rate, streams


def recognize(pcm: bytes, speaker: str) -> list[Said]:
    """pocketsphinx over one channel of 16 kHz speech: utterances split at pauses."""
    from pocketsphinx import Decoder  # loaded with its model only where it is used

    samples = array("h", pcm)
    if not samples or max(map(abs, samples)) < SILENCE_LEVEL:
        return []  # a silent channel: the recognizer would make words up
    decoder = Decoder(samprate=MODEL_RATE, loglevel="FATAL")
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    utterances: list[Said] = []
    words: list[str] = []
    start = end = 0
    for segment in decoder.seg() or []:
        word = segment.word.split("(")[0]
        if word.startswith(("<", "[")):  # silences, sentence marks, noise
            if segment.end_frame - segment.start_frame < UTTERANCE_GAP_FRAMES or not words:
                continue
            utterances.append(_said(speaker, start, end, words))
            words = []
            continue
        if not words:
            start = segment.start_frame
        words.append(word)
        end = segment.end_frame
    if words:
        utterances.append(_said(speaker, start, end, words))
    return utterances


def _said(speaker: str, start: int, end: int, words: list[str]) -> Said:
    to_ms = 1000 // FRAMES_PER_SECOND
    return Said(speaker=speaker, start_ms=start * to_ms, end_ms=end * to_ms, text=" ".join(words))


class LocalRecognizer:
    """pocketsphinx on our stored audio: each channel of a dual recording on its own."""

    name = "local"
    reads_twilio_copy = False

    def transcribe(self, *, recording: Recording, audio: bytes, job: str) -> tuple[str, list[Said]]:
        _rate, streams = wav_channels(audio)
        if len(streams) == 2:
            speakers = [Speaker.CALLER, Speaker.AGENT]
        else:
            speakers = [Speaker.CALLER if recording.source == "RecordVerb" else Speaker.UNKNOWN]
        said = [
            utterance
            for pcm, speaker in zip(streams, speakers, strict=False)
            for utterance in recognize(pcm, speaker)
        ]
        return "", sorted(said, key=lambda utterance: utterance.start_ms)


def backend() -> Backend:
    """The configured backend (TRANSCRIPT_BACKEND)."""
    name = settings.TRANSCRIPT_BACKEND
    if name == "local":
        return LocalRecognizer()
    if name == "simulator":
        # The simulator takes any Voice Intelligence service; Twilio needs the account's.
        return VoiceIntelligence("simulator", settings.TWILIO_INTELLIGENCE_SERVICE_SID)
    if name == "twilio":
        if not settings.TWILIO_INTELLIGENCE_SERVICE_SID:
            raise ImproperlyConfigured(
                "TRANSCRIPT_BACKEND=twilio needs TWILIO_INTELLIGENCE_SERVICE_SID (GA...)."
            )
        return VoiceIntelligence("twilio", settings.TWILIO_INTELLIGENCE_SERVICE_SID)
    raise ImproperlyConfigured(f"Unknown TRANSCRIPT_BACKEND {name!r}: twilio, simulator, local.")


def recognizer_speed(audio: bytes) -> float:
    """The local recognizer's speed on a WAV: seconds of audio per CPU second (above 1 it
    keeps up with calls on one core)."""
    _rate, streams = wav_channels(audio)
    seconds = sum(len(pcm) for pcm in streams) / 2 / MODEL_RATE
    started = time.process_time()
    for pcm in streams:
        recognize(pcm, Speaker.UNKNOWN)
    return seconds / max(time.process_time() - started, 1e-9)
