"""Callers through the IVR into the ACD and to an agent, all through the simulator."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from crm import services as crm_services
from telephony import offers
from telephony.models import AgentProfile, AgentSkill, Call, Queue, QueueEntry, Skill
from telephony.simulator import CalledParty, CallerScript
from telephony.tasks import acd_route
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
        user=UserFactory(username=name),
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
    # Wrap-up ran its course (Celery runs at once in tests) and Alex is free again.
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
    offers.call_hold(agent=alex, on=True)
    offers.call_mute(agent=alex, on=True)
    assert _participant(simulator, entry.caller_call_sid).hold
    assert _participant(simulator, entry.agent_call_sid).muted
    offers.call_hold(agent=alex, on=False)
    assert not _participant(simulator, entry.caller_call_sid).hold
    entry.refresh_from_db()
    assert (entry.on_hold, entry.agent_muted) == (False, True)


def test_cold_transfer_to_a_number(simulator, in_a_call):
    alex, _entry, sim_call = in_a_call
    simulator.set_party("+12125550123", CalledParty(answer="human", talk_seconds=30))
    offers.call_transfer(agent=alex, to_number="+12125550123")
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
    offers.call_transfer(agent=alex, to_queue=general)
    with time_machine.travel(MONDAY_10AM + dt.timedelta(minutes=1), tick=False):
        simulator.run(30)
    assert sim_call.application_errors == []
    assert QueueEntry.objects.filter(call=entry.call, queue=general).exists()


def test_controls_need_a_call(simulator, support_line):
    idle = _agent("idle")
    with pytest.raises(ValidationError):
        offers.call_hold(agent=idle, on=True)
