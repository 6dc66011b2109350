"""Recording a conversation end to end through the simulator: the policy and consent
decide, the caller is told, the agent pauses and resumes from the desk, the media is
fetched into storage and played back with seeking, and retention deletes it later."""

from __future__ import annotations

import datetime as dt
import io
import wave

import pytest
import time_machine
from django.urls import reverse

from crm import services as crm_services
from crm.models import Customer
from qa.models import LegalHold, RecordingAccess, RecordingMedia
from qa.services import retention_purge
from telephony.acd import controls
from telephony.calls.recording import DEFAULT_ANNOUNCEMENT
from telephony.models import (
    AgentProfile,
    AgentSkill,
    Call,
    Recording,
    Skill,
)
from telephony.simulator import CalledParty, CallerScript
from telephony.simulator.rest import RestError
from tests.factories import UserFactory
from tests.telephony.conftest import OUR_NUMBER

pytestmark = pytest.mark.django_db(transaction=True)

NEW_YORK = dt.timezone(dt.timedelta(hours=-5))
MONDAY_10AM = dt.datetime(2026, 11, 23, 10, 0, tzinfo=NEW_YORK)
CALLER = "+14155550142"  # San Francisco: California needs every party told


def _customer(consent: str = Customer.RecordingConsent.UNKNOWN) -> Customer:
    customer = crm_services.customer_create(
        name="Ava Chen", account_number="AC-100042", phone_numbers=[{"number": CALLER}]
    )
    Customer.objects.filter(pk=customer.pk).update(recording_consent=consent)
    return customer


def _agent(simulator, talk_seconds: int = 60) -> AgentProfile:
    agent = AgentProfile.objects.create(
        user=UserFactory.create(username="alex"),
        client_identity="alex",
        state="available",
        idle_since=dt.datetime(2026, 11, 23, 14, 0, tzinfo=dt.UTC),
    )
    AgentSkill.objects.create(agent=agent, skill=Skill.objects.get(name="billing"), level=5)
    simulator.register_client(
        "alex", CalledParty(answer="human", ring_seconds=2, talk_seconds=talk_seconds)
    )
    return agent


def _conversation(simulator, agent: AgentProfile, *, pause_at: float | None = None):
    """A caller keys 1 (billing) and talks with the agent; the agent pauses the recording
    for ten seconds at `pause_at` seconds into the run."""
    with time_machine.travel(MONDAY_10AM, tick=False) as traveller:
        sim_call = simulator.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(inputs=["1"]))
        if pause_at is not None:
            simulator.run(pause_at)
            traveller.shift(dt.timedelta(seconds=pause_at))
            controls.call_recording_pause(agent=agent, on=True)
            simulator.run(10)
            traveller.shift(dt.timedelta(seconds=10))
            controls.call_recording_pause(agent=agent, on=False)
        simulator.run(300)
    assert sim_call.application_errors == []
    return sim_call, Call.objects.get(sid=sim_call.sid)


def test_a_recorded_call_is_announced_paused_fetched_and_played_with_seeking(
    simulator, recorded_line, client_as, qa_analyst
):
    _customer()
    agent = _agent(simulator)
    sim_call, call = _conversation(simulator, agent, pause_at=40)

    # Told first: the caller heard the announcement, and its time is kept.
    assert recorded_line.recording_announcement in sim_call.said
    assert call.recording_decision == "recorded"
    assert call.recording_announced_at is not None
    recording = Recording.objects.get(call=call)
    # The caller's own leg, in two channels: their voice apart from the agent's.
    assert (recording.status, recording.source, recording.channels) == (
        "completed",
        "StartCallRecordingAPI",
        2,
    )
    assert recording.call_leg_sid == sim_call.sid and recording.conference_sid == ""
    assert recording.entry.call_id == call.pk
    # What the simulator's recording holds is the conversation minus the ten seconds
    # paused with "skip", and it started after the announcement was over.
    sim_recording = simulator.recordings[recording.sid]
    assert sim_recording.started_at >= call.recording_announced_at
    assert recording.duration_seconds == sim_recording.duration
    pause = recording.pauses.get()
    assert (pause.paused_by, pause.resumed_by) == (agent.user, agent.user)
    assert pause.seconds == 10
    assert pause.offset_seconds is not None and pause.offset_seconds > 0

    media = RecordingMedia.objects.get(recording=recording)
    assert media.state == "stored"
    with media.file.open("rb") as stored, wave.open(io.BytesIO(stored.read())) as audio:
        assert audio.getnframes() == recording.duration_seconds * audio.getframerate()
        assert audio.getnchannels() == 2
    # Twilio's copy is deleted once ours is stored (the policy's default).
    assert media.deleted_at_twilio is not None
    assert simulator.recordings[recording.sid].deleted

    listener = client_as(qa_analyst)
    page = listener.get(reverse("qa:call_detail", args=[call.pk]))
    assert page.status_code == 200
    media_url = reverse("qa:recording_media", args=[recording.pk])
    assert media_url in page.content.decode()
    seek = listener.get(media_url, headers={"Range": "bytes=1000-1999"})
    assert seek.status_code == 206
    assert seek["Content-Range"] == f"bytes 1000-1999/{media.size_bytes}"
    assert seek["Accept-Ranges"] == "bytes"
    with media.file.open("rb") as stored:
        stored.seek(1000)
        assert b"".join(seek.streaming_content) == stored.read(1000)
    whole = listener.get(media_url)
    assert whole.status_code == 200
    assert int(whole["Content-Length"]) == media.size_bytes
    accesses = list(RecordingAccess.objects.filter(recording=recording).order_by("at", "id"))
    assert [(a.username, a.action, a.byte_range) for a in accesses] == [
        ("qa", "play", "bytes=1000-1999"),
        ("qa", "play", ""),
    ]


def test_a_customer_who_refused_is_not_recorded_and_the_desk_says_why(
    simulator, recorded_line, client_as
):
    _customer(Customer.RecordingConsent.REFUSED)
    agent = _agent(simulator, talk_seconds=600)
    with time_machine.travel(MONDAY_10AM, tick=False):
        sim_call = simulator.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(inputs=["1"]))
        simulator.run(40)
        desk = client_as(agent.user).get(reverse("telephony:desk"))
        simulator.run(600)
    call = Call.objects.get(sid=sim_call.sid)
    assert call.recording_decision == "refused"
    assert "Not recorded: the customer refused recording" in desk.content.decode()
    assert not Recording.objects.filter(call=call).exists()
    assert simulator.recordings == {}
    assert DEFAULT_ANNOUNCEMENT not in sim_call.said
    assert call.recording_announced_at is None


def test_a_recording_twilio_refuses_leaves_the_call_not_recorded_and_the_caller_connected(
    simulator, recorded_line, client_as, qa_analyst, caplog
):
    _customer()
    agent = _agent(simulator, talk_seconds=600)

    def refuse(**_kwargs):
        raise RestError(400, 21220, "Call is not in-progress. Cannot record.")

    # The simulator refuses every start, as Twilio answers 400 (the fixture ends with the test).
    simulator.rest.voice.recording_start = refuse
    with time_machine.travel(MONDAY_10AM, tick=False):
        sim_call = simulator.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(inputs=["1"]))
        simulator.run(40)
        desk = client_as(agent.user).get(reverse("telephony:desk")).content.decode()
        agent.refresh_from_db()
        entry_status = agent.current_entry.status if agent.current_entry else None
        simulator.run(600)
    # Twilio's message as the SDK reports a refused create.
    reason = (
        "Recording could not start: "
        "Unable to create record: Call is not in-progress. Cannot record."
    )
    call = Call.objects.get(sid=sim_call.sid)
    # Told, then refused: the call says so, with Twilio's words, and keeps no recording.
    assert recorded_line.recording_announcement in sim_call.said
    assert (call.recording_decision, call.recording_failure) == ("not_started", reason)
    assert not Recording.objects.filter(call=call).exists()
    # The caller still talked with the agent, and heard no application error.
    assert sim_call.application_errors == []
    assert entry_status == "connected"
    assert call.answered_at is not None
    # The agent is told, and offered nothing to pause.
    assert f"Not recorded: {reason}" in desk
    assert 'id="pause-recording"' not in desk
    assert any(reason in record.getMessage() for record in caplog.records)
    page = client_as(qa_analyst).get(reverse("qa:call_detail", args=[call.pk]))
    assert f"Not recorded: {reason}" in page.content.decode()


def test_the_desk_offers_to_pause_only_once_the_recording_is_under_way(
    simulator, recorded_line, client_as
):
    _customer()
    agent = _agent(simulator, talk_seconds=600)
    seen = []
    with time_machine.travel(MONDAY_10AM, tick=False):
        sim_call = simulator.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(inputs=["1"]))
        for _ in range(120):  # half-second steps through the answer and the announcement
            simulator.run(0.5)
            agent.refresh_from_db()
            if agent.current_entry is None or agent.current_entry.status != "connected":
                continue
            desk = client_as(agent.user).get(reverse("telephony:desk")).content.decode()
            recorded = Recording.objects.filter(call__sid=sim_call.sid).exists()
            seen.append(
                (
                    recorded,
                    'id="pause-recording"' in desk,
                    "Recording starts after the announcement" in desk,
                )
            )
            if recorded:
                break
    # Connected while the caller hears the announcement: no pause yet, and the desk says why.
    assert seen[0] == (False, False, True)
    # Once the caller's leg is being recorded, the desk offers the pause, and it works.
    assert seen[-1] == (True, True, False)
    assert all(pause == recorded and waiting != recorded for recorded, pause, waiting in seen)
    controls.call_recording_pause(agent=agent, on=True)
    assert Recording.objects.get(call__sid=sim_call.sid).pauses.count() == 1


def test_retention_deletes_the_media_after_the_period_and_keeps_the_audit(
    simulator, recorded_line, client_as, manager
):
    _customer()
    agent = _agent(simulator)
    _sim_call, call = _conversation(simulator, agent)
    recording = Recording.objects.get(call=call)
    media = recording.media
    client_as(manager).get(reverse("qa:recording_media", args=[recording.pk]))
    stored_name = media.file.name
    assert media.file.storage.exists(stored_name)

    assert retention_purge(now=media.expires_at - dt.timedelta(days=1)) == 0
    hold = LegalHold.objects.create(call=call, reason="Dispute 42")
    assert retention_purge(now=media.expires_at) == 0  # held
    hold.released_at = media.expires_at
    hold.save()
    assert retention_purge(now=media.expires_at) == 1

    media.refresh_from_db()
    assert (media.state, media.file.name) == ("deleted", "")
    assert not media.file.storage.exists(stored_name)
    assert Recording.objects.filter(pk=recording.pk).exists()
    assert RecordingAccess.objects.filter(recording=recording).count() == 1
    gone = client_as(manager).get(reverse("qa:recording_media", args=[recording.pk]))
    assert gone.status_code == 404
