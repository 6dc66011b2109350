"""Callers through the IVR into the ACD and to an agent, all through the simulator."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm import services as crm_services
from telephony.acd import controls
from telephony.acd.tasks import acd_route, wrap_up_sweep
from telephony.desk import softphone
from telephony.models import AgentProfile, AgentSkill, Call, Queue, QueueEntry, Skill
from telephony.simulator import CalledParty, CallerScript
from tests.factories import UserFactory
from tests.telephony.conftest import OUR_NUMBER

# Routing and ringing run after commit, as in production: these tests commit.
pytestmark = pytest.mark.django_db(transaction=True)

NEW_YORK = dt.timezone(dt.timedelta(hours=-5))
MONDAY_10AM = dt.datetime(2026, 11, 23, 10, 0, tzinfo=NEW_YORK)


@pytest.fixture
def ava():
    return crm_services.customer_create(
        name="Ava Chen", account_number="AC-100042", phone_numbers=[{"number": "4155550142"}]
    )


def _agent(name: str, state: str = "available") -> AgentProfile:
    """An agent with the billing skill the demo's Billing queue asks for."""
    agent = AgentProfile.objects.create(
        user=UserFactory.create(username=name),
        client_identity=name,
        state=state,
        idle_since=dt.datetime(2026, 11, 23, 14, 0, tzinfo=dt.UTC),
    )
    AgentSkill.objects.create(agent=agent, skill=Skill.objects.get(name="billing"), level=5)
    return agent


def _run(simulator, script: CallerScript, seconds: float, caller: str = "+14155550142"):
    with time_machine.travel(MONDAY_10AM, tick=False):
        sim_call = simulator.dial_in(from_=caller, to=OUR_NUMBER, script=script)
        simulator.run(seconds)
    assert sim_call.application_errors == []
    return sim_call, Call.objects.get(sid=sim_call.sid)


def test_caller_reaches_a_free_agent_who_talks_then_wraps_up(simulator, support_line, ava):
    alex = _agent("alex")
    simulator.register_client("alex", CalledParty(answer="human", ring_seconds=3, talk_seconds=60))
    sim_call, call = _run(simulator, CallerScript(inputs=["1"]), 600)
    entry = QueueEntry.objects.get(call=call)
    assert entry.served_by == alex
    assert entry.status == "done"
    call.refresh_from_db()
    assert call.answered_at is not None
    alex.refresh_from_db()
    assert alex.state == "wrap_up"
    # The queue's wrap-up time later, the periodic sweep makes Alex free again.
    with time_machine.travel(alex.wrap_up_until, tick=False):
        wrap_up_sweep()
    assert [c.state for c in alex.state_changes.all()] == [
        "offered",
        "on_call",
        "wrap_up",
        "available",
    ]
    assert any(e.kind == "conference" for e in sim_call.transcript)


def test_caller_hears_position_and_wait_while_no_agent_is_free(simulator, support_line, ava):
    sim_call, call = _run(simulator, CallerScript(inputs=["1"], patience=70), 200)
    assert "You are number 1 in line." in sim_call.said
    entry = QueueEntry.objects.get(call=call)
    assert entry.status == "abandoned"
    assert call.queue_result == "hangup"


def test_missed_offer_requeues_at_the_head_and_the_next_agent_answers(simulator, support_line, ava):
    slow = _agent("slow")
    simulator.register_client("slow", CalledParty(answer="no-answer"))
    _sim_call, call = _run(simulator, CallerScript(inputs=["1"], patience=120), 60)
    slow.refresh_from_db()
    assert (slow.state, slow.reason) == ("not_ready", "missed")
    entry = QueueEntry.objects.get(call=call)
    assert entry.status == "waiting" and entry.missed_offers == 1
    fast = _agent("fast")
    simulator.register_client("fast", CalledParty(answer="human", talk_seconds=20))
    with time_machine.travel(MONDAY_10AM + dt.timedelta(minutes=1), tick=False):
        acd_route()
        simulator.run(200)
    entry.refresh_from_db()
    assert entry.served_by == fast


def test_callback_request_keeps_the_place_and_is_dialled_when_its_turn_comes(
    simulator, support_line, ava
):
    sim_call, call = _run(simulator, CallerScript(inputs=["1", "1"]), 120)
    assert "We will call you back" in sim_call.said
    entry = QueueEntry.objects.get(call=call)
    assert (entry.kind, entry.callback_number) == ("callback", "+14155550142")
    assert entry.status == "waiting"
    _agent("alex")
    simulator.register_client("alex", CalledParty(answer="human", talk_seconds=30))
    simulator.set_party("+14155550142", CalledParty(answer="human", talk_seconds=30))
    with time_machine.travel(MONDAY_10AM + dt.timedelta(minutes=5), tick=False):
        acd_route()
        simulator.run(200)
    entry.refresh_from_db()
    assert entry.served_by is not None and entry.status == "done"
    callback_legs = [
        c
        for c in simulator.calls.values()
        if c.to == "+14155550142" and c.direction == "outbound-api"
    ]
    assert len(callback_legs) == 1


def _billing(**rules) -> Queue:
    Queue.objects.filter(name="Billing").update(max_wait_seconds=60, **rules)
    return Queue.objects.get(name="Billing")


def test_past_the_maximum_wait_callers_overflow_to_another_queue(simulator, support_line, ava):
    general = Queue.objects.get(name="General")
    _billing(on_max_wait="overflow", overflow_queue=general)
    sim_call, call = _run(simulator, CallerScript(inputs=["1"], patience=150), 200)
    assert "We are passing your call to another team." in sim_call.said
    entry = QueueEntry.objects.get(call=call)
    assert entry.queue == general and entry.moved_at is not None


def test_past_the_maximum_wait_callers_leave_voicemail(simulator, support_line, ava):
    _billing(on_max_wait="voicemail")
    sim_call, call = _run(simulator, CallerScript(inputs=["1"], speak_seconds=5), 300)
    assert "Sorry to keep you waiting." in sim_call.said
    assert QueueEntry.objects.get(call=call).status == "overflowed"
    assert ava.cases.filter(subject__startswith="Voicemail").exists()


def test_past_the_maximum_wait_callers_are_called_back(simulator, support_line, ava):
    _billing(on_max_wait="callback")
    sim_call, call = _run(simulator, CallerScript(inputs=["1"]), 200)
    assert "We will call you back" in sim_call.said
    entry = QueueEntry.objects.get(call=call)
    assert (entry.kind, entry.status) == ("callback", "waiting")


@pytest.fixture
def in_a_call(simulator, support_line, ava):
    """Alex is talking with Ava (a long call), 40 s in."""
    alex = _agent("alex")
    simulator.register_client("alex", CalledParty(answer="human", ring_seconds=2, talk_seconds=600))
    with time_machine.travel(MONDAY_10AM, tick=False):
        sim_call = simulator.dial_in(
            from_="+14155550142", to=OUR_NUMBER, script=CallerScript(inputs=["1"])
        )
        simulator.run(40)
    entry = QueueEntry.objects.get(call__sid=sim_call.sid)
    assert entry.status == "connected" and entry.caller_call_sid
    return alex, entry, sim_call


def _participant(simulator, call_sid: str):
    for conference in simulator.conferences.values():
        for participant in conference.participants.values():
            if participant.call.sid == call_sid:
                return participant
    return None


def test_hold_and_mute_act_on_the_conference(simulator, in_a_call):
    alex, entry, _sim_call = in_a_call
    controls.call_hold(agent=alex, on=True)
    controls.call_mute(agent=alex, on=True)
    assert _participant(simulator, entry.caller_call_sid).hold
    assert _participant(simulator, entry.agent_call_sid).muted
    controls.call_hold(agent=alex, on=False)
    assert not _participant(simulator, entry.caller_call_sid).hold
    entry.refresh_from_db()
    assert (entry.on_hold, entry.agent_muted) == (False, True)


def test_hold_is_logged_for_the_handle_time(simulator, in_a_call):
    alex, entry, _sim_call = in_a_call
    controls.call_hold(agent=alex, on=True)
    controls.call_hold(agent=alex, on=True)  # a second click opens no second stretch
    (held,) = entry.holds.all()
    assert held.ended_at is None
    controls.call_hold(agent=alex, on=False)
    held.refresh_from_db()
    assert held.ended_at is not None and held.ended_at >= held.started_at


def test_cold_transfer_to_a_number(simulator, in_a_call):
    alex, _entry, sim_call = in_a_call
    simulator.set_party("+12125550123", CalledParty(answer="human", talk_seconds=30))
    controls.call_transfer(agent=alex, to_number="+12125550123")
    with time_machine.travel(MONDAY_10AM + dt.timedelta(minutes=1), tick=False):
        simulator.run(120)
    assert sim_call.application_errors == []
    assert "Please hold while we transfer your call." in sim_call.said
    assert any(c.to == "+12125550123" for c in simulator.calls.values())
    alex.refresh_from_db()
    assert alex.state in ("wrap_up", "available")


def test_cold_transfer_to_another_queue(simulator, in_a_call):
    alex, entry, sim_call = in_a_call
    general = Queue.objects.get(name="General")
    controls.call_transfer(agent=alex, to_queue=general)
    with time_machine.travel(MONDAY_10AM + dt.timedelta(minutes=1), tick=False):
        simulator.run(30)
    assert sim_call.application_errors == []
    assert QueueEntry.objects.filter(call=entry.call, queue=general).exists()


def test_controls_need_a_call(simulator, support_line):
    idle = _agent("idle")
    with pytest.raises(ValidationError):
        controls.call_hold(agent=idle, on=True)


def _later(simulator, seconds: float, at_minute: int = 1) -> None:
    with time_machine.travel(MONDAY_10AM + dt.timedelta(minutes=at_minute), tick=False):
        simulator.run(seconds)


def _colleague(simulator, name: str = "bea", **party) -> AgentProfile:
    bea = _agent(name)
    options: dict[str, Any] = {"answer": "human", "ring_seconds": 3, "talk_seconds": 600} | party
    simulator.register_client(name, CalledParty(**options))
    return bea


def test_cold_transfer_to_a_colleague_hands_the_caller_over_on_answer(simulator, in_a_call):
    alex, entry, sim_call = in_a_call
    bea = _colleague(simulator)
    controls.call_transfer(agent=alex, to_agent=bea)
    assert _participant(simulator, entry.caller_call_sid).hold  # music while Bea rings
    _later(simulator, 30)

    assert sim_call.application_errors == []
    transfer = QueueEntry.objects.get(transferred_from=entry)
    assert (transfer.status, transfer.served_by, transfer.transfer_kind) == (
        "connected",
        bea,
        "cold",
    )
    caller = _participant(simulator, entry.caller_call_sid)
    assert not caller.hold
    assert _participant(simulator, transfer.agent_call_sid).conference is caller.conference
    assert _participant(simulator, entry.agent_call_sid) is None
    entry.refresh_from_db()
    alex.refresh_from_db()
    assert entry.status == "done" and alex.state in ("wrap_up", "available")


def test_warm_transfer_to_a_colleague_talks_first_then_hands_over(simulator, in_a_call):
    alex, entry, sim_call = in_a_call
    bea = _colleague(simulator)
    controls.call_consult(agent=alex, to_agent=bea)
    _later(simulator, 20)
    transfer = QueueEntry.objects.get(transferred_from=entry)
    assert transfer.status == "connected"
    assert _participant(simulator, entry.caller_call_sid).hold
    assert _participant(simulator, entry.agent_call_sid) is not None  # Alex still there
    # Bea hanging up now would not cut the caller off: only the taker ends the call.
    assert not _participant(simulator, transfer.agent_call_sid).end_conference_on_exit

    controls.consult_complete(agent=alex)
    _later(simulator, 10, at_minute=2)

    assert sim_call.application_errors == []
    caller = _participant(simulator, entry.caller_call_sid)
    assert caller is not None and not caller.hold
    assert _participant(simulator, transfer.agent_call_sid).end_conference_on_exit
    assert _participant(simulator, entry.agent_call_sid) is None
    entry.refresh_from_db()
    transfer.refresh_from_db()
    assert (entry.status, transfer.status, transfer.on_hold) == ("done", "connected", False)


def test_cancelled_warm_transfer_frees_the_colleague_and_resumes_the_caller(simulator, in_a_call):
    alex, entry, _sim_call = in_a_call
    bea = _colleague(simulator)
    controls.call_consult(agent=alex, to_agent=bea)
    _later(simulator, 20)
    controls.consult_cancel(agent=alex)
    _later(simulator, 10, at_minute=2)

    bea.refresh_from_db()
    assert (bea.state, bea.reason) == ("available", "")
    assert QueueEntry.objects.get(transferred_from=entry).status == "done"
    entry.refresh_from_db()
    assert (entry.status, entry.on_hold) == ("connected", False)
    assert not _participant(simulator, entry.caller_call_sid).hold


def test_transfer_to_a_colleague_who_does_not_answer_returns_the_caller(simulator, in_a_call):
    alex, entry, _sim_call = in_a_call
    bea = _colleague(simulator, answer="no-answer")
    controls.call_transfer(agent=alex, to_agent=bea)
    _later(simulator, 60)

    bea.refresh_from_db()
    assert (bea.state, bea.reason) == ("not_ready", "missed")
    transfer = QueueEntry.objects.get(transferred_from=entry)
    assert transfer.status == "done"  # never back in line: the caller is still with Alex
    entry.refresh_from_db()
    assert (entry.status, entry.on_hold) == ("connected", False)
    assert not _participant(simulator, entry.caller_call_sid).hold


def test_warm_transfer_to_a_number(simulator, in_a_call):
    alex, entry, sim_call = in_a_call
    simulator.set_party("+12125550123", CalledParty(answer="human", talk_seconds=60))
    controls.call_consult(agent=alex, to_number="+12125550123")
    _later(simulator, 10)
    entry.refresh_from_db()
    outside = _participant(simulator, entry.consult_call_sid)
    assert outside is not None and not outside.end_conference_on_exit

    controls.consult_complete(agent=alex)
    _later(simulator, 5, at_minute=2)
    assert _participant(simulator, entry.agent_call_sid) is None
    assert outside.end_conference_on_exit
    assert not _participant(simulator, entry.caller_call_sid).hold
    # The outside party hangs up after talking: that ends the caller's call too.
    _later(simulator, 120, at_minute=3)
    assert sim_call.status == "completed"
    assert sim_call.application_errors == []


def test_transfers_need_a_free_colleague_and_one_at_a_time(simulator, in_a_call):
    alex, _entry, _sim_call = in_a_call
    busy = _agent("busy", state="not_ready")
    with pytest.raises(ValidationError, match="not available"):
        controls.call_transfer(agent=alex, to_agent=busy)
    bea = _colleague(simulator)
    controls.call_consult(agent=alex, to_agent=bea)
    with pytest.raises(ValidationError, match="Finish or cancel"):
        controls.call_transfer(agent=alex, to_number="+12125550123")


def _ringing_at_the_desk(simulator, monkeypatch, name: str = "alex"):
    """Alex's softphone is the desk (simulator mode): the caller is offered and ringing."""
    alex = _agent(name)
    simulator.register_client(name, CalledParty(answer="person"))
    monkeypatch.setattr(softphone, "simulated_answer", simulator.answer)
    sim_call, call = _run(simulator, CallerScript(inputs=["1"]), 15)
    entry = QueueEntry.objects.get(call=call)
    assert entry.status == "offered" and simulator.calls[entry.agent_call_sid].status == "ringing"
    return alex, entry, sim_call


def test_agent_accepts_on_the_desk_then_hangs_up(
    simulator, support_line, ava, client_as, monkeypatch
):
    alex, entry, sim_call = _ringing_at_the_desk(simulator, monkeypatch)
    desk = client_as(alex.user)
    assert 'value="accept"' in desk.get(reverse("telephony:desk")).content.decode()

    desk.post(reverse("telephony:desk_offer"), {"action": "accept"})
    _later(simulator, 10)
    entry.refresh_from_db()
    assert entry.status == "connected"
    assert 'value="hangup"' in desk.get(reverse("telephony:desk")).content.decode()

    desk.post(reverse("telephony:desk_call_control"), {"action": "hangup"})
    _later(simulator, 10, at_minute=2)
    entry.refresh_from_db()
    alex.refresh_from_db()
    assert entry.status == "done" and alex.state in ("wrap_up", "available")
    assert sim_call.status == "completed" and sim_call.application_errors == []


def test_agent_rejects_on_the_desk_and_the_caller_keeps_their_place(
    simulator, support_line, ava, client_as, monkeypatch
):
    alex, entry, _sim_call = _ringing_at_the_desk(simulator, monkeypatch)
    client_as(alex.user).post(reverse("telephony:desk_offer"), {"action": "reject"})
    _later(simulator, 5)
    alex.refresh_from_db()
    entry.refresh_from_db()
    assert (alex.state, alex.reason) == ("not_ready", "missed")
    assert (entry.status, entry.missed_offers) == ("waiting", 1)


def test_accept_without_a_ringing_offer_is_a_form_error(simulator, support_line, client_as):
    idle = _agent("idle")
    response = client_as(idle.user).post(
        reverse("telephony:desk_offer"), {"action": "accept"}, headers={"HX-Request": "true"}
    )
    assert "No call is ringing for you." in response.content.decode()
