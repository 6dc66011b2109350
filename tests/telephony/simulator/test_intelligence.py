"""The simulator's Voice Intelligence: transcripts of its recordings from the parties'
scripted lines, read through the official SDK, every field the SDK reads present."""

from __future__ import annotations

import json

import pytest
from twilio.base.exceptions import TwilioRestException

from telephony.simulator import CalledParty, CallerScript, Line

from .conftest import APP, CALLER, OUR_NUMBER, twiml

AGENT = "+13105550177"
SERVICE = "GA" + "1" * 32


def _raw(sdk) -> dict:
    return json.loads(sdk.http_client._test_only_last_response.text)


def _sdk_fields(instance) -> set[str]:
    return {name for name in vars(instance) if not name.startswith("_")}


def test_a_dual_recording_is_transcribed_channel_by_channel_in_the_sdks_shapes(sim, sdk, app):
    agent_lines = (Line(1, "Thank you for calling."), Line(6, "Anything else?"))
    sim.set_party(AGENT, CalledParty(answer="human", talk_seconds=12, lines=agent_lines))
    app.routes["/voice"] = twiml(
        f'<Dial record="record-from-answer-dual" recordingStatusCallback="{APP}/rec">{AGENT}</Dial>'
    )
    script = CallerScript(lines=(Line(3, "I want to cancel.", seconds=2), Line(30, "Bye.")))
    caller = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=script)
    sim.run(seconds=60)
    (recording,) = sdk.calls(caller.sid).recordings.list()

    channel = {"media_properties": {"source_sid": recording.sid}}
    transcript = sdk.intelligence.v2.transcripts.create(service_sid=SERVICE, channel=channel)
    assert _sdk_fields(transcript) <= set(_raw(sdk))
    assert transcript.sid.startswith("GT") and transcript.status == "completed"
    assert sdk.intelligence.v2.transcripts(transcript.sid).fetch().status == "completed"
    sentences = sdk.intelligence.v2.transcripts(transcript.sid).sentences.list()
    for sentence in sentences:
        assert _sdk_fields(sentence) <= set(_raw(sdk)["sentences"][0])
    # The caller (the parent call) on channel 1, the agent on 2; "Bye." came after the end.
    assert [(s.media_channel, s.start_time, s.end_time, s.transcript) for s in sentences] == [
        (2, 1.0, 2.4, "Thank you for calling."),  # 0.35 s a word
        (1, 3.0, 5.0, "I want to cancel."),
        (2, 6.0, 6.7, "Anything else?"),
    ]


def test_a_recording_it_cannot_read_is_refused_and_an_unknown_transcript_is_not_found(sdk):
    channel = {"media_properties": {"source_sid": "RE" + "0" * 32}}
    with pytest.raises(TwilioRestException) as refused:
        sdk.intelligence.v2.transcripts.create(service_sid=SERVICE, channel=channel)
    assert refused.value.status == 400
    with pytest.raises(TwilioRestException) as missing:
        sdk.intelligence.v2.transcripts("GT" + "0" * 32).fetch()
    assert missing.value.status == 404


def test_a_leg_recorded_in_two_channels_hears_the_conference_it_joins_on_its_second(sim, sdk, app):
    """As the ACD records a caller: their leg first, then they join the agent's conference.
    What the agent said before the caller came in is not in it."""
    agent_lines = (Line(0.2, "Waiting for the caller."), Line(6, "Thank you for calling."))
    sim.set_party(
        AGENT, CalledParty(answer="human", ring_seconds=1, talk_seconds=30, lines=agent_lines)
    )
    sdk.conferences("room-5").participants.create(from_=OUR_NUMBER, to=AGENT)
    app.routes["/voice"] = twiml('<Pause length="3"/><Dial><Conference>room-5</Conference></Dial>')
    caller = sim.dial_in(
        from_=CALLER,
        to=OUR_NUMBER,
        script=CallerScript(hang_up_after=20, lines=(Line(2, "Hi, I am Ava."),)),
    )
    sim.run(seconds=1)
    started = sdk.calls(caller.sid).recordings.create(recording_channels="dual")
    sim.run(seconds=60)

    recording = sdk.calls(caller.sid).recordings(started.sid).fetch()
    assert (recording.channels, recording.status) == (2, "completed")
    audio = sim.recording_media(recording.sid)
    assert audio[22:24] == b"\x02\x00"  # the WAV header's channel count
    channel = {"media_properties": {"source_sid": recording.sid}}
    transcript = sdk.intelligence.v2.transcripts.create(service_sid=SERVICE, channel=channel)
    sentences = sdk.intelligence.v2.transcripts(transcript.sid).sentences.list()
    said = [(s.media_channel, s.transcript) for s in sentences]
    assert said == [(1, "Hi, I am Ava."), (2, "Thank you for calling.")]
