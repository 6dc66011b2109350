"""Recording media: a WAV as long as the recording, one steady tone per party.

Twilio serves 8 kHz 16-bit PCM at the RecordingUrl (`.wav`). Here each party heard in
the recording gets its own tone (the first 400 Hz, the next 500 Hz...), silence where the
recording was paused with `silence`; a dual-channel recording puts the first party on
the left channel and the others on the right. Deterministic, so tests can check the file.
"""

from __future__ import annotations

import io
import math
import re
import struct
import wave
from datetime import datetime

from .state import SimRecording

SAMPLE_RATE = 8000
# A recording's media path, with or without an extension (Twilio serves .wav and .mp3).
MEDIA = re.compile(r"/2010-04-01/Accounts/\w+/Recordings/(?P<sid>RE\w+)(?:\.(?:wav|mp3))?")
# Whole-hertz tones repeat exactly every second, so one second is built and repeated.
TONES_HZ = (400, 500, 800, 1000, 250, 320)
AMPLITUDE = 8000


def tone_second(frequencies: tuple[int, ...]) -> list[int]:
    """One second of the tones mixed (an empty tuple is silence)."""
    if not frequencies:
        return [0] * SAMPLE_RATE
    scale = AMPLITUDE / len(frequencies)
    return [
        round(scale * sum(math.sin(2 * math.pi * hz * n / SAMPLE_RATE) for hz in frequencies))
        for n in range(SAMPLE_RATE)
    ]


def channel_tones(recording: SimRecording) -> list[tuple[int, ...]]:
    """The tones on each channel: every voice mixed (mono), or first voice | the rest."""
    tones = tuple(TONES_HZ[i % len(TONES_HZ)] for i in range(len(recording.voices)))
    if recording.channels == 2:
        return [tones[:1], tones[1:]]
    return [tones]


def recording_wav(recording: SimRecording, now: datetime) -> bytes:
    """The recording's audio so far (the whole of it once completed)."""
    channels = channel_tones(recording)
    voiced = [tone_second(tones) for tones in channels]
    silent = [0] * SAMPLE_RATE
    frames = bytearray()
    for span in recording.spans:
        count = round(span.seconds(now) * SAMPLE_RATE)
        seconds = [silent] * len(channels) if span.silent else voiced
        interleaved = [sample for frame in zip(*seconds, strict=True) for sample in frame]
        block = struct.pack(f"<{len(interleaved)}h", *interleaved)
        whole, rest = divmod(count, SAMPLE_RATE)
        frames += block * whole + block[: rest * 2 * len(channels)]
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(len(channels))
        audio.setsampwidth(2)
        audio.setframerate(SAMPLE_RATE)
        audio.writeframes(bytes(frames))
    return buffer.getvalue()
