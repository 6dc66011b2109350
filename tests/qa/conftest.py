"""qa's tests use telephony's demo line and signed-webhook helpers."""

import datetime as dt
import io
import wave

import pytest

from telephony.models import AgentProfile, AgentSkill, Queue, RecordingPolicy, Skill
from telephony.simulator import CalledParty, Line
from tests.factories import UserFactory
from tests.telephony.conftest import support_line, twilio_post  # noqa: F401  (fixtures)


@pytest.fixture
def recorded_line(support_line):  # noqa: F811  (the fixture above)
    """The demo line, its Billing queue recording every call (kept 90 days)."""
    policy = RecordingPolicy.objects.create(name="Billing: all, 90 days", retention_days=90)
    Queue.objects.filter(name="Billing").update(recording_policy=policy)
    return support_line


def billing_agent(
    simulator,
    name: str,
    lines: tuple[Line, ...],
    *,
    idle_since: dt.datetime,
    talk_seconds: int,
    user=None,
) -> AgentProfile:
    """An available billing agent whose softphone the simulator answers, saying `lines`."""
    agent = AgentProfile.objects.create(
        user=user or UserFactory.create(username=name),
        client_identity=name,
        state="available",
        idle_since=idle_since,
    )
    AgentSkill.objects.create(agent=agent, skill=Skill.objects.get(name="billing"), level=5)
    simulator.register_client(
        name, CalledParty(answer="human", ring_seconds=2, talk_seconds=talk_seconds, lines=lines)
    )
    return agent


def wav_channels(audio: bytes) -> tuple[int, list[bytes]]:
    """A WAV's channel count and each channel's frames apart."""
    with wave.open(io.BytesIO(audio)) as reader:
        count, width = reader.getnchannels(), reader.getsampwidth()
        frames = reader.readframes(reader.getnframes())
    return count, [
        b"".join(
            frames[at : at + width] for at in range(channel * width, len(frames), count * width)
        )
        for channel in range(count)
    ]
