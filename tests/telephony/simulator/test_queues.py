"""Enqueue and its waitUrl loop, abandonment, Leave, REST dequeue, Dial Queue bridging."""

from __future__ import annotations

from telephony.simulator import CalledParty, CallerScript

from .conftest import APP, CALLER, OUR_NUMBER, twiml

AGENT_PHONE = "+12125550123"
ENQUEUE = twiml(
    f'<Enqueue action="{APP}/queue-done" waitUrl="{APP}/wait">support</Enqueue>',
    "<Say>after the queue</Say>",
)
HOLD = twiml("<Say>Please hold</Say>", "<Play>https://cdn.example.com/music.mp3</Play>")


def test_wait_url_loops_with_queue_parameters(sim, app):
    app.routes["/voice"] = ENQUEUE
    app.routes["/wait"] = HOLD

    first = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    second = sim.dial_in(from_="+14155550199", to=OUR_NUMBER)
    sim.run(seconds=30)

    queue = sim.queue_named("support")
    assert [m.call for m in queue.members] == [first, second]
    waits = [p for p in app.to("/wait") if p["CallSid"] == second.sid]
    assert [p["QueuePosition"] for p in waits[:2]] == ["2", "2"]
    assert [int(p["QueueTime"]) for p in waits[:3]] == [0, 3, 7]  # Say 0.8 s + Play 3 s per turn
    assert waits[0]["QueueSid"] == queue.sid
    assert (waits[0]["CurrentQueueSize"], waits[0]["MaxQueueSize"]) == ("2", "1000")
    assert "AvgQueueTime" in waits[0]
    assert first.activity == "queue"


def test_queue_position_moves_up_when_someone_ahead_leaves(sim, app):
    app.routes["/voice"] = ENQUEUE
    app.routes["/wait"] = HOLD

    sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(patience=5))
    second = sim.dial_in(from_="+14155550199", to=OUR_NUMBER)
    sim.run(seconds=12)

    positions = [p["QueuePosition"] for p in app.to("/wait") if p["CallSid"] == second.sid]
    assert positions == ["2", "2", "1", "1"]


def test_wait_url_may_not_dial(sim, app):
    app.routes["/voice"] = ENQUEUE
    app.routes["/wait"] = twiml("<Dial>+15551234567</Dial>")
    app.routes["/queue-done"] = lambda p: twiml(f"<Say>{p['QueueResult']}</Say>")

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run()

    assert [e["code"] for e in call.application_errors] == [12200]
    assert call.said == "error"


def test_impatient_caller_abandons_and_action_gets_hangup(sim, app):
    app.routes["/voice"] = ENQUEUE
    app.routes["/wait"] = HOLD
    app.routes["/queue-done"] = twiml("<Say>ignored, the caller is gone</Say>")

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(patience=20))
    sim.run()

    done = app.to("/queue-done")[0]
    assert (done["QueueResult"], done["QueueTime"], done["CallStatus"]) == (
        "hangup",
        "20",
        "completed",
    )
    assert call.status == "completed" and call.duration == 20
    assert "ignored" not in call.said
    assert sim.queue_named("support").members == []
    # the action comes before the final status callback
    purposes = [e.purpose for e in call.trace]
    assert purposes.index("enqueue") < purposes.index("status-callback")


def test_leave_continues_after_enqueue_via_the_action(sim, app):
    app.routes["/voice"] = ENQUEUE
    app.routes["/wait"] = lambda p: (
        twiml("<Leave/>") if int(p["QueueTime"]) >= 6 else twiml('<Pause length="3"/>')
    )
    app.routes["/queue-done"] = lambda p: twiml(f"<Say>Left: {p['QueueResult']}</Say>")

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run()

    assert app.to("/queue-done")[0]["QueueTime"] == "6"
    assert call.said == "Left: leave"
    assert "leave" in call.kinds()


def test_without_action_the_verb_after_enqueue_runs(sim, app):
    app.routes["/voice"] = twiml("<Enqueue waitUrl='/wait'>sales</Enqueue><Say>Next verb</Say>")
    app.routes["/wait"] = twiml("<Leave/>")

    call = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    sim.run()

    assert call.said == "Next verb"


def test_rest_dequeue_redirects_the_member_and_fires_the_action_at_once(sim, app, sdk):
    app.routes["/voice"] = ENQUEUE
    app.routes["/wait"] = HOLD
    app.routes["/queue-done"] = twiml("<Say>not executed</Say>")
    app.routes["/to-agent"] = twiml("<Say>Connecting you</Say>")
    first = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    second = sim.dial_in(from_="+14155550199", to=OUR_NUMBER)
    sim.run(seconds=10)
    queue = sim.queue_named("support")

    members = sdk.queues(queue.sid).members.list()
    member = sdk.queues(queue.sid).members(second.sid).update(url=f"{APP}/to-agent")
    sim.run(seconds=5)

    assert [m.call_sid for m in members] == [first.sid, second.sid]
    assert [m.position for m in members] == [1, 2]
    assert member.call_sid == second.sid
    assert app.to("/queue-done")[0]["QueueResult"] == "redirected"
    assert "Connecting you" in second.said and "not executed" not in second.said
    assert [m.call for m in queue.members] == [first]
    assert sdk.queues(queue.sid).fetch().current_size == 1


def test_dial_queue_bridges_the_front_member_then_reports_bridged(sim, app, sdk):
    app.routes["/voice"] = ENQUEUE
    app.routes["/wait"] = HOLD
    app.routes["/queue-done"] = lambda p: twiml(f"<Say>Result {p['QueueResult']}</Say>")
    app.routes["/agent"] = twiml(
        f'<Dial action="{APP}/agent-done"><Queue url="{APP}/whisper">support</Queue></Dial>'
    )
    app.routes["/whisper"] = twiml("<Say>You are being connected</Say>")
    app.routes["/agent-done"] = twiml("<Hangup/>")
    sim.set_party(AGENT_PHONE, CalledParty(answer="human", ring_seconds=2, talk_seconds=30))
    front = sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    back = sim.dial_in(from_="+14155550199", to=OUR_NUMBER)
    sim.run(seconds=10)

    agent = sdk.calls.create(to=AGENT_PHONE, from_=OUR_NUMBER, url=f"{APP}/agent")
    sim.run(seconds=60)

    whisper = app.to("/whisper")[0]
    assert (whisper["CallSid"], whisper["DequeingCallSid"]) == (front.sid, agent.sid)
    assert "You are being connected" in front.said
    done = app.to("/queue-done")[0]
    assert done["CallSid"] == front.sid and done["QueueResult"] == "bridged"
    assert int(done["QueueTime"]) == 12  # enqueued at 0, dequeued when the agent answered
    agent_done = app.to("/agent-done")[0]
    assert agent_done["DialCallStatus"] == "completed"
    assert agent_done["DialCallSid"] == front.sid
    assert agent_done["DialBridged"] == "true"
    assert "Result bridged" in front.said
    assert back.activity == "queue"
    assert front.application_errors == []


def test_dial_queue_waits_for_a_caller_when_empty(sim, app, sdk):
    sdk.queues.create(friendly_name="support")
    app.routes["/voice"] = ENQUEUE
    app.routes["/wait"] = HOLD
    app.routes["/queue-done"] = twiml("<Hangup/>")
    app.routes["/agent"] = twiml(f'<Dial action="{APP}/agent-done"><Queue>support</Queue></Dial>')
    app.routes["/agent-done"] = twiml("<Hangup/>")
    sim.set_party(AGENT_PHONE, CalledParty(ring_seconds=1, talk_seconds=120))
    agent = sdk.calls.create(to=AGENT_PHONE, from_=OUR_NUMBER, url=f"{APP}/agent")
    sim.run(seconds=10)
    assert sim.calls[agent.sid].activity == "dial"

    caller = sim.dial_in(from_=CALLER, to=OUR_NUMBER, script=CallerScript(hang_up_after=15))
    sim.run()

    assert "bridge" in caller.kinds()
    done = app.to("/agent-done")[0]
    assert (done["DialCallSid"], done["DialCallDuration"]) == (caller.sid, "15")
    assert app.to("/queue-done")[0]["QueueResult"] == "bridged"
    assert sim.calls[agent.sid].status == "completed"


def test_dial_queue_times_out_on_an_empty_queue(sim, app, sdk):
    sdk.queues.create(friendly_name="support")
    app.routes["/agent"] = twiml(
        f'<Dial timeout="10" action="{APP}/agent-done"><Queue>support</Queue></Dial>'
    )
    app.routes["/agent-done"] = twiml("<Hangup/>")
    app.routes["/missing"] = twiml(f'<Dial action="{APP}/agent-done"><Queue>nope</Queue></Dial>')
    sdk.calls.create(to=AGENT_PHONE, from_=OUR_NUMBER, url=f"{APP}/agent")
    sdk.calls.create(to=AGENT_PHONE, from_=OUR_NUMBER, url=f"{APP}/missing")
    sim.run()

    assert sorted(p["DialCallStatus"] for p in app.to("/agent-done")) == ["failed", "no-answer"]


def test_queue_full(sim, app, sdk):
    sdk.queues.create(friendly_name="tiny", max_size=1)
    app.routes["/voice"] = twiml(
        f'<Enqueue action="{APP}/queue-done" waitUrl="{APP}/wait">tiny</Enqueue>'
    )
    app.routes["/wait"] = HOLD
    app.routes["/queue-done"] = lambda p: twiml(f"<Say>{p['QueueResult']}</Say>")

    sim.dial_in(from_=CALLER, to=OUR_NUMBER)
    second = sim.dial_in(from_="+14155550199", to=OUR_NUMBER)
    sim.run(seconds=5)

    assert second.said == "queue-full"
    assert "QueueSid" not in app.to("/queue-done")[0]
