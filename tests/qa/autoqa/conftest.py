"""Transcribed calls for automated QA's tests, made directly through the models."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from django.utils import timezone

from qa.models import QaRule, Transcript, Utterance
from telephony.models import AgentProfile, Call, Queue, QueueEntry, Recording, Team
from tests.telephony.conftest import new_call_sid

# (speaker, start s, end s, text)
Said = tuple[str, float, float, str]

GOOD_CALL: list[Said] = [
    ("agent", 0.5, 4.0, "Thank you for calling Acme, my name is Alex."),
    ("agent", 4.2, 7.5, "This call may be recorded for quality purposes."),
    ("caller", 8.0, 12.0, "Hi, my internet keeps dropping and I am annoyed."),
    ("agent", 12.5, 16.0, "I am sorry to hear that, let me check the line."),
    ("caller", 16.5, 19.0, "Okay, thanks."),
    ("agent", 20.0, 25.0, "I reset the modem, it should work now."),
    ("caller", 25.5, 28.0, "Great, it works, thank you so much!"),
    ("agent", 28.5, 31.0, "Is there anything else? Have a great day."),
]


def transcribed_call(
    agent_user,
    queue: Queue | None,
    said: Sequence[Said],
    *,
    state: str = Transcript.State.DONE,
) -> Transcript:
    """A call `agent_user` took in `queue`, recorded and transcribed as `said`."""
    call = Call.objects.create(
        sid=new_call_sid(),
        direction="inbound",
        from_number="+14155550142",
        to_number="+18005550100",
        queue=queue,
    )
    agent = AgentProfile.objects.get_or_create(
        user=agent_user, defaults={"client_identity": agent_user.username}
    )[0]
    entry = (
        QueueEntry.objects.create(queue=queue, call=call, served_by=agent, status="done")
        if queue
        else None
    )
    recording = Recording.objects.create(
        sid="RE" + f"{call.pk:032x}",
        call=call,
        entry=entry,
        url="https://api.twilio.com/x",
        status="completed",
        started_at=timezone.now(),
        duration_seconds=int(max((end for _s, _b, end, _t in said), default=0)) + 1,
    )
    transcript = Transcript.objects.create(
        recording=recording, state=state, backend="simulator", completed_at=timezone.now()
    )
    Utterance.objects.bulk_create(
        Utterance(
            transcript=transcript,
            speaker=speaker,
            start_ms=int(start * 1000),
            end_ms=int(end * 1000),
            text=text,
        )
        for speaker, start, end, text in said
    )
    return transcript


def rule(name: str, kind: str, **fields) -> QaRule:
    """A saved first version of a rule."""
    made = QaRule(name=name, kind=kind, **fields)
    made.full_clean()
    made.save()
    return made


@pytest.fixture
def billing(db) -> Queue:
    return Queue.objects.create(name="Billing")


@pytest.fixture
def teams(agent, other_agent, supervisor):
    """Alex in team Red (the supervisor's), Bea in team Blue."""
    red, blue = Team.objects.create(name="Red"), Team.objects.create(name="Blue")
    red.supervisors.add(supervisor)
    for user, team in ((agent, red), (other_agent, blue)):
        profile = AgentProfile.objects.get_or_create(
            user=user, defaults={"client_identity": user.username}
        )[0]
        profile.teams.add(team)
    return red, blue
