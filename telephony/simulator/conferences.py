"""Conferences: `<Dial><Conference>`, REST participants (hold, mute, coach, remove), endings.

A conference is "init" until a participant with startConferenceOnEnter (the default)
joins, "in-progress" while it runs, and "completed" when the last participant leaves or
one with endConferenceOnExit does (or REST ends it). A participant who came in through
`<Dial>` continues after the Dial (its action) when leaving; one added over REST hangs
up. Who hears whom follows Twilio's mixing (`SimConference.heard_by`): held and muted
lines are heard by nobody, a coach only by the agent coached. `record="record-from-start"`
(or REST `ConferenceRecord`) records the conference from its start to its end.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from . import twiml
from .calls import callback_spec
from .dialing import Dialing, DialState
from .state import CallbackSpec, SimCall, SimConference, SimParticipant, rfc2822, whole_seconds

# statusCallbackEvent names (TwiML) for each StatusCallbackEvent value Twilio sends.
EVENT_GROUPS = {
    "conference-start": "start",
    "conference-end": "end",
    "participant-join": "join",
    "participant-leave": "leave",
    "participant-mute": "mute",
    "participant-unmute": "mute",
    "participant-hold": "hold",
    "participant-unhold": "hold",
    "participant-modify": "modify",
}


class Conferencing(Dialing):
    def conference_named(self, name: str) -> SimConference | None:
        """The live conference of that name (a finished one is never reused)."""
        return next(
            (
                c
                for c in self.conferences.values()
                if c.friendly_name == name and c.status != "completed"
            ),
            None,
        )

    def open_conference(self, name: str) -> SimConference:
        now = self.now()
        conference = SimConference(self.engine.sid("CF"), name, now, now)
        self.conferences[conference.sid] = conference
        return conference

    def dial_conference(self, call: SimCall, dial: DialState, noun: Element) -> None:
        name = twiml.text_of(noun)
        conference = self.conference_named(name) or self.open_conference(name)
        now = self.now()
        participant = SimParticipant(
            call=call,
            conference=conference,
            created_at=now,
            updated_at=now,
            muted=twiml.bool_attr(noun, "muted", False),
            coaching=twiml.bool_attr(noun, "coach", False) or bool(noun.get("callSidToCoach")),
            call_sid_to_coach=noun.get("callSidToCoach"),
            start_conference_on_enter=twiml.bool_attr(noun, "startConferenceOnEnter", True),
            end_conference_on_exit=twiml.bool_attr(noun, "endConferenceOnExit", False),
        )
        participant.dial = dial
        conference.status_callback = conference.status_callback or callback_spec(
            noun, "statusCallback", "statusCallbackEvent", "start end", "statusCallbackMethod"
        )
        if noun.get("record", "do-not-record") == "record-from-start":
            self.conference_record(
                conference,
                call,
                callback_spec(
                    noun,
                    "recordingStatusCallback",
                    "recordingStatusCallbackEvent",
                    "completed",
                    "recordingStatusCallbackMethod",
                ),
            )
        self.join(conference, participant)

    def conference_record(
        self, conference: SimConference, call: SimCall, callback: CallbackSpec | None
    ) -> None:
        """A participant asks for the conference to be recorded from its start."""
        if conference.record_requested_by is None:
            conference.record_requested_by = call.sid
            conference.recording_callback = callback

    def conference_recording_start(self, conference: SimConference) -> None:
        if conference.record_requested_by is None or conference.recording is not None:
            return
        conference.recording = self.recording_start(
            call=None,
            source="Conference",
            callback=conference.recording_callback,
            conference=conference,
            voices=tuple(p.call.sid for p in conference.heard_by_everyone()),
        )

    def join(self, conference: SimConference, participant: SimParticipant) -> None:
        call = participant.call
        conference.pending.pop(call.sid, None)
        if conference.status == "completed":
            # Answered too late: nothing left to join, the participant's call is dropped.
            participant.status = "complete"
            call.participant = None
            self.hang_up(call, "conference already ended")
            return
        conference.participants[call.sid] = participant
        participant.status = "connected"
        participant.joined_at = self.now()
        call.participant = participant
        self.note(
            call,
            "conference",
            conference.friendly_name,
            muted=participant.muted,
            coaching=participant.coaching,
            startConferenceOnEnter=participant.start_conference_on_enter,
            endConferenceOnExit=participant.end_conference_on_exit,
        )
        self.conference_event(conference, "participant-join", participant)
        if conference.status == "init" and participant.start_conference_on_enter:
            conference.status = "in-progress"
            conference.updated_at = self.now()
            self.conference_event(conference, "conference-start", None)
        if conference.status == "in-progress":
            self.conference_recording_start(conference)
        recording = conference.recording
        if recording is not None and call.sid not in recording.voices:
            if participant in conference.heard_by_everyone():
                recording.voices += (call.sid,)  # a new voice in the mix from now on
                recording.joined[call.sid] = self.now()
        elif conference.status == "init":
            self.note(call, "conference-wait", conference.friendly_name)
        self.legs_hear(conference)

    def legs_hear(self, conference: SimConference) -> None:
        """A call leg recorded on its own (Calls/{sid}/Recordings, a participant's Record)
        holds whom it hears in the conference, its second channel when dual: each voice
        timed from when they joined the conference, as their lines are."""
        for listener in list(conference.participants.values()):
            for recording in listener.call.live_recordings:
                for speaker in conference.heard_by(listener):
                    if speaker.call.sid not in recording.voices:
                        recording.voices += (speaker.call.sid,)
                        recording.joined[speaker.call.sid] = speaker.joined_at or self.now()
                        recording.heard_from[speaker.call.sid] = self.now()

    def leave_conference(
        self, participant: SimParticipant, reason: str, *, resume: bool = True
    ) -> None:
        """Take a participant out; `resume=False` when a REST redirect takes the call."""
        call, conference = participant.call, participant.conference
        if call.participant is participant:
            call.participant = None
        if conference.pending.pop(call.sid, None) is participant:
            participant.status = "failed" if call.status in ("busy", "failed") else "complete"
            return
        if conference.participants.get(call.sid) is not participant:
            return
        del conference.participants[call.sid]
        participant.status = "complete"
        self.note(call, "conference-leave", conference.friendly_name, reason=reason)
        self.conference_event(conference, "participant-leave", participant)
        dial = participant.dial
        if dial is not None:
            if resume:
                seconds = whole_seconds(participant.joined_at or call.started_at, self.now())
                params = {
                    "DialCallStatus": "completed",
                    "DialCallDuration": str(seconds),
                    "DialBridged": "true",
                }
                self.dial_done(call, dial, params)
            else:
                call.dial = None
        elif resume:
            self.hang_up(call, "left the conference")
        if conference.status != "completed" and (
            participant.end_conference_on_exit or not conference.participants
        ):
            reason = (
                "participant-with-end-conference-on-exit-left"
                if participant.end_conference_on_exit
                else "last-participant-left"
            )
            self.end_conference(conference, reason, call.sid)

    def end_conference(
        self, conference: SimConference, reason: str, ending_call_sid: str | None
    ) -> None:
        if conference.status == "completed":
            return
        conference.status = "completed"
        conference.reason_ended = reason
        conference.call_sid_ending = ending_call_sid
        conference.updated_at = self.now()
        for participant in list(conference.participants.values()):
            self.leave_conference(participant, "conference ended")
        for participant in list(conference.pending.values()):
            self.finish(participant.call, "canceled", "conference ended")
        if conference.recording is not None:
            self.recording_stop(conference.recording)
        self.conference_event(conference, "conference-end", None)

    def conference_event(
        self, conference: SimConference, event: str, participant: SimParticipant | None
    ) -> None:
        spec = conference.status_callback
        if spec is None or EVENT_GROUPS[event] not in spec.events:
            return
        params = {
            "AccountSid": self.account_sid,
            "ConferenceSid": conference.sid,
            "FriendlyName": conference.friendly_name,
            "StatusCallbackEvent": event,
            "Timestamp": rfc2822(self.now()) or "",
            "SequenceNumber": str(conference.sequence),
        }
        conference.sequence += 1
        if participant is not None:
            params.update(
                CallSid=participant.call.sid,
                Muted=str(participant.muted).lower(),
                Hold=str(participant.hold).lower(),
                Coaching=str(participant.coaching).lower(),
                EndConferenceOnExit=str(participant.end_conference_on_exit).lower(),
                StartConferenceOnEnter=str(participant.start_conference_on_enter).lower(),
            )
        if event == "conference-end":
            params["ReasonConferenceEnded"] = conference.reason_ended or ""
            params["CallSidEndingConference"] = conference.call_sid_ending or ""
        self.engine.at(0, lambda: self.deliver_conference_event(conference, spec, params))

    def deliver_conference_event(
        self, conference: SimConference, spec: CallbackSpec, params: dict[str, str]
    ) -> None:
        conference.trace.append(
            self.engine.deliver("conference-status", spec.url, params, spec.method)
        )

    # -- REST ---------------------------------------------------------------------

    def add_participant(
        self,
        conference: SimConference,
        *,
        from_: str,
        to: str,
        timeout: int,
        status_callback: CallbackSpec | None,
        options: dict[str, object],
        record: bool = False,
        recording_callback: CallbackSpec | None = None,
    ) -> SimParticipant:
        """Dial `to` and put it in the conference when it answers (Participants.json POST)."""
        call = self.new_call(
            direction="outbound-api", from_=from_, to=to, status="queued", party=self.party_for(to)
        )
        call.status_callback = status_callback
        now = self.now()
        participant = SimParticipant(
            call=call, conference=conference, created_at=now, updated_at=now
        )
        for name, value in options.items():
            setattr(participant, name, value)
        participant.coaching = participant.coaching or bool(participant.call_sid_to_coach)
        conference.pending[call.sid] = participant
        call.participant = participant

        def answered(kind: str) -> None:
            self.answer(call)
            if record:
                # Record=true on a participant records its own leg, as a REST call's would.
                self.recording_start(
                    call=call,
                    source="OutboundAPI",
                    callback=recording_callback,
                    voices=(call.sid, conference.sid),
                )
            self.join(conference, participant)

        self.party_timer(
            call,
            self.dial_slot(),
            lambda: self.place(
                call, timeout, answered, lambda status: self.finish(call, status, status)
            ),
        )
        return participant

    def announce_to(self, participant: SimParticipant, url: str, method: str) -> None:
        """AnnounceUrl on a participant: its TwiML (Say, Play, Pause, Redirect) is played to
        that leg alone, which stays in the conference, heard by the others as before."""
        call = participant.call
        params = {"ConferenceSid": participant.conference.sid}
        self.note(call, "announce", url)
        self.engine.at(
            0,
            lambda: self.goto(call, url, method, params, context="announce", purpose="announce"),
        )

    def update_participant(self, participant: SimParticipant, changes: dict[str, object]) -> None:
        call, conference = participant.call, participant.conference
        before = {name: getattr(participant, name) for name in changes}
        for name, value in changes.items():
            setattr(participant, name, value)
        for name, value in changes.items():
            if before[name] == value:
                continue
            if name == "hold":
                self.note(call, "hold" if value else "unhold", participant.hold_url or "")
                event = "participant-hold" if value else "participant-unhold"
                self.conference_event(conference, event, participant)
            elif name == "muted":
                self.note(call, "mute" if value else "unmute")
                event = "participant-mute" if value else "participant-unmute"
                self.conference_event(conference, event, participant)
            elif name in ("coaching", "call_sid_to_coach"):
                self.note(
                    call, "coach", str(participant.call_sid_to_coach or ""), on=participant.coaching
                )
        participant.updated_at = self.now()
        self.legs_hear(conference)
