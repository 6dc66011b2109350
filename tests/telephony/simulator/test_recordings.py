"""Recordings end to end: started, paused and resumed mid-call, conference recordings,
dual channel, status callbacks, the WAV at the media URL, and deletion."""

from __future__ import annotations

import io
import struct
import wave

import pytest
from twilio.base.exceptions import TwilioRestException

from telephony.simulator import CalledParty, CallerScript

from .conftest import ACCOUNT_SID, APP, AUTH_TOKEN, CALLER, OUR_NUMBER, START, twiml

CUSTOMER = "+12125550123"
AUTH = (ACCOUNT_SID, AUTH_TOKEN)
AGENT = "+13105550177"


def wav(sim, sid: str) -> wave.Wave_read:
    return wave.open(io.BytesIO(sim.recording_media(sid)))


def samples(audio: wave.Wave_read, start_second: float, seconds: float) -> tuple[int, ...]:
    audio.setpos(int(start_second * audio.getframerate()))
    frames = audio.readframes(int(seconds * audio.getframerate()))
    return struct.unpack(f"<{len(frames) // 2}h", frames)


@pytest.fixture
def live_call(sim, sdk, app):
    """An answered outbound call to a customer who stays on the line for ten minutes."""
    sim.set_party(CUSTOMER, CalledParty(answer="human", ring_seconds=2, talk_seconds=600))
    app.routes["/talk"] = twiml('<Pause length="600"/>')
    call = sdk.calls.create(to=CUSTOMER, from_=OUR_NUMBER, url=f"{APP}/talk")
    sim.run(seconds=5)
    return call


@pytest.mark.parametrize(("behavior", "duration"), [("skip", 20), ("silence", 30)])
def test_pausing_skips_or_silences_the_paused_stretch(sim, sdk, app, live_call, behavior, duration):
    recordings = sdk.calls(live_call.sid).recordings
    started = recordings.create(
        recording_status_callback=f"{APP}/rec",
        recording_status_callback_event=["in-progress", "completed"],
    )
    sim.run(seconds=10)
    paused = recordings("Twilio.CURRENT").update(status="paused", pause_behavior=behavior)
    sim.run(seconds=10)  # the card number is read out here
    resumed = recordings(started.sid).update(status="in-progress")
    sim.run(seconds=10)
    sdk.calls(live_call.sid).update(status="completed")
    sim.run(seconds=2)

    done = sdk.calls(live_call.sid).recordings(started.sid).fetch()
    assert (started.status, paused.status, resumed.status) == (
        "in-progress",
        "paused",
        "in-progress",
    )
    assert (done.status, done.duration, done.source) == (
        "completed",
        str(duration),
        "StartCallRecordingAPI",
    )
    callbacks = app.to("/rec")
    assert [c["RecordingStatus"] for c in callbacks] == ["in-progress", "completed"]
    assert callbacks[1] == {
        "AccountSid": live_call.account_sid,
        "CallSid": live_call.sid,
        "RecordingSid": started.sid,
        "RecordingUrl": f"http://sim.test/2010-04-01/Accounts/{live_call.account_sid}/Recordings/{started.sid}",
        "RecordingStatus": "completed",
        "RecordingDuration": str(duration),
        "RecordingChannels": "1",
        "RecordingSource": "StartCallRecordingAPI",
        "RecordingStartTime": "Mon, 03 Mar 2025 09:00:05 +0000",
        "RecordingTrack": "both",
        "ErrorCode": "0",
    }
    audio = wav(sim, started.sid)
    assert (audio.getnchannels(), audio.getframerate()) == (1, 8000)
    assert audio.getnframes() == duration * 8000
    if behavior == "silence":
        assert set(samples(audio, 11, 8)) == {0}  # the pause, kept as silence
    assert len(set(samples(audio, 1, 1))) > 10  # the parties' tones


def test_twilio_current_needs_a_live_recording(sim, sdk, live_call):
    with pytest.raises(TwilioRestException) as nothing_live:
        sdk.calls(live_call.sid).recordings("Twilio.CURRENT").update(status="paused")
    started = sdk.calls(live_call.sid).recordings.create()
    sim.run(seconds=3)
    sdk.calls(live_call.sid).recordings(started.sid).update(status="stopped")
    with pytest.raises(TwilioRestException) as stopped:
        sdk.calls(live_call.sid).recordings(started.sid).update(status="paused")
    with pytest.raises(TwilioRestException) as bad_behavior:
        sdk.calls(live_call.sid).recordings.create().update(status="paused", pause_behavior="mute")

    assert nothing_live.value.status == 404
    assert (stopped.value.status, stopped.value.code) == (400, 21220)
    assert bad_behavior.value.status == 400
    assert sim.recordings[started.sid].duration == 3


def test_a_call_that_is_not_answered_cannot_be_recorded(sim, sdk):
    sim.set_party(CUSTOMER, CalledParty(answer="human", ring_seconds=20))
    call = sdk.calls.create(to=CUSTOMER, from_=OUR_NUMBER, twiml=twiml("<Pause/>"))
    sim.run(seconds=2)

    with pytest.raises(TwilioRestException) as raised:
        sdk.calls(call.sid).recordings.create()

    assert (raised.value.status, raised.value.code) == (400, 21220)


def test_dial_record_dual_puts_each_party_on_its_own_channel(sim, sdk, app):
    sim.set_party(AGENT, CalledParty(answer="human", ring_seconds=2, talk_seconds=12))
    app.routes["/voice"] = twiml(
        f'<Dial record="record-from-answer-dual" recordingStatusCallback="{APP}/rec">{AGENT}</Dial>'
    )
    caller = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript())
    sim.run(seconds=5)
    current = sdk.calls(caller.sid).recordings("Twilio.CURRENT").fetch()
    sim.run(seconds=30)

    (recording,) = sdk.calls(caller.sid).recordings.list()
    assert current.status == "in-progress" and current.duration is None
    assert (recording.channels, recording.source, recording.duration) == (2, "DialVerb", "12")
    assert app.to("/rec")[0]["RecordingChannels"] == "2"
    audio = wav(sim, recording.sid)
    assert (audio.getnchannels(), audio.getnframes()) == (2, 12 * 8000)
    left, right = samples(audio, 1, 1)[0::2], samples(audio, 1, 1)[1::2]
    assert left != right  # caller and agent are told apart


def test_conference_record_from_start_records_until_the_conference_ends(sim, sdk, app):
    app.routes["/voice"] = twiml(
        f'<Dial><Conference record="record-from-start" recordingStatusCallback="{APP}/rec" '
        f'recordingStatusCallbackEvent="in-progress completed">room-9</Conference></Dial>'
    )
    first = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(hang_up_after=40))
    second = sim.dial_in(from_="+14155550199", to=OUR_NUMBER, script=CallerScript(hang_up_after=25))
    sim.run(seconds=3)
    room = sim.conference_named("room-9")
    sim.run()

    (recording,) = sdk.conferences(room.sid).recordings.list()
    assert (recording.source, recording.status, recording.duration) == (
        "Conference",
        "completed",
        "40",
    )
    assert recording.conference_sid == room.sid and recording.call_sid == first.sid
    assert [r.sid for r in sdk.recordings.list(conference_sid=room.sid)] == [recording.sid]
    assert sdk.calls(second.sid).recordings.list() == []
    callbacks = app.to("/rec")
    assert [c["RecordingStatus"] for c in callbacks] == ["in-progress", "completed"]
    assert {(c["ConferenceSid"], c["CallSid"]) for c in callbacks} == {(room.sid, first.sid)}
    assert callbacks[1]["RecordingSource"] == "Conference"
    assert callbacks[1]["RecordingDuration"] == "40"
    assert sim.recordings[recording.sid].voices == (first.sid, second.sid)
    assert wav(sim, recording.sid).getnframes() == 40 * 8000


def test_a_rest_participant_can_start_the_conference_recording(sim, sdk, app):
    sim.set_party(AGENT, CalledParty(answer="human", ring_seconds=1, talk_seconds=30))
    agent = sdk.conferences("room-3").participants.create(
        from_=OUR_NUMBER,
        to=AGENT,
        conference_record="record-from-start",
        conference_recording_status_callback=f"{APP}/rec",
        record=True,
        recording_status_callback=f"{APP}/leg",
    )
    sim.run()

    room = sim.conference_named("room-3") or next(iter(sim.conferences.values()))
    (in_room,) = sdk.conferences(room.sid).recordings.list()
    (leg,) = sdk.calls(agent.call_sid).recordings.list()
    assert (in_room.duration, in_room.source) == ("30", "Conference")
    assert (leg.duration, leg.source) == ("30", "OutboundAPI")
    assert app.to("/rec")[0]["ConferenceSid"] == room.sid
    assert app.to("/leg")[0]["CallSid"] == agent.call_sid


def test_deleted_recordings_are_gone_but_a_live_one_cannot_be_deleted(sim, sdk, live_call):
    live = sdk.calls(live_call.sid).recordings.create()
    with pytest.raises(TwilioRestException) as still_recording:
        sdk.recordings(live.sid).delete()
    sim.run(seconds=5)
    sdk.calls(live_call.sid).recordings(live.sid).update(status="stopped")

    assert sdk.recordings(live.sid).delete() is True
    with pytest.raises(TwilioRestException) as gone:
        sdk.recordings(live.sid).fetch()
    assert (still_recording.value.status, still_recording.value.code) == (400, 20009)
    assert gone.value.status == 404
    assert sim.recording_media(live.sid) is None
    assert sdk.recordings.list(call_sid=live_call.sid) == []
    soft = sdk.recordings(live.sid).fetch(include_soft_deleted=True)
    assert soft.status == "deleted"


def test_call_scoped_recordings_stay_under_their_call(sim, sdk, live_call, app):
    other = sdk.calls.create(to=CUSTOMER, from_=OUR_NUMBER, url=f"{APP}/talk")
    sim.run(seconds=5)
    recording = sdk.calls(live_call.sid).recordings.create()

    with pytest.raises(TwilioRestException) as elsewhere:
        sdk.calls(other.sid).recordings(recording.sid).fetch()
    status, body = sim.handle_rest(
        "POST", f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{recording.sid}.json", {}, AUTH
    )

    assert elsewhere.value.status == 404
    assert (status, body["code"]) == (405, 20004)  # Twilio starts recordings under the call
    assert sdk.calls(live_call.sid).recordings(recording.sid).fetch().track == "both"


def test_recordings_list_filters_by_date_created(sim, sdk, live_call):
    early = sdk.calls(live_call.sid).recordings.create()
    sim.run(seconds=3)
    sdk.calls(live_call.sid).recordings(early.sid).update(status="stopped")
    sim.run(seconds=3600)
    sim.set_party(CUSTOMER, CalledParty(answer="human", ring_seconds=1, talk_seconds=600))
    later_call = sdk.calls.create(to=CUSTOMER, from_=OUR_NUMBER, url=f"{APP}/talk")
    sim.run(seconds=3)
    late = sdk.calls(later_call.sid).recordings.create()

    after = sdk.recordings.list(date_created_after=START.replace(minute=30))
    before = sdk.recordings.list(date_created_before=START.replace(minute=30))

    assert [r.sid for r in after] == [late.sid]
    assert [r.sid for r in before] == [early.sid]
    assert [r.sid for r in sdk.recordings.list(date_created=START.date())] == [late.sid, early.sid]
