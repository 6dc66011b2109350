"""Conferences: joining by <Dial>, REST participants with hold/mute/coach, endings."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException

from telephony.simulator import CalledParty, CallerScript

from .conftest import APP, CALLER, OUR_NUMBER, twiml

AGENT = "+12125550123"
SUPERVISOR = "+12125550124"


def conference(name: str, **attrs: str) -> str:
    attributes = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return twiml(f'<Dial action="{APP}/left"><Conference{attributes}>{name}</Conference></Dial>')


def test_callers_join_and_the_last_one_out_ends_it(sim, app):
    app.routes["/voice"] = conference(
        "room-1", statusCallback=f"{APP}/conf", statusCallbackEvent="start end join leave"
    )
    app.routes["/left"] = twiml("<Say>You left the conference</Say>")

    first = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(hang_up_after=30))
    second = sim.dial_in(from_="+14155550199", to=OUR_NUMBER, script=CallerScript(hang_up_after=50))
    sim.run(seconds=10)

    room = sim.conference_named("room-1")
    assert room.status == "in-progress"
    assert set(room.participants) == {first.sid, second.sid}
    sim.run()

    assert room.status == "completed"
    assert room.reason_ended == "last-participant-left"
    events = [p["StatusCallbackEvent"] for p in app.to("/conf")]
    assert events == [
        "participant-join",
        "conference-start",
        "participant-join",
        "participant-leave",
        "participant-leave",
        "conference-end",
    ]
    assert [p["SequenceNumber"] for p in app.to("/conf")] == ["0", "1", "2", "3", "4", "5"]


def test_waiting_until_a_moderator_joins(sim, app):
    app.routes["/voice"] = conference("room-2", startConferenceOnEnter="false")
    app.routes["/moderator"] = conference("room-2", endConferenceOnExit="true")
    app.routes["/left"] = lambda p: twiml(f"<Say>{p['DialCallStatus']}</Say>")
    sim.set_party(AGENT, CalledParty(ring_seconds=1, talk_seconds=20))

    caller = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run(seconds=5)
    room = sim.conference_named("room-2")
    assert room.status == "init"
    assert "conference-wait" in caller.kinds()

    sim.handle_rest(
        "POST",
        f"/2010-04-01/Accounts/{sim.account_sid}/Calls.json",
        {"To": [AGENT], "From": [OUR_NUMBER], "Url": [f"{APP}/moderator"]},
        (sim.account_sid, sim.auth_token),
    )
    sim.run(seconds=3)
    assert room.status == "in-progress"
    sim.run(seconds=30)

    # the moderator hung up after 20 s talking: endConferenceOnExit ends it for everyone
    assert room.status == "completed"
    assert room.reason_ended == "participant-with-end-conference-on-exit-left"
    assert caller.said == "completed"
    assert caller.status == "completed"


def test_rest_participants_hold_mute_coach_and_remove(sim, app, sdk):
    app.routes["/voice"] = conference("support-CA1")
    app.routes["/left"] = twiml("<Say>Back from the conference</Say>")
    sim.set_party(AGENT, CalledParty(ring_seconds=2, talk_seconds=300))
    sim.set_party(SUPERVISOR, CalledParty(ring_seconds=2, talk_seconds=300))
    caller = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run(seconds=1)

    agent = sdk.conferences("support-CA1").participants.create(
        from_=OUR_NUMBER, to=AGENT, end_conference_on_exit=True, label="agent"
    )
    sim.run(seconds=5)
    room = sdk.conferences.list(friendly_name="support-CA1", status="in-progress")[0]
    coach = room.participants.create(
        from_=OUR_NUMBER, to=SUPERVISOR, coaching=True, call_sid_to_coach=agent.call_sid
    )
    sim.run(seconds=5)

    listed = room.participants.list()
    held = room.participants(caller.sid).update(hold=True, hold_url=f"{APP}/hold-music")
    muted = room.participants(caller.sid).update(hold=False, muted=True)
    sim.run(seconds=5)
    room.participants(coach.call_sid).delete()
    sim.run(seconds=1)

    assert agent.status == "queued" and agent.label == "agent"
    assert {p.call_sid for p in listed} == {caller.sid, agent.call_sid, coach.call_sid}
    coached = next(p for p in listed if p.call_sid == coach.call_sid)
    assert (coached.coaching, coached.call_sid_to_coach) == (True, agent.call_sid)
    assert held.hold is True and (muted.hold, muted.muted) == (False, True)
    assert sorted(k for k in caller.kinds() if k in ("hold", "unhold", "mute")) == [
        "hold",
        "mute",
        "unhold",
    ]
    assert sim.calls[coach.call_sid].status == "completed"  # removed: its REST call hangs up
    assert set(sim.conferences[room.sid].participants) == {caller.sid, agent.call_sid}

    sdk.calls(agent.call_sid).update(status="completed")
    sim.run(seconds=1)

    assert sim.conferences[room.sid].status == "completed"
    assert caller.said == "Back from the conference"


def test_rest_completes_a_conference(sim, app, sdk):
    app.routes["/voice"] = conference("room-3")
    app.routes["/left"] = twiml("<Hangup/>")
    caller = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run(seconds=2)
    room = sim.conference_named("room-3")

    ended = sdk.conferences(room.sid).update(status="completed")
    sim.run()

    assert ended.status == "completed"
    assert ended.reason_conference_ended == "conference-ended-via-api"
    assert app.to("/left")[0]["DialCallStatus"] == "completed"
    assert caller.status == "completed"


def supervised_room(sim, app, sdk):
    """A caller and an agent in a conference, and a supervisor coaching the agent."""
    app.routes["/voice"] = conference("support-CA2")
    sim.set_party(AGENT, CalledParty(ring_seconds=1, talk_seconds=300))
    sim.set_party(SUPERVISOR, CalledParty(ring_seconds=1, talk_seconds=300))
    caller = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run(seconds=1)
    agent = sdk.conferences("support-CA2").participants.create(from_=OUR_NUMBER, to=AGENT)
    sim.run(seconds=3)
    room = sdk.conferences.list(friendly_name="support-CA2", status="in-progress")[0]
    coach = room.participants.create(
        from_=OUR_NUMBER, to=SUPERVISOR, coaching=True, call_sid_to_coach=agent.call_sid
    )
    sim.run(seconds=3)
    return room, caller.sid, agent.call_sid, coach.call_sid


def test_only_the_coached_agent_hears_the_coach_until_the_supervisor_barges(sim, app, sdk):
    room, caller, agent, coach = supervised_room(sim, app, sdk)

    assert sim.heard_by(caller) == {agent}
    assert sim.heard_by(agent) == {caller, coach}
    assert sim.heard_by(coach) == {caller, agent}

    room.participants(coach).update(coaching=False)  # barge

    assert sim.heard_by(caller) == {agent, coach}


def test_muted_and_held_lines_are_heard_by_nobody(sim, app, sdk):
    room, caller, agent, coach = supervised_room(sim, app, sdk)

    room.participants(coach).update(muted=True)  # listen only
    assert sim.heard_by(agent) == {caller}
    room.participants(caller).update(hold=True)

    assert sim.heard_by(caller) == set()  # hold music
    assert sim.heard_by(agent) == set()
    assert [p.call_sid for p in room.participants.list(hold=True)] == [caller]
    assert [p.call_sid for p in room.participants.list(muted=True)] == [coach]
    assert {p.call_sid for p in room.participants.list(coaching=False)} == {caller, agent}


def test_coaching_needs_a_coached_participant_who_is_not_on_hold(sim, app, sdk):
    room, _, agent, coach = supervised_room(sim, app, sdk)
    room.participants(agent).update(hold=True)

    with pytest.raises(TwilioRestException) as on_hold:
        room.participants(coach).update(call_sid_to_coach=agent)
    with pytest.raises(TwilioRestException) as nobody:
        room.participants.create(from_=OUR_NUMBER, to=SUPERVISOR, coaching=True)
    with pytest.raises(TwilioRestException) as stranger:
        room.participants(coach).update(call_sid_to_coach="CA" + "9" * 32)

    assert (on_hold.value.status, on_hold.value.code) == (400, 16027)
    assert nobody.value.status == 400
    assert stranger.value.status == 400


def test_conferences_are_looked_up_by_sid_only(sim, app, sdk):
    room, caller, _, _ = supervised_room(sim, app, sdk)

    for lookup in (
        lambda: sdk.conferences("support-CA2").fetch(),
        lambda: sdk.conferences("support-CA2").participants.list(),
        lambda: sdk.conferences("support-CA2").participants(caller).update(muted=True),
    ):
        with pytest.raises(TwilioException, match="404"):  # lists raise the base class
            lookup()
    assert sdk.conferences(room.sid).fetch().friendly_name == "support-CA2"
