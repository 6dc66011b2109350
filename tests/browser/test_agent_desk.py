"""An agent's desk in a real browser: available, screen-pop, wrap-up, available again.

The live test server speaks plain HTTP, so the test fires the same htmx event the desk's
websocket would; the websocket itself is covered by the consumer tests.
"""

import pytest
from playwright.sync_api import expect

from crm import services as crm_services
from telephony.acd import offers
from telephony.models import AgentProfile, Call, Disposition, Queue, QueueEntry
from tests.browser.conftest import elsewhere, refresh_until, set_state, wrap_up_resolved_with_a_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def billing_call():
    ava = crm_services.customer_create(
        name="Ava Chen", account_number="AC-100042", phone_numbers=[{"number": "4155550142"}]
    )
    crm_services.case_create(customer=ava, actor=None, subject="Router drops")
    queue = Queue.objects.create(name="Billing", wrap_up_seconds=120)
    queue.dispositions.add(Disposition.objects.create(code="resolved", label="Resolved"))
    call = Call.objects.create(
        sid="CA" + "3" * 32,
        direction="inbound",
        from_number="+14155550142",
        to_number="+18005550100",
        customer=ava,
        identified_by="caller_id",
        ivr_inputs=[{"node": "main-menu", "digits": "1", "label": "Billing"}],
    )
    return QueueEntry.objects.create(queue=queue, call=call, customer=ava)


@pytest.fixture
def desk_agent(agent):
    return AgentProfile.objects.create(user=agent, client_identity="alex", state="offline")


def test_agent_takes_a_call_from_screen_pop_to_wrap_up(
    simulator, desk_agent, billing_call, sign_in
):
    page = sign_in(desk_agent.user)
    page.get_by_role("link", name="Desk").click()
    set_state(page, "available")
    # Going available routed the waiting caller to Alex and rang Alex's softphone.
    refresh_until(page, "#desk-call", "Incoming call")
    call_panel = page.locator("#desk-call")
    expect(call_panel).to_contain_text("Ava Chen")
    expect(call_panel).to_contain_text("Billing")
    expect(call_panel).to_contain_text("Router drops")
    assert any(c.to == "client:alex" for c in simulator.calls.values())

    def talk_and_hang_up():
        offers.offer_accepted(entry_id=billing_call.pk)
        offers.conversation_ended(entry_id=billing_call.pk)

    elsewhere(talk_and_hang_up)
    refresh_until(page, "#desk-call", "Wrap-up")
    expect(page.locator("#wrap-up")).to_be_visible()
    wrap_up_resolved_with_a_case(
        page, notes="Explained the invoice", case="Send a corrected invoice"
    )

    desk_agent.refresh_from_db()
    assert desk_agent.state == "available"
    ava = billing_call.customer
    assert ava.cases.filter(subject="Send a corrected invoice").exists()
    assert Call.objects.get(pk=billing_call.call_id).disposition == "resolved"
