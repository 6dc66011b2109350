"""<Dial> to numbers and clients, REST-created calls, AMD, REST updates, status callbacks."""

from __future__ import annotations

import pytest
from twilio.rest import Client

from telephony.simulator import CallbackChaos, CalledParty, CallerScript

from .conftest import ACCOUNT_SID, APP, AUTH_TOKEN, CALLER, OUR_NUMBER, START, twiml

CUSTOMER = "+12125550199"
DIAL = twiml(
    f'<Dial action="{APP}/dial-done" timeout="20" callerId="{OUR_NUMBER}">{CUSTOMER}</Dial>',
    "<Say>never reached</Say>",
)


@pytest.mark.parametrize(
    ("party", "status", "at"),
    [
        (CalledParty(answer="busy"), "busy", 2),
        (CalledParty(answer="no-answer"), "no-answer", 20),
        (CalledParty(answer="human", ring_seconds=25), "no-answer", 20),
        (CalledParty(answer="failed"), "failed", 0),
    ],
)
def test_dial_number_unanswered(sim, app, party, status, at):
    app.routes["/voice"] = DIAL
    app.routes["/dial-done"] = twiml("<Hangup/>")
    sim.set_party(CUSTOMER, party)

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run()

    done = app.to("/dial-done")[0]
    assert (done["DialCallStatus"], done["DialBridged"], done["DialCallDuration"]) == (
        status,
        "false",
        "0",
    )
    leg = sim.calls[done["DialCallSid"]]
    assert (leg.status, leg.direction, leg.parent_sid) == (status, "outbound-dial", call.sid)
    assert (leg.ended_at - START).total_seconds() == at
    assert "never reached" not in call.said


def test_dial_number_answered_bridges_for_the_talk_time(sim, app):
    app.routes["/voice"] = DIAL
    app.routes["/dial-done"] = twiml("<Say>Call over</Say>")
    sim.set_party(CUSTOMER, CalledParty(answer="human", ring_seconds=4, talk_seconds=90))

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run()

    done = app.to("/dial-done")[0]
    assert done["DialCallStatus"] == "completed"
    assert done["DialCallDuration"] == "90"
    assert done["DialBridged"] == "true"
    leg = sim.calls[done["DialCallSid"]]
    assert (leg.from_, leg.to, leg.duration) == (OUR_NUMBER, CUSTOMER, 90)
    assert call.said == "Call over"
    assert call.kinds().count("bridge") == 1


def test_dial_without_action_runs_the_next_verb(sim, app):
    app.routes["/voice"] = twiml(f"<Dial>{CUSTOMER}</Dial><Say>After dial</Say>")
    sim.set_party(CUSTOMER, CalledParty(answer="busy"))

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run()

    assert call.said == "After dial"


def test_caller_hanging_up_ends_the_bridge_and_the_action_is_still_requested(sim, app):
    app.routes["/voice"] = DIAL
    app.routes["/dial-done"] = twiml("<Say>ignored</Say>")
    sim.set_party(CUSTOMER, CalledParty(ring_seconds=5, talk_seconds=600))

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(hang_up_after=35))
    sim.run()

    done = app.to("/dial-done")[0]
    assert (done["CallStatus"], done["DialCallDuration"]) == ("completed", "30")
    leg = sim.calls[done["DialCallSid"]]
    assert leg.status == "completed" and leg.duration == 30
    assert call.said == ""


def test_dial_client_rings_a_registered_identity(sim, app):
    app.routes["/voice"] = twiml(
        f'<Dial action="{APP}/dial-done"><Client>agent-alex</Client></Dial>'
    )
    app.routes["/dial-done"] = twiml("<Hangup/>")
    sim.register_client("agent-alex", CalledParty(ring_seconds=3, talk_seconds=40))

    sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run()

    done = app.to("/dial-done")[0]
    assert done["DialCallStatus"] == "completed"
    assert sim.calls[done["DialCallSid"]].to == "client:agent-alex"


def test_dial_unregistered_client_rings_out(sim, app):
    app.routes["/voice"] = twiml(
        f'<Dial timeout="15" action="{APP}/dial-done"><Client>nobody</Client></Dial>'
    )
    app.routes["/dial-done"] = twiml("<Hangup/>")

    sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run()

    assert app.to("/dial-done")[0]["DialCallStatus"] == "no-answer"


def test_person_at_a_softphone_rings_until_answered_then_stays(make_sim, app):
    sim = make_sim(default_client=CalledParty(answer="person"))
    app.routes["/voice"] = twiml(
        f'<Dial timeout="30" action="{APP}/dial-done"><Client>agent-alex</Client></Dial>'
    )
    app.routes["/dial-done"] = twiml("<Hangup/>")

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run(10)
    leg = next(c for c in sim.calls.values() if c.to == "client:agent-alex")
    assert leg.status == "ringing"
    sim.answer(leg.sid)
    sim.run(3600)  # a person never hangs up by themselves

    assert leg.status == "in-progress"
    assert not app.to("/dial-done")
    sim.hang_up(call.sid)
    sim.run()
    assert app.to("/dial-done")[0]["DialCallStatus"] == "completed"


@pytest.mark.parametrize(("act", "status"), [("reject", "busy"), (None, "no-answer")])
def test_person_at_a_softphone_rejects_or_lets_it_ring_out(make_sim, app, act, status):
    sim = make_sim(default_client=CalledParty(answer="person"))
    app.routes["/voice"] = twiml(
        f'<Dial timeout="20" action="{APP}/dial-done"><Client>agent-alex</Client></Dial>'
    )
    app.routes["/dial-done"] = twiml("<Hangup/>")

    sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run(5)
    leg = next(c for c in sim.calls.values() if c.to == "client:agent-alex")
    if act:
        getattr(sim, act)(leg.sid)
    sim.run()

    assert app.to("/dial-done")[0]["DialCallStatus"] == status
    with pytest.raises(ValueError, match="not ringing"):
        sim.answer(leg.sid)


def test_simultaneous_dial_first_answer_wins(sim, app):
    app.routes["/voice"] = twiml(
        f'<Dial action="{APP}/dial-done"><Number>+15550000001</Number>'
        "<Number>+15550000002</Number></Dial>"
    )
    app.routes["/dial-done"] = twiml("<Hangup/>")
    sim.set_party("+15550000001", CalledParty(ring_seconds=8))
    sim.set_party("+15550000002", CalledParty(ring_seconds=3, talk_seconds=10))

    sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run()

    done = app.to("/dial-done")[0]
    assert sim.calls[done["DialCallSid"]].to == "+15550000002"
    slow = next(c for c in sim.calls.values() if c.to == "+15550000001")
    assert slow.status == "canceled"


def test_rest_call_status_callbacks_in_order_with_sequence_numbers(sim, app, sdk):
    app.routes["/outbound"] = twiml("<Say>Hello from us</Say>")
    sim.set_party(CUSTOMER, CalledParty(ring_seconds=6, talk_seconds=30))

    created = sdk.calls.create(
        to=CUSTOMER,
        from_=OUR_NUMBER,
        url=f"{APP}/outbound",
        status_callback=f"{APP}/progress",
        status_callback_event=["initiated", "ringing", "answered", "completed"],
    )
    sim.run()

    assert created.status == "queued" and created.direction == "outbound-api"
    progress = app.to("/progress")
    assert [p["CallStatus"] for p in progress] == [
        "initiated",
        "ringing",
        "in-progress",
        "completed",
    ]
    assert [p["SequenceNumber"] for p in progress] == ["0", "1", "2", "3"]
    assert {p["CallbackSource"] for p in progress} == {"call-progress-events"}
    assert progress[-1]["CallDuration"] == "1"  # three words, then the TwiML ends
    assert progress[-1]["Timestamp"] == "Mon, 03 Mar 2025 09:00:07 +0000"
    voice = app.to("/outbound")[0]
    assert (voice["CallStatus"], voice["Direction"]) == ("in-progress", "outbound-api")
    assert sdk.calls(created.sid).fetch().status == "completed"


def test_rest_call_to_a_busy_number_only_completes(sim, app, sdk):
    sim.set_party(CUSTOMER, CalledParty(answer="busy"))

    created = sdk.calls.create(
        to=CUSTOMER, from_=OUR_NUMBER, url=f"{APP}/outbound", status_callback=f"{APP}/progress"
    )
    sim.run()

    assert [p["CallStatus"] for p in app.to("/progress")] == ["busy"]
    assert app.to("/outbound") == []
    assert sim.calls[created.sid].status == "busy"


def test_party_probabilities_are_seeded(make_sim):
    mix = CalledParty(probabilities={"human": 0.3, "machine": 0.2, "busy": 0.1, "no-answer": 0.4})

    def outcomes(seed):
        sim = make_sim(seed=seed, default_party=mix)
        sdk = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=sim.sdk_http_client())
        sids = [
            sdk.calls.create(to=f"+1555000{i:04d}", from_=OUR_NUMBER, twiml="<Response/>").sid
            for i in range(40)
        ]
        sim.run()
        return [sim.calls[sid].status for sid in sids]

    first = outcomes(7)
    assert first == outcomes(7)
    assert set(first) == {"completed", "busy", "no-answer"}


@pytest.mark.parametrize(
    ("mode", "answer", "answered_by", "delay"),
    [
        ("Enable", "human", "human", 3),
        ("Enable", "machine", "machine_start", 3),
        ("DetectMessageEnd", "machine", "machine_end_beep", 12),
        ("DetectMessageEnd", "human", "human", 3),
    ],
)
def test_machine_detection_sets_answered_by_before_fetching(
    sim, app, sdk, mode, answer, answered_by, delay
):
    app.routes["/outbound"] = twiml("<Hangup/>")
    sim.set_party(CUSTOMER, CalledParty(answer=answer, ring_seconds=5, greeting_seconds=12))

    created = sdk.calls.create(
        to=CUSTOMER, from_=OUR_NUMBER, url=f"{APP}/outbound", machine_detection=mode
    )
    sim.run()

    call = sim.calls[created.sid]
    fetch = next(e for e in call.trace if e.purpose == "voice")
    assert fetch.params["AnsweredBy"] == answered_by
    assert (fetch.at - call.answered_at).total_seconds() == delay
    assert sdk.calls(created.sid).fetch().answered_by == answered_by


def test_async_amd_fetches_at_once_and_reports_later(sim, app, sdk):
    app.routes["/outbound"] = twiml('<Pause length="30"/>')
    sim.set_party(CUSTOMER, CalledParty(answer="machine", ring_seconds=2))

    created = sdk.calls.create(
        to=CUSTOMER,
        from_=OUR_NUMBER,
        url=f"{APP}/outbound",
        machine_detection="Enable",
        async_amd="true",
        async_amd_status_callback=f"{APP}/amd",
    )
    sim.run()

    assert "AnsweredBy" not in app.to("/outbound")[0]
    amd = app.to("/amd")[0]
    assert (amd["CallSid"], amd["AnsweredBy"]) == (created.sid, "machine_start")


def test_rest_update_redirects_a_live_call(sim, app, sdk):
    app.routes["/voice"] = twiml('<Say loop="0">Hold on</Say>')
    app.routes["/new"] = twiml("<Say>Redirected by REST</Say>")
    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run(seconds=5)

    sdk.calls(call.sid).update(url=f"{APP}/new", method="POST")
    sim.run()

    assert call.said.endswith("Redirected by REST")
    assert call.status == "completed"


def test_rest_update_with_inline_twiml(sim, app, sdk):
    app.routes["/voice"] = twiml('<Pause length="100"/>')
    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run(seconds=5)

    sdk.calls(call.sid).update(twiml="<Response><Say>Inline</Say></Response>")
    sim.run()

    assert call.said == "Inline"
    assert call.duration == 5


def test_rest_hangup_and_cancel(sim, app, sdk):
    app.routes["/voice"] = twiml('<Pause length="100"/>')
    live = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.set_party(CUSTOMER, CalledParty(ring_seconds=20))
    ringing = sdk.calls.create(to=CUSTOMER, from_=OUR_NUMBER, url=f"{APP}/outbound")
    sim.run(seconds=10)

    ended = sdk.calls(live.sid).update(status="completed")
    canceled = sdk.calls(ringing.sid).update(status="canceled")
    sim.run()

    assert (ended.status, ended.duration) == ("completed", "10")
    assert canceled.status == "canceled"
    assert app.to("/outbound") == []


def test_redirecting_an_ended_call_is_a_400(sim, app, sdk):
    from twilio.base.exceptions import TwilioRestException

    app.routes["/voice"] = twiml("<Hangup/>")
    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run()

    with pytest.raises(TwilioRestException) as raised:
        sdk.calls(call.sid).update(url=f"{APP}/new")

    assert (raised.value.status, raised.value.code) == (400, 21220)


def test_inbound_number_status_callback_gets_only_completed(sim, app):
    app.routes["/voice"] = twiml("<Say>Hi</Say>")

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run()

    (status,) = app.to("/status")
    assert (status["CallSid"], status["CallStatus"], status["CallDuration"]) == (
        call.sid,
        "completed",
        "0",
    )
    assert status["SequenceNumber"] == "0"


def test_status_callbacks_can_be_replayed(sim, app, sdk):
    app.routes["/outbound"] = twiml("<Hangup/>")
    created = sdk.calls.create(
        to=CUSTOMER,
        from_=OUR_NUMBER,
        url=f"{APP}/outbound",
        status_callback=f"{APP}/progress",
        status_callback_event=["initiated", "answered", "completed"],
    )
    sim.run()

    sim.replay_status_callback(created.sid, 0)
    sim.run()

    assert [p["SequenceNumber"] for p in app.to("/progress")] == ["0", "1", "2", "0"]
    assert app.to("/progress")[-1] == app.to("/progress")[0]


def test_callback_chaos_duplicates_and_reorders_deterministically(make_sim, app):
    def run(seed):
        app.requests.clear()
        sim = make_sim(seed=seed, callback_chaos=CallbackChaos(duplicate_rate=0.5, delay_rate=0.5))
        app.routes["/outbound"] = twiml('<Pause length="20"/>')
        for _ in range(5):
            sim.handle_rest(
                "POST",
                f"/2010-04-01/Accounts/{sim.account_sid}/Calls.json",
                {
                    "To": [CUSTOMER],
                    "From": [OUR_NUMBER],
                    "Url": [f"{APP}/outbound"],
                    "StatusCallback": [f"{APP}/progress"],
                    "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"],
                },
                (sim.account_sid, sim.auth_token),
            )
        sim.run()
        return [(p["CallSid"], p["SequenceNumber"]) for p in app.to("/progress")]

    delivered = run(3)
    assert delivered == run(3)
    assert len(delivered) > 20  # some duplicates
    by_call: dict[str, list[int]] = {}
    for sid, number in delivered:
        by_call.setdefault(sid, []).append(int(number))
    assert any(numbers != sorted(numbers) for numbers in by_call.values())  # some out of order


def test_rest_calls_are_paced_at_the_account_calls_per_second(sim, sdk):
    sids = [
        sdk.calls.create(to=f"+1555000{i:04d}", from_=OUR_NUMBER, twiml="<Response/>").sid
        for i in range(3)
    ]
    sim.run()

    rang = [(sim.calls[sid].transcript[0].at - START).total_seconds() for sid in sids]
    assert rang == [0, 1, 2]


def test_dial_record_makes_a_dial_verb_recording(sim, app):
    app.routes["/voice"] = twiml(
        f'<Dial record="record-from-answer" action="{APP}/dial-done" '
        f'recordingStatusCallback="{APP}/rec">{CUSTOMER}</Dial>'
    )
    app.routes["/dial-done"] = twiml("<Hangup/>")
    sim.set_party(CUSTOMER, CalledParty(ring_seconds=2, talk_seconds=45))

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run()

    done = app.to("/dial-done")[0]
    assert done["RecordingDuration"] == "45"
    recording = sim.recordings[done["RecordingSid"]]
    assert (recording.source, recording.call_sid) == ("DialVerb", call.sid)
    assert app.to("/rec")[0]["RecordingSid"] == recording.sid


def test_redirecting_the_callee_leg_lets_the_caller_continue(sim, app, sdk):
    app.routes["/voice"] = DIAL
    app.routes["/dial-done"] = lambda p: twiml(f"<Say>{p['DialCallStatus']}</Say>")
    app.routes["/elsewhere"] = twiml("<Say>Callee moved</Say>")
    sim.set_party(CUSTOMER, CalledParty(ring_seconds=2, talk_seconds=100))
    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run(seconds=10)
    leg = next(c for c in sim.calls.values() if c.parent_sid == call.sid)

    sdk.calls(leg.sid).update(url=f"{APP}/elsewhere")
    sim.run()

    assert call.said == "completed"
    assert leg.said == "Callee moved"
