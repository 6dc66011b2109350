"""Calls through the simulator (offline Twilio) into the app's webhooks and back.

Every TwiML answer is schema-checked on the way (SchemaCheckedTransport), and a call
passing means the caller never heard Twilio's "application error".
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from crm import services as crm_services
from crm.models import Case, Customer, Interaction
from telephony.models import Call, QueueEntry, Recording, SmsMessage
from telephony.simulator import CalledParty, CallerScript, Speech
from tests.telephony.conftest import OUR_NUMBER

pytestmark = pytest.mark.django_db

NEW_YORK = dt.timezone(dt.timedelta(hours=-5))
MONDAY_10AM = dt.datetime(2026, 11, 23, 10, 0, tzinfo=NEW_YORK)
SUNDAY_10AM = dt.datetime(2026, 11, 22, 10, 0, tzinfo=NEW_YORK)


@pytest.fixture
def ava():
    ava = crm_services.customer_create(
        name="Ava Chen", account_number="AC-100042", phone_numbers=[{"number": "4155550142"}]
    )
    crm_services.case_create(customer=ava, actor=None, subject="Router drops")
    return ava


def call_in(
    simulator,
    script: CallerScript,
    *,
    caller: str = "+14155550142",
    at=MONDAY_10AM,
    seconds: float = 600,
):
    with time_machine.travel(at, tick=False):
        sim_call = simulator.dial_in(from_=caller, to=OUR_NUMBER, script=script)
        simulator.run(seconds)
    assert sim_call.application_errors == []
    return sim_call, Call.objects.get(sid=sim_call.sid)


def test_menu_choice_routes_to_the_billing_queue(simulator, support_line, ava):
    sim_call, call = call_in(simulator, CallerScript(inputs=["1"], hang_up_after=120))
    assert "Welcome to Example Support." in sim_call.said
    assert "Connecting you to billing." in sim_call.said
    assert [step["node"] for step in call.ivr_path] == ["hours", "greeting", "main-menu", "billing"]
    assert call.ivr_choices == ["Billing"]
    assert call.queue.name == "Billing"
    assert QueueEntry.objects.get(call=call).status == "abandoned"


def test_spoken_choice_works_like_a_key(simulator, support_line, ava):
    _sim_call, call = call_in(
        simulator, CallerScript(inputs=[Speech("I have a billing question")], hang_up_after=90)
    )
    assert call.ivr_choices == ["Billing"]


def test_invalid_key_is_reprompted_then_accepted(simulator, support_line, ava):
    sim_call, call = call_in(simulator, CallerScript(inputs=["7", "1"], hang_up_after=120))
    assert "Sorry, that is not one of the choices." in sim_call.said
    assert sim_call.said.count("For billing, press 1.") == 2
    assert call.ivr_choices == ["Billing"]


def test_no_input_three_times_goes_to_the_default(simulator, support_line, ava):
    sim_call, call = call_in(simulator, CallerScript(inputs=[None, None, None], speak_seconds=8))
    assert sim_call.said.count("Sorry, I did not hear a choice.") == 3
    assert [step["node"] for step in call.ivr_path][-1] == "voicemail"
    case = Case.objects.get(subject="Voicemail from Ava Chen")
    assert case.category == "billing"
    assert Recording.objects.get(case=case).status == "completed"


def test_self_service_by_caller_id_reads_open_cases(simulator, support_line, ava):
    sim_call, call = call_in(simulator, CallerScript(inputs=["2"], hang_up_after=60))
    assert "Hello Ava. You have one open case." in sim_call.said
    assert "Router drops, is new." in sim_call.said
    assert call.identified_by == "caller_id"
    # Then back to the menu.
    assert [step["node"] for step in call.ivr_path][-1] == "main-menu"


def test_self_service_by_keyed_account_number(simulator, support_line, ava):
    sim_call, call = call_in(
        simulator,
        CallerScript(inputs=["2", "100042#"], hang_up_after=90),
        caller="+13125550177",
    )
    assert "Please enter your account number" in sim_call.said
    assert "Hello Ava. You have one open case." in sim_call.said
    assert (call.customer, call.identified_by) == (ava, "account")
    keyed = [(i["node"], i.get("digits")) for i in call.ivr_inputs]
    assert ("case-status", "100042") in keyed


def test_unknown_account_number_is_retried_then_voicemail(simulator, support_line, ava):
    sim_call, call = call_in(
        simulator,
        CallerScript(inputs=["2", "999#", "998#", "997#"], speak_seconds=5),
        caller="+13125550177",
    )
    assert sim_call.said.count("Sorry, I could not find that account number.") == 3
    assert [step["node"] for step in call.ivr_path][-1] == "voicemail"


def test_after_hours_callers_hear_the_hours_and_leave_a_message(simulator, support_line, ava):
    sim_call, _call = call_in(simulator, CallerScript(speak_seconds=6), at=SUNDAY_10AM)
    assert "We are closed." in sim_call.said
    assert "Please leave your name, number and message" in sim_call.said
    case = Case.objects.get(subject__startswith="Voicemail")
    assert case.customer == ava
    assert "Voicemail of" in case.description


def test_voicemail_from_an_unknown_caller_opens_a_case_on_a_new_lead(simulator, support_line):
    _sim_call, call = call_in(
        simulator, CallerScript(inputs=["0"], speak_seconds=6), caller="+13125550177"
    )
    lead = Customer.objects.get()
    assert lead.is_lead and call.customer == lead
    assert Case.objects.get().customer == lead


def test_transfer_to_sales_is_dialled(simulator, support_line, ava):
    simulator.set_party("+12125550199", CalledParty(answer="human", talk_seconds=30))
    sim_call, call = call_in(simulator, CallerScript(inputs=["3"]))
    assert "Transferring you to sales." in sim_call.said
    assert call.ivr_inputs[-1]["label"] == "transfer completed"


def test_busy_transfer_falls_back_to_the_safe_route(simulator, support_line, ava):
    simulator.set_party("+12125550199", CalledParty(answer="busy"))
    sim_call, call = call_in(simulator, CallerScript(inputs=["3"], hang_up_after=120))
    assert "Sorry, nobody could take your call there." in sim_call.said
    assert call.queue.name == "General"


def test_call_ends_on_the_timeline_with_its_journey(simulator, support_line, ava):
    _sim_call, call = call_in(simulator, CallerScript(inputs=["2"], hang_up_after=45))
    assert call.state == "ended" and call.duration_seconds == 45
    entry = ava.interactions.get(kind=Interaction.Kind.CALL)
    assert "Inbound call to Main support line" in entry.summary
    assert "Case status" in entry.body


def test_duplicate_and_out_of_order_status_callbacks_change_nothing(simulator, support_line, ava):
    sim_call, call = call_in(simulator, CallerScript(inputs=["2"], hang_up_after=30))
    simulator.replay_status_callback(sim_call.sid, 0)
    simulator.replay_status_callback(sim_call.sid, 0)
    simulator.run(5)
    call.refresh_from_db()
    assert call.twilio_status == "completed" and call.duration_seconds == 30
    assert ava.interactions.filter(kind=Interaction.Kind.CALL).count() == 1


def test_sms_from_a_customer_lands_on_their_timeline(simulator, support_line, ava):
    simulator.receive_sms(from_="+14155550142", to=OUR_NUMBER, body="Is my router fixed?")
    simulator.run(5)
    assert SmsMessage.objects.get().customer == ava
    assert ava.interactions.filter(kind="sms", summary="Is my router fixed?").exists()


def test_sms_from_a_stranger_gets_the_reply(simulator, support_line):
    simulator.receive_sms(from_="+13125550177", to=OUR_NUMBER, body="Hello?")
    simulator.run(5)
    replies = [m for m in simulator.messages.values() if m.direction != "inbound"]
    assert [m.body for m in replies] == ["Thanks for your message. An agent will text you back."]
    assert Customer.objects.get().is_lead
