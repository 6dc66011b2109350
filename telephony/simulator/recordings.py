"""Recordings: `<Record>` (voicemail-style, over when it exists) and live recordings
(REST calls and participants with Record, `<Dial record>`, conferences, Calls/{sid}/Recordings).

A live recording is "in-progress" from its start, "paused" between a pause and a resume
(Calls/{sid}/Recordings/{sid or Twilio.CURRENT} with Status), and finishes when stopped,
when its call hangs up, when its bridge ends or when its conference ends: "completed"
with its duration, or "absent" when nothing was recorded. Each step the recording status
callback asked for (`in-progress`, `completed`, `absent`) is reported with Twilio's
parameters, a moment after the fact, as Twilio does once the file is ready.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from xml.etree.ElementTree import Element

from . import twiml
from .calls import CallCore, callback_spec
from .state import (
    API_VERSION,
    CallbackSpec,
    Cursor,
    RecordedSpan,
    SimCall,
    SimConference,
    SimRecording,
    rfc2822,
)

RECORDING_READY_SECONDS = 1.0


@dataclass(eq=False)
class RecordState:
    cursor: Cursor
    action: str | None
    method: str
    finish_on_key: str
    max_length: int
    timeout: int
    started_at: datetime
    talk: float
    callback: CallbackSpec | None = None


class Recorder(CallCore):
    def new_recording(
        self,
        *,
        call: SimCall | None,
        source: str,
        channels: int = 1,
        track: str = "both",
        callback: CallbackSpec | None,
        conference: SimConference | None = None,
        voices: tuple[str, ...] = (),
    ) -> SimRecording:
        sid = self.engine.sid("RE")
        now = self.now()
        recording = SimRecording(
            sid=sid,
            # Twilio names the call whose instructions asked for a conference's recording.
            call_sid=call.sid if call else conference.record_requested_by if conference else None,
            url=f"{self.base_url}/{API_VERSION}/Accounts/{self.account_sid}/Recordings/{sid}",
            source=source,
            started_at=now,
            created_at=now,
            updated_at=now,
            status="in-progress",
            channels=channels,
            track=track,
            conference_sid=conference.sid if conference else None,
            voices=voices or ((call.sid,) if call else ()),
            callback=callback,
        )
        recording.joined = dict.fromkeys(recording.voices, now)
        self.recordings[sid] = recording
        return recording

    def make_recording(
        self,
        call: SimCall,
        *,
        duration: int,
        source: str,
        started_at: datetime,
        callback: CallbackSpec | None,
    ) -> SimRecording:
        """A recording that is over as soon as it exists (`<Record>`): `duration` long."""
        recording = self.new_recording(call=call, source=source, callback=callback)
        recording.started_at = started_at
        recording.spans.append(RecordedSpan(started_at, started_at + timedelta(seconds=duration)))
        self.note(call, "recording", recording.sid, duration=duration, source=source)
        self.recording_finish(recording, "completed", duration)
        return recording

    # -- live recordings ----------------------------------------------------------

    def recording_start(
        self,
        *,
        call: SimCall | None,
        source: str,
        callback: CallbackSpec | None,
        channels: int = 1,
        track: str = "both",
        conference: SimConference | None = None,
        voices: tuple[str, ...] = (),
    ) -> SimRecording:
        recording = self.new_recording(
            call=call,
            source=source,
            channels=channels,
            track=track,
            callback=callback,
            conference=conference,
            voices=voices,
        )
        recording.spans.append(RecordedSpan(recording.started_at))
        if call is not None:
            call.live_recordings.append(recording)
            self.note(call, "recording-start", recording.sid, source=source, channels=channels)
        self.recording_event(recording, "in-progress")
        return recording

    def recording_pause(self, recording: SimRecording, behavior: str) -> None:
        if recording.status != "in-progress":
            return
        now = self.now()
        recording.spans[-1].end = now
        if behavior == "silence":
            recording.spans.append(RecordedSpan(now, silent=True))
        recording.status, recording.pause_behavior, recording.updated_at = "paused", behavior, now
        self.recording_note(recording, "recording-pause", behavior=behavior)

    def recording_resume(self, recording: SimRecording) -> None:
        if recording.status != "paused":
            return
        now = self.now()
        if recording.spans and recording.spans[-1].end is None:
            recording.spans[-1].end = now  # the silence put in while paused
        recording.spans.append(RecordedSpan(now))
        recording.status, recording.pause_behavior, recording.updated_at = "in-progress", None, now
        self.recording_note(recording, "recording-resume")

    def recording_stop(self, recording: SimRecording) -> None:
        """Stopped, hung up or ended: completed with what it holds, or absent if empty."""
        if not recording.live:
            return
        now = self.now()
        if recording.spans and recording.spans[-1].end is None:
            recording.spans[-1].end = now
        duration = round(recording.recorded_seconds(now))
        call = self.calls.get(recording.call_sid or "")
        if call is not None and recording in call.live_recordings:
            call.live_recordings.remove(recording)
        self.recording_note(recording, "recording", duration=duration, source=recording.source)
        self.recording_finish(recording, "completed" if duration > 0 else "absent", duration)

    def recording_finish(self, recording: SimRecording, status: str, duration: int) -> None:
        recording.status, recording.duration, recording.updated_at = status, duration, self.now()
        self.recording_event(recording, status)

    def stop_call_recordings(self, call: SimCall) -> None:
        for recording in list(call.live_recordings):
            self.recording_stop(recording)

    def current_recording(self, call: SimCall) -> SimRecording | None:
        """What `Twilio.CURRENT` names: the call's most recent live recording."""
        return call.live_recordings[-1] if call.live_recordings else None

    def recording_note(self, recording: SimRecording, kind: str, **attrs: object) -> None:
        call = self.calls.get(recording.call_sid or "")
        if call is not None:
            self.note(call, kind, recording.sid, **attrs)

    # -- what was said -------------------------------------------------------------

    def recording_sentences(self, recording: SimRecording) -> list[dict[str, object]]:
        """The parties' lines the recording holds, as Twilio's Voice Intelligence returns
        a transcript's sentences: a dual-channel recording puts its first voice on channel
        1 and the others on 2 (as its media does); a mono one is told apart by speaker
        (diarization), numbered in the order they first speak. Lines said while paused
        with `skip`, before a party joined or was heard (the conference a recorded leg joins
        later) or after the end, are not in it."""
        said: list[tuple[float, int, str, float, float]] = []
        for index, voice in enumerate(recording.voices):
            call = self.calls.get(voice)
            lines = getattr(call.party, "lines", ()) if call is not None else ()
            joined = recording.joined.get(voice, recording.started_at)
            heard_from = recording.heard_from.get(voice, joined)
            for line in lines:
                when = joined + timedelta(seconds=line.at)
                offset = recording.media_offset(when) if when >= heard_from else None
                if offset is not None and offset < (recording.duration or 0):
                    channel = min(index, 1) + 1 if recording.channels == 2 else index
                    said.append((offset, channel, line.text, line.length, line.confidence))
        said.sort()
        if recording.channels != 2:
            speakers: dict[int, int] = {}
            said = [
                (start, speakers.setdefault(voice, len(speakers) + 1), text, length, conf)
                for start, voice, text, length, conf in said
            ]
        return [
            {
                "media_channel": channel,
                "sentence_index": index,
                "start_time": round(start, 2),
                "end_time": round(min(start + length, float(recording.duration or 0)), 2),
                "transcript": text,
                "confidence": confidence,
            }
            for index, (start, channel, text, length, confidence) in enumerate(said)
        ]

    # -- recording status callbacks -----------------------------------------------

    def recording_event(self, recording: SimRecording, status: str) -> None:
        spec = recording.callback
        if spec is None or status not in spec.events:
            return
        params = self.recording_callback_params(recording, status)
        delay = RECORDING_READY_SECONDS if status == "completed" else 0.0
        self.engine.at(delay, lambda: self.deliver_recording_event(recording, spec, params))

    def deliver_recording_event(
        self, recording: SimRecording, spec: CallbackSpec, params: dict[str, str]
    ) -> None:
        call = self.calls.get(recording.call_sid or "")
        if call is not None:
            self.post_ignored_to(call, spec.url, spec.method, params, "recording-status")
        else:
            self.engine.deliver("recording-status", spec.url, params, spec.method)

    def recording_callback_params(self, recording: SimRecording, status: str) -> dict[str, str]:
        params = {
            "AccountSid": self.account_sid,
            "RecordingSid": recording.sid,
            "RecordingUrl": recording.url,
            "RecordingStatus": status,
            "RecordingChannels": str(recording.channels),
            "RecordingSource": recording.source,
            "RecordingStartTime": rfc2822(recording.started_at) or "",
            "RecordingTrack": "inbound" if recording.source == "RecordVerb" else recording.track,
            "ErrorCode": "0",
        }
        if recording.call_sid:
            params["CallSid"] = recording.call_sid
        if recording.conference_sid:
            params["ConferenceSid"] = recording.conference_sid
        if status in ("completed", "absent"):
            params["RecordingDuration"] = str(recording.duration or 0)
        return params

    def recording_params(
        self, call: SimCall, recording: SimRecording | None, status: str
    ) -> dict[str, str]:
        """For `<Record>`'s in-progress and absent events, before any recording exists."""
        if recording is not None:
            return self.recording_callback_params(recording, status)
        return {
            "AccountSid": self.account_sid,
            "CallSid": call.sid,
            "RecordingStatus": status,
            "RecordingChannels": "1",
            "RecordingSource": "RecordVerb",
            "RecordingTrack": "inbound",
        }

    # -- Record -------------------------------------------------------------------

    def verb_record(self, call: SimCall, cursor: Cursor, verb: Element) -> bool:
        script = self.script_of(call)
        max_length = twiml.int_attr(verb, "maxLength", 3600)
        timeout = twiml.int_attr(verb, "timeout", 5)
        interactive = script is not None and script.interactive
        talk = (
            float(max_length)
            if interactive
            else min(script.speak_seconds if script else 0, max_length)
        )
        state = RecordState(
            cursor=cursor,
            action=twiml.resolve(cursor.url, verb.get("action")) or cursor.url,
            method=twiml.method_attr(verb),
            finish_on_key=verb.get("finishOnKey", "1234567890*#"),
            max_length=max_length,
            timeout=timeout,
            started_at=self.now(),
            talk=talk,
            callback=callback_spec(
                verb,
                "recordingStatusCallback",
                "recordingStatusCallbackEvent",
                "completed",
                "recordingStatusCallbackMethod",
            ),
        )
        call.record = state
        self.note(
            call,
            "record",
            "beep" if twiml.bool_attr(verb, "playBeep", True) else "",
            maxLength=max_length,
            timeout=timeout,
            finishOnKey=state.finish_on_key,
        )
        if state.callback is not None and "in-progress" in state.callback.events:
            params = self.recording_params(call, None, "in-progress")
            spec = state.callback
            self.engine.at(
                0, lambda: self.post_ignored_to(call, spec.url, spec.method, params, "recording")
            )
        # Interactive callers talk until they press a key; scripted ones for speak_seconds,
        # then stay silent until the silence timeout (trimmed from the recording).
        ends_in = (
            max_length if interactive or talk >= max_length else min(talk + timeout, max_length)
        )
        self.flow(call, ends_in, lambda: self.record_stop(call, state, talk, None))
        return True

    def record_key(self, call: SimCall, state: RecordState, digits: str) -> None:
        self.note(call, "digits", digits)
        key = next((d for d in digits if d in state.finish_on_key), None)
        if key is not None:
            self.record_stop(call, state, self.record_elapsed(state), key)

    def record_elapsed(self, state: RecordState) -> float:
        return min((self.now() - state.started_at).total_seconds(), state.talk)

    def record_stop(
        self,
        call: SimCall,
        state: RecordState,
        talked: float,
        digits: str | None,
        *,
        interrupted: bool = False,
    ) -> None:
        """End a recording: keep it unless empty, then the action (skipped when empty)."""
        if call.record is not state:
            return
        call.record = None
        duration = round(talked)
        self.note(call, "record", f"{duration} s", digits=digits)
        spec = state.callback
        if duration <= 0:
            if spec is not None and "absent" in spec.events:
                params = self.recording_params(call, None, "absent")
                self.engine.at(
                    0,
                    lambda: self.post_ignored_to(call, spec.url, spec.method, params, "recording"),
                )
            if not interrupted:
                self.proceed(call, None, "POST", {}, state.cursor)
            return
        recording = self.make_recording(
            call, duration=duration, source="RecordVerb", started_at=state.started_at, callback=spec
        )
        if interrupted and digits != "hangup":
            return  # redirected elsewhere: the recording is kept, the action is not requested
        params = {
            "RecordingUrl": recording.url,
            "RecordingDuration": str(duration),
            "RecordingSid": recording.sid,
        }
        if digits:
            params["Digits"] = digits
        self.proceed(call, state.action, state.method, params, state.cursor, purpose="record")
