"""The whole of recording and automated QA in one story, through the simulator.

Ava (San Francisco: California wants every party told) calls the billing line, which
records every call. She hears the announcement; only then is her leg recorded, in two
channels. Alex pauses the recording from the desk while she reads out her card number
and resumes it. The media reaches storage, a QA analyst plays it with a seek (audited),
the transcript tells caller and agent apart by channel and leaves the paused words out,
and automated QA flags the forbidden promise Alex made. Ben, who refused recording, calls
next and is not recorded. Once the retention period is over the media goes; the
recording's row, its transcript and the audit stay.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from crm import services as crm_services
from crm.models import Customer
from qa import tasks
from qa.models import AutoQaScore, QaRule, RecordingAccess, RecordingMedia, Transcript
from telephony.models import AgentProfile, Call, Recording
from telephony.simulator import CallerScript, Line
from tests.qa.conftest import billing_agent, wav_channels
from tests.telephony.conftest import OUR_NUMBER

pytestmark = pytest.mark.django_db(transaction=True)

MONDAY_10AM = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
AVA, BEN = "+14155550142", "+14155550143"  # both in California
AGENT_LINES = (
    Line(5, "Thank you for calling, this is Alex."),
    Line(20, "I guarantee the refund is there by Friday."),
    Line(25, "Please read me the card number."),
    Line(38, "Thanks, you are all set."),
)
AVA_LINES = (
    Line(3, "Hi, I want to cancel my order."),
    Line(30, "It is four one one one."),  # while the recording is paused
)


def _customer(name: str, number: str, consent: str) -> Customer:
    customer = crm_services.customer_create(name=name, phone_numbers=[{"number": number}])
    Customer.objects.filter(pk=customer.pk).update(recording_consent=consent)
    return customer


def _agent(simulator, name: str, lines: tuple[Line, ...] = ()) -> AgentProfile:
    return billing_agent(
        simulator,
        name,
        lines,
        idle_since=MONDAY_10AM - dt.timedelta(minutes=5),
        talk_seconds=60,
    )


def test_a_call_is_told_recorded_paused_stored_played_transcribed_scored_and_expired(
    simulator, recorded_line, client_as, qa_analyst
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
    _customer("Ava Chen", AVA, Customer.RecordingConsent.UNKNOWN)
    _customer("Ben Ortiz", BEN, Customer.RecordingConsent.REFUSED)
    alex = _agent(simulator, "alex", AGENT_LINES)
    desk = client_as(alex.user)

    def desk_control(action: str) -> None:
        answer = desk.post(reverse("telephony:desk_call_control"), {"action": action})
        assert answer.status_code == 200 and "errorlist" not in answer.content.decode()

    with time_machine.travel(MONDAY_10AM, tick=False) as traveller:
        ava = simulator.dial_in(
            from_=AVA, to=OUR_NUMBER, script=CallerScript(inputs=["1"], lines=AVA_LINES)
        )
        for seconds, action in ((40, "pause_recording"), (10, "resume_recording")):
            simulator.run(seconds)
            traveller.shift(dt.timedelta(seconds=seconds))
            desk_control(action)
        simulator.run(300)
        traveller.shift(dt.timedelta(seconds=300))
        # Ben calls later, and refused recording: Sam takes him, unrecorded.
        sam = _agent(simulator, "sam")
        ben = simulator.dial_in(from_=BEN, to=OUR_NUMBER, script=CallerScript(inputs=["1"]))
        simulator.run(40)
        sams_desk = client_as(sam.user).get(reverse("telephony:desk")).content.decode()
        simulator.run(300)
    assert ava.application_errors == [] and ben.application_errors == []

    # Told first, the time kept; recorded only after that, on Ava's own leg, two channels.
    call = Call.objects.get(sid=ava.sid)
    assert recorded_line.recording_announcement in ava.said
    assert call.recording_decision == "recorded" and call.recording_announced_at is not None
    recording = Recording.objects.get(call=call)
    assert recording.started_at >= call.recording_announced_at
    assert simulator.recordings[recording.sid].started_at >= call.recording_announced_at
    assert (recording.status, recording.channels, recording.call_leg_sid) == (
        "completed",
        2,
        ava.sid,
    )
    pause = recording.pauses.get()
    assert (pause.paused_by, pause.resumed_by, pause.seconds) == (alex.user, alex.user, 10)

    # The media is in storage: a real two-channel WAV, Ava on one channel, Alex on the other.
    media = RecordingMedia.objects.get(recording=recording)
    assert media.state == "stored"
    with media.file.open("rb") as stored:
        count, (caller_side, agent_side) = wav_channels(stored.read())
    assert count == 2 and caller_side != agent_side
    assert len(caller_side) == recording.duration_seconds * 8000 * 2

    # A QA analyst plays it on the call's page, seeking: every request audited.
    listener = client_as(qa_analyst)
    assert listener.get(reverse("qa:call_detail", args=[call.pk])).status_code == 200
    media_url = reverse("qa:recording_media", args=[recording.pk])
    seek = listener.get(media_url, headers={"Range": "bytes=44-1043"})
    assert (seek.status_code, seek["Content-Range"]) == (206, f"bytes 44-1043/{media.size_bytes}")
    assert len(b"".join(seek.streaming_content)) == 1000
    assert list(
        RecordingAccess.objects.filter(recording=recording).values_list("action", "byte_range")
    ) == [("play", "bytes=44-1043")]

    # Transcribed by channel, the paused card number left out; scored, the promise flagged.
    transcript = Transcript.objects.get(recording=recording)
    assert transcript.state == "done"
    assert [(u.speaker, u.text) for u in transcript.utterances.all()] == [
        ("agent", "Thank you for calling, this is Alex."),
        ("caller", "Hi, I want to cancel my order."),
        ("agent", "I guarantee the refund is there by Friday."),
        ("agent", "Please read me the card number."),
        ("agent", "Thanks, you are all set."),
    ]
    score = AutoQaScore.objects.get(transcript=transcript, is_current=True)
    assert (score.auto_failed, score.flags) == (True, ["compliance_miss"])
    outcomes = {result.rule.name: result for result in score.results.all()}
    assert outcomes["greeting"].outcome == "hit"
    promise = outcomes["no-guarantee"]
    assert promise.outcome == "missed"
    assert promise.utterance.text == "I guarantee the refund is there by Friday."

    # Ben refused: not recorded, not told, and Sam's desk said why.
    ben_call = Call.objects.get(sid=ben.sid)
    assert ben_call.recording_decision == "refused"
    assert ben_call.recording_announced_at is None
    assert not Recording.objects.filter(call=ben_call).exists()
    assert all(r.call_sid != ben.sid for r in simulator.recordings.values())
    assert "Not recorded: the customer refused recording" in sams_desk

    # Retention: the beat task deletes the media once the period is over; the rest stays.
    stored_name = media.file.name
    with time_machine.travel(media.expires_at - dt.timedelta(days=1)):
        assert tasks.recording_retention_purge() == 0
    with time_machine.travel(media.expires_at + dt.timedelta(minutes=1)):
        assert tasks.recording_retention_purge() == 1
    media.refresh_from_db()
    assert (media.state, media.file.name) == ("deleted", "")
    assert not media.file.storage.exists(stored_name)
    assert Recording.objects.filter(pk=recording.pk).exists()
    assert Transcript.objects.filter(recording=recording, state="done").exists()
    assert RecordingAccess.objects.filter(recording=recording).count() == 1
    assert listener.get(media_url).status_code == 404
