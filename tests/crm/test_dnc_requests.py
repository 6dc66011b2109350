"""Do-Not-Call requests that arrive by phone: the IVR node and the agent's disposition."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from crm import selectors
from crm import services as crm_services
from crm.models import DncChange
from telephony.ivr.checks import flow_problems
from telephony.ivr.engine import DNC_ADDED, DNC_NO_NUMBER
from telephony.models import (
    AgentProfile,
    Call,
    Disposition,
    InboundNumber,
    IvrFlow,
    IvrMenuOption,
    IvrNode,
    Queue,
)
from telephony.simulator import CallerScript
from tests.telephony.conftest import call_ended_for

pytestmark = pytest.mark.django_db

OPT_OUT_LINE = "+18005550177"
MONDAY_10AM = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def opt_out_line():
    """A line whose menu offers 9 to stop our calls, then hangs up."""
    flow = IvrFlow.objects.create(name="Offers")
    stop = IvrNode.objects.create(flow=flow, key="stop-calls", kind="do_not_call")
    info = IvrNode.objects.create(flow=flow, key="info", kind="say", message="Our offers.")
    menu = IvrNode.objects.create(
        flow=flow, key="menu", kind="menu", message="For offers press 1. To stop our calls press 9."
    )
    IvrMenuOption.objects.create(node=menu, digit="1", label="Offers", target=info)
    IvrMenuOption.objects.create(node=menu, digit="9", label="Stop calls", target=stop)
    flow.entry_node = menu
    flow.save()
    return InboundNumber.objects.create(number=OPT_OUT_LINE, name="Offers", flow=flow)


def call_in(simulator, caller: str, inputs: list[str]):
    with time_machine.travel(MONDAY_10AM, tick=False):
        sim_call = simulator.dial_in(
            from_=caller, to=OPT_OUT_LINE, script=CallerScript(inputs=[*inputs])
        )
        simulator.run(120)
    assert sim_call.application_errors == []
    return sim_call, Call.objects.get(sid=sim_call.sid)


def test_caller_pressing_9_is_put_on_the_internal_list_at_once(simulator, opt_out_line):
    sim_call, call = call_in(simulator, "+14155550142", ["9"])
    assert DNC_ADDED in sim_call.said
    assert [step["node"] for step in call.ivr_path] == ["menu", "stop-calls"]
    assert selectors.is_on_dnc("+14155550142")
    change = DncChange.objects.get()
    assert (change.source, change.dnc_list.kind) == ("ivr_request", "internal")


def test_an_anonymous_caller_hears_that_nothing_could_be_added(simulator, opt_out_line):
    sim_call, _ = call_in(simulator, "anonymous", ["9"])
    assert DNC_NO_NUMBER in sim_call.said
    assert not DncChange.objects.exists()


def test_the_node_may_say_its_own_words_and_go_on(simulator, opt_out_line):
    stop = IvrNode.objects.get(key="stop-calls")
    stop.message = "Done. We will not call you again."
    stop.next_node = IvrNode.objects.get(key="info")
    stop.save()
    sim_call, _ = call_in(simulator, "+14155550142", ["9"])
    assert "Done. We will not call you again." in sim_call.said
    assert "Our offers." in sim_call.said


def test_flow_check_accepts_the_node_as_an_end_and_as_a_step(opt_out_line):
    flow = opt_out_line.flow
    assert flow_problems(flow.pk) == []
    stop = IvrNode.objects.get(key="stop-calls")
    stop.next_node = IvrNode.objects.get(key="menu")
    assert flow_problems(flow.pk, edited=stop) == []


@pytest.fixture
def wrapping_up(agent):
    """Alex has just finished a call with Ava, who asked never to be called again."""
    desk_agent = AgentProfile.objects.create(user=agent, client_identity="alex")
    ava = crm_services.customer_create(name="Ava Chen", phone_numbers=[{"number": "4155550142"}])
    queue = Queue.objects.create(name="Billing", wrap_up_seconds=30)
    stop = Disposition.objects.create(code="do-not-call", label="Do not call", adds_to_dnc=True)
    done = Disposition.objects.create(code="resolved", label="Resolved")
    queue.dispositions.add(stop, done)
    call_ended_for(desk_agent, queue=queue, customer=ava, sid="CA" + "3" * 32)
    return desk_agent, stop, done


def wrap_up(client_as, desk_agent, disposition):
    return client_as(desk_agent.user).post(
        reverse("telephony:desk_wrap_up"),
        {"disposition": disposition.pk, "next_state": "not_ready", "reason": "break"},
        headers={"HX-Request": "true"},
    )


def test_do_not_call_disposition_puts_the_caller_on_the_internal_list(client_as, wrapping_up):
    desk_agent, stop, _ = wrapping_up
    assert wrap_up(client_as, desk_agent, stop).status_code == 200
    assert selectors.is_on_dnc("+14155550142")
    change = DncChange.objects.get()
    assert (change.source, change.by) == ("disposition", desk_agent.user)


def test_other_dispositions_leave_the_list_alone(client_as, wrapping_up):
    desk_agent, _, done = wrapping_up
    wrap_up(client_as, desk_agent, done)
    assert not selectors.is_on_dnc("+14155550142")


def test_on_an_outbound_call_the_called_number_is_added(client_as, wrapping_up):
    desk_agent, stop, _ = wrapping_up
    Call.objects.update(
        direction="outbound-api", from_number="+18005550100", to_number="+13055550111"
    )
    wrap_up(client_as, desk_agent, stop)
    assert selectors.is_on_dnc("+13055550111")
    assert not selectors.is_on_dnc("+18005550100")
