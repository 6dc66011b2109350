"""A whole inbound call, as in `make run`: the live simulator and the app talk real HTTP.

A caller dials the support line, picks billing in the IVR and waits, hearing their place
in line; the agent, in headless Chromium, sees the screen-pop, clicks Accept (the
simulated softphone answers), talks, hangs up, wraps up with a disposition and a case,
and is available again. Another call is handed to a colleague by a warm transfer. The
simulator runs in wall time, so these tests take a while.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from telephony.demo import SUPPORT_NUMBER
from telephony.models import Call, QueueEntry
from telephony.simulator import CallerScript
from tests.browser.conftest import (
    CALLER,
    refresh_until,
    set_state,
    sign_in_on,
    wrap_up_resolved_with_a_case,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _desk(page, user):
    """Sign in on `page` and open the desk."""
    sign_in_on(page, user).get_by_role("link", name="Desk").click()
    return page


def test_caller_through_ivr_and_queue_to_an_agent_who_accepts_and_wraps_up(
    live_twilio, alex, ava, page
):
    page = _desk(page, alex.user)
    set_state(page, "available")
    expect(page.locator("#agent-state")).to_contain_text("Available")

    caller = live_twilio.dial_in(from_=CALLER, to=SUPPORT_NUMBER, script=CallerScript(["1"]))
    refresh_until(page, "#desk-call", "Incoming call")
    call_panel = page.locator("#desk-call")
    expect(call_panel).to_contain_text("Ava Chen")
    expect(call_panel).to_contain_text("Billing")
    expect(call_panel).to_contain_text("Router drops")

    # The caller hears their place in line while Alex's softphone rings.
    deadline = time.monotonic() + 10
    while "You are number 1 in line." not in caller.said:
        assert time.monotonic() < deadline, caller.said
        time.sleep(0.1)
    refresh_until(page, "#offer", "Accept")  # once the softphone rings
    page.get_by_role("button", name="Accept").click()
    refresh_until(page, "#desk-call", "On a call")
    entry = QueueEntry.objects.get(call__sid=caller.sid)
    assert entry.status == "connected" and entry.served_by == alex

    # The hang-up's own answer is rendered before the call has ended: the desk asks again.
    with page.expect_request(lambda r: r.method == "GET" and "panel=desk-call" in r.url):
        page.get_by_role("button", name="Hang up").click()
    refresh_until(page, "#desk-call", "Wrap-up")
    wrap_up_resolved_with_a_case(
        page, notes="Explained the invoice", case="Send a corrected invoice"
    )

    call = Call.objects.get(sid=caller.sid)
    assert call.disposition == "resolved" and call.ended_at is not None
    assert ava.cases.filter(subject="Send a corrected invoice").exists()
    assert caller.application_errors == []


def test_warm_transfer_from_one_desk_to_another(live_twilio, alex, bea, ava, page, live_server):
    alex_page = _desk(page, alex.user)
    other = page.context.browser.new_context(base_url=live_server.url)
    bea_page = _desk(other.new_page(), bea.user)
    set_state(alex_page, "available")
    expect(alex_page.locator("#agent-state")).to_contain_text("Available")

    caller = live_twilio.dial_in(from_=CALLER, to=SUPPORT_NUMBER, script=CallerScript(["1"]))
    refresh_until(alex_page, "#offer", "Accept")
    alex_page.get_by_role("button", name="Accept").click()
    refresh_until(alex_page, "#desk-call", "On a call")

    set_state(bea_page, "available")
    expect(bea_page.locator("#agent-state")).to_contain_text("Available")
    refresh_until(alex_page, "#desk-call", "Bea")  # Bea is now a colleague to choose
    alex_page.locator("#call-controls select[name=to_agent]").select_option(label=str(bea))
    alex_page.get_by_role("button", name="Talk first").click()
    refresh_until(bea_page, "#desk-call", "transferred by")
    expect(bea_page.locator("#desk-call")).to_contain_text("Ava Chen")
    # Bea's softphone rings only after the offer shows: Accept appears then.
    refresh_until(bea_page, "#offer", "Accept")
    bea_page.locator("#offer").get_by_role("button", name="Accept").click()
    refresh_until(alex_page, "#transfer-status", "on the line")

    alex_page.get_by_role("button", name="Complete transfer").click()
    refresh_until(alex_page, "#desk-call", "Wrap-up")
    refresh_until(bea_page, "#desk-call", "On a call")
    first = QueueEntry.objects.get(call__sid=caller.sid, transferred_from=None)
    transfer = QueueEntry.objects.get(transferred_from=first)
    assert (first.status, transfer.status, transfer.served_by) == ("done", "connected", bea)
    assert caller.status == "in-progress" and caller.application_errors == []
    other.close()
