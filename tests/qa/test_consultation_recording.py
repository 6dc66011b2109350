"""A consultation is recorded as a linked part of the call's recording, through the simulator.

Ava (California) calls the billing line, which records every call. Alex asks Bea, a
colleague, about her refund while Ava holds: that consultation is recorded on Alex's leg,
a part linked to Ava's conversation, paused with it while Alex reads out the card number,
stored, playable (audited), transcribed (Alex and Bea, not the hold music) and never
scored by automated QA. Ben refused recording: consulting about his call records nothing.
An outside number consulted is told first, as the line's callers are, and recorded only
after. Replayed and unknown recording callbacks change nothing.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
import time_machine
from django.urls import reverse

from crm import services as crm_services
from crm.models import Customer
from qa import tasks
from qa.models import AutoQaScore, QaRule, RecordingAccess, RecordingMedia, Transcript
from telephony.models import AgentProfile, Call, QueueEntry, Recording
from telephony.simulator import CalledParty, CallerScript, Line
from tests.qa.conftest import billing_agent, wav_channels
from tests.telephony.conftest import OUR_NUMBER

pytestmark = pytest.mark.django_db(transaction=True)

MONDAY_10AM = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
AVA, BEN = "+14155550142", "+14155550143"  # both in California
SUPPLIER = "+14155550199"  # an outside number, in California too
# Alex's lines, from when Alex joins the conference (a few seconds after the call starts):
# Alex consults at 30 s of the call, pauses at 50 s and resumes at 70 s, hands over at 90 s.
ALEX_LINES = (
    Line(5, "Thank you for calling, this is Alex."),
    Line(30, "Bea, can you approve a refund for Ava?"),
    Line(50, "Her card number is four one one one."),  # while paused
    Line(70, "Thanks, I will hand her over."),
)
BEA_LINES = (
    Line(14, "Sure, send her over."),
    Line(70, "Hello Ava, this is Bea."),  # with Ava, after the hand-over
)
AVA_LINES = (Line(3, "Hi, I want a refund."),)


def _customer(name: str, number: str, consent: str) -> Customer:
    customer = crm_services.customer_create(name=name, phone_numbers=[{"number": number}])
    Customer.objects.filter(pk=customer.pk).update(recording_consent=consent)
    return customer


def _agent(simulator, name: str, lines: tuple[Line, ...] = (), user=None) -> AgentProfile:
    return billing_agent(
        simulator,
        name,
        lines,
        idle_since=MONDAY_10AM - dt.timedelta(minutes=5),
        talk_seconds=150,
        user=user,
    )


class Desk:
    """An agent's desk, its controls posted as the page posts them."""

    def __init__(self, client, traveller, simulator):
        self.client, self.traveller, self.simulator = client, traveller, simulator

    def wait(self, seconds: float) -> None:
        self.simulator.run(seconds)
        self.traveller.shift(dt.timedelta(seconds=seconds))

    def control(self, action: str, **targets: object) -> None:
        answer = self.client.post(
            reverse("telephony:desk_call_control"), {"action": action, **targets}
        )
        assert answer.status_code == 200 and "errorlist" not in answer.content.decode()


def test_a_consultation_with_a_colleague_is_a_linked_part_paused_stored_played_not_scored(
    simulator, recorded_line, client_as, qa_analyst, agent, other_agent, supervisor
):
    QaRule.objects.create(
        name="greeting", kind=QaRule.Kind.EARLY, phrases="thank you for calling", seconds=10
    )
    _customer("Ava Chen", AVA, Customer.RecordingConsent.UNKNOWN)
    alex = _agent(simulator, "alex", ALEX_LINES, user=agent)
    bea = _agent(simulator, "bea", BEA_LINES, user=other_agent)  # Bea Novak

    with time_machine.travel(MONDAY_10AM, tick=False) as traveller:
        desk = Desk(client_as(alex.user), traveller, simulator)
        ava = simulator.dial_in(
            from_=AVA, to=OUR_NUMBER, script=CallerScript(inputs=["1"], lines=AVA_LINES)
        )
        desk.wait(30)
        desk.control("consult", to_agent=bea.pk)
        desk.wait(20)
        desk.control("pause_recording")
        desk.wait(20)
        desk.control("resume_recording")
        desk.wait(20)
        desk.control("complete")
        desk.wait(400)
    assert ava.application_errors == []

    call = Call.objects.get(sid=ava.sid)
    first = QueueEntry.objects.get(call=call, transferred_from=None)
    conversation, consultation = Recording.objects.filter(call=call).order_by("created_at")

    # Two parts of one call's recording, in order: Ava's leg, then Alex's while she held.
    assert (conversation.part, conversation.call_leg_sid) == ("conversation", ava.sid)
    assert (consultation.part, consultation.part_of, consultation.consulted) == (
        "consultation",
        conversation,
        "Bea Novak",
    )
    assert (consultation.call_leg_sid, consultation.channels, consultation.status) == (
        first.agent_call_sid,
        2,
        "completed",
    )
    assert consultation.entry == first and consultation.policy == conversation.policy
    assert conversation.started_at < consultation.started_at < consultation.completed_at
    assert consultation.completed_at <= conversation.completed_at
    assert consultation.duration_seconds > 0

    # The desk's pause paused both parts: Ava's leg (hold music) and the consultation.
    for part in (conversation, consultation):
        pause = part.pauses.get()
        assert (pause.paused_by, pause.resumed_by, pause.seconds) == (alex.user, alex.user, 20)

    # The consultation's media is stored: a real two-channel WAV, Alex on one, Bea the other.
    media = RecordingMedia.objects.get(recording=consultation)
    assert media.state == "stored"
    with media.file.open("rb") as stored:
        count, (alex_side, bea_side) = wav_channels(stored.read())
    assert count == 2 and alex_side != bea_side and any(bea_side)
    assert len(alex_side) == consultation.duration_seconds * 8000 * 2
    assert RecordingMedia.objects.get(recording=conversation).state == "stored"

    # Transcribed by channel: Alex and Bea, the card number left out, Ava not in it.
    transcript = Transcript.objects.get(recording=consultation)
    assert transcript.state == "done"
    assert [(u.speaker, u.text) for u in transcript.utterances.all()] == [
        ("agent", "Bea, can you approve a refund for Ava?"),
        ("consult", "Sure, send her over."),
        ("agent", "Thanks, I will hand her over."),
    ]
    # Automated QA judges how Ava was served: her conversation is scored, the part not.
    assert AutoQaScore.objects.filter(transcript__recording=conversation).exists()
    assert not AutoQaScore.objects.filter(transcript__recording=consultation).exists()

    # The call's page shows the parts in order with their times; a seek is audited.
    listener = client_as(qa_analyst)
    page = listener.get(reverse("qa:call_detail", args=[call.pk])).content.decode()
    assert page.index("Caller conversation") < page.index("Consultation with Bea Novak")
    assert f"recording-{consultation.pk}" in page and "while the caller was on hold" in page
    seek = listener.get(
        reverse("qa:recording_media", args=[consultation.pk]), headers={"Range": "bytes=44-143"}
    )
    assert (seek.status_code, len(b"".join(seek.streaming_content))) == (206, 100)
    assert list(RecordingAccess.objects.filter(recording=consultation).values_list("user")) == [
        (qa_analyst.pk,)
    ]
    # Bea took part: she may hear it as her own; a supervisor of no team of theirs may not.
    media_url = reverse("qa:recording_media", args=[consultation.pk])
    assert client_as(bea.user).get(media_url).status_code == 200
    assert client_as(supervisor).get(media_url).status_code == 404

    # Retention takes the part's media with the conversation's; rows and audit stay.
    with time_machine.travel(media.expires_at + dt.timedelta(minutes=1)):
        assert tasks.recording_retention_purge() == 2
    media.refresh_from_db()
    assert media.state == "deleted"
    assert RecordingAccess.objects.filter(recording=consultation).count() == 2


def test_refused_recording_records_no_consultation_either(simulator, recorded_line, client_as):
    _customer("Ben Ortiz", BEN, Customer.RecordingConsent.REFUSED)
    alex = _agent(simulator, "alex", ALEX_LINES)
    bea = _agent(simulator, "bea", BEA_LINES)
    with time_machine.travel(MONDAY_10AM, tick=False) as traveller:
        desk = Desk(client_as(alex.user), traveller, simulator)
        ben = simulator.dial_in(from_=BEN, to=OUR_NUMBER, script=CallerScript(inputs=["1"]))
        desk.wait(30)
        desk.control("consult", to_agent=bea.pk)
        desk.wait(30)
        desk.control("complete")
        desk.wait(300)
    assert ben.application_errors == []
    call = Call.objects.get(sid=ben.sid)
    assert call.recording_decision == "refused"
    assert QueueEntry.objects.get(transferred_from__call=call).status == "done"
    assert not Recording.objects.filter(call=call).exists()
    legs = {ben.sid} | set(
        QueueEntry.objects.filter(call=call).values_list("agent_call_sid", flat=True)
    )
    assert not [r for r in simulator.recordings.values() if r.call_sid in legs]


def test_an_outside_number_is_told_first_and_recorded_only_after(
    simulator, recorded_line, client_as
):
    _customer("Ava Chen", AVA, Customer.RecordingConsent.UNKNOWN)
    alex = _agent(simulator, "alex", (Line(30, "Hello, this is Alex from billing."),))
    simulator.set_party(
        SUPPLIER,
        CalledParty(
            answer="human",
            talk_seconds=40,
            lines=(Line(1, "Hello?"), Line(15, "Yes, the refund is approved.")),
        ),
    )
    with time_machine.travel(MONDAY_10AM, tick=False) as traveller:
        desk = Desk(client_as(alex.user), traveller, simulator)
        ava = simulator.dial_in(
            from_=AVA, to=OUR_NUMBER, script=CallerScript(inputs=["1"], lines=AVA_LINES)
        )
        desk.wait(30)
        desk.control("consult", to_number=SUPPLIER)
        desk.wait(25)
        desk.control("cancel")  # back to Ava: the part stops, her conversation goes on
        desk.wait(300)
    assert ava.application_errors == []

    call = Call.objects.get(sid=ava.sid)
    conversation, consultation = Recording.objects.filter(call=call).order_by("created_at")
    assert (consultation.part, consultation.part_of, consultation.consulted) == (
        "consultation",
        conversation,
        SUPPLIER,
    )
    supplier = next(c for c in simulator.calls.values() if c.to == SUPPLIER)
    told = next(e for e in supplier.transcript if e.kind == "say")
    assert told.text == recorded_line.recording_announcement
    # Recorded from the end of the announcement: the first "Hello?" is not in it.
    sim_part = simulator.recordings[consultation.sid]
    assert sim_part.started_at > told.at
    # Called off after 25 s: the part stopped then, Ava's conversation went on after it.
    assert sim_part.status == "completed" and consultation.duration_seconds < 25
    assert simulator.recordings[conversation.sid].updated_at > sim_part.updated_at
    transcript = Transcript.objects.get(recording=consultation)
    assert [(u.speaker, u.text) for u in transcript.utterances.all()] == [
        ("agent", "Hello, this is Alex from billing."),
        ("consult", "Yes, the refund is approved."),
    ]
    assert RecordingMedia.objects.get(recording=consultation).state == "stored"


def test_replayed_and_unknown_part_callbacks_change_nothing(
    simulator, recorded_line, client_as, twilio_post
):
    _customer("Ava Chen", AVA, Customer.RecordingConsent.UNKNOWN)
    alex = _agent(simulator, "alex", ALEX_LINES)
    bea = _agent(simulator, "bea", BEA_LINES)
    with time_machine.travel(MONDAY_10AM, tick=False) as traveller:
        desk = Desk(client_as(alex.user), traveller, simulator)
        ava = simulator.dial_in(from_=AVA, to=OUR_NUMBER, script=CallerScript(inputs=["1"]))
        desk.wait(30)
        desk.control("consult", to_agent=bea.pk)
        desk.wait(30)
        desk.control("complete")
        desk.wait(300)
    consultation = Recording.objects.get(call__sid=ava.sid, part="consultation")
    before = (consultation.status, consultation.duration_seconds, consultation.completed_at)
    delivered = [
        exchange
        for exchange in simulator.calls[consultation.call_leg_sid].trace
        if exchange.purpose == "recording-status"
    ]
    assert [e.params["RecordingStatus"] for e in delivered] == ["in-progress", "completed"]
    completed = delivered[-1]
    path = urlsplit(completed.url)
    path = f"{path.path}?{path.query}"
    for status in ("completed", "in-progress"):  # Twilio's retry, then a late start
        replay = twilio_post(path, {**completed.params, "RecordingStatus": status})
        assert replay.status_code == 204
    consultation.refresh_from_db()
    assert (consultation.status, consultation.duration_seconds, consultation.completed_at) == before
    assert RecordingMedia.objects.filter(recording=consultation).count() == 1
    assert Recording.objects.filter(call__sid=ava.sid).count() == 2
    # A recording of a call nobody knows: answered, nothing written.
    unknown = {
        **completed.params,
        "RecordingSid": "RE" + "0" * 32,
        "CallSid": "CA" + "0" * 32,
    }
    unknown_path = reverse("telephony:recording_status") + "?entry=999999"
    assert twilio_post(unknown_path, unknown).status_code == 204
    assert not Recording.objects.filter(sid=unknown["RecordingSid"]).exists()


def test_a_consultation_begun_while_paused_starts_paused_and_resumes_with_the_call(
    simulator, recorded_line, client_as
):
    _customer("Ava Chen", AVA, Customer.RecordingConsent.UNKNOWN)
    alex = _agent(simulator, "alex", ALEX_LINES)
    bea = _agent(simulator, "bea", BEA_LINES)
    with time_machine.travel(MONDAY_10AM, tick=False) as traveller:
        desk = Desk(client_as(alex.user), traveller, simulator)
        ava = simulator.dial_in(from_=AVA, to=OUR_NUMBER, script=CallerScript(inputs=["1"]))
        desk.wait(25)
        desk.control("pause_recording")  # Ava reads out her card number
        desk.wait(5)
        desk.control("consult", to_agent=bea.pk)
        desk.wait(25)
        consultation = Recording.objects.get(call__sid=ava.sid, part="consultation")
        assert (consultation.status, simulator.recordings[consultation.sid].status) == (
            "paused",
            "paused",
        )
        desk.control("resume_recording")
        desk.wait(10)
        desk.control("complete")
        desk.wait(300)
    assert ava.application_errors == []
    conversation = Recording.objects.get(call__sid=ava.sid, part="conversation")
    consultation.refresh_from_db()
    assert conversation.pauses.get().seconds == 30
    pause = consultation.pauses.get()
    assert (pause.paused_by, pause.resumed_by) == (alex.user, alex.user)
    assert 20 <= pause.seconds <= 25  # from the part's start until the resume
    assert consultation.status == "completed" and consultation.duration_seconds <= 12


def test_announcement_and_record_webhooks_of_an_unknown_consultation_say_and_record_nothing(
    db, twilio_post
):
    params = {"CallSid": "CA" + "1" * 32, "AccountSid": "AC" + "1" * 32}
    for name in ("telephony:acd_consult_announce", "telephony:acd_consult_record"):
        answer = twilio_post(reverse(name, args=[999999]) + "?to=14155550199", params)
        assert answer.status_code == 200
        assert list(answer.twiml) == []  # an empty <Response/>: nothing said
    assert not Recording.objects.exists()
