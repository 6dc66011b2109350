"""A whole inbound call, as in `make run`: the live simulator and the app talk real HTTP.

A caller dials the support line, picks billing in the IVR and waits, hearing their place
in line; the agent, in headless Chromium, sees the screen-pop, clicks Accept (the
simulated softphone answers), talks, hangs up, wraps up with a disposition and a case,
and is available again. Another call is handed to a colleague by a warm transfer. The
simulator runs in wall time, so these tests take a while.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from crm import services as crm_services
from telephony import demo, gateway, twiml
from telephony.demo import SUPPORT_NUMBER
from telephony.models import (
    AgentProfile,
    AgentSkill,
    BusinessHours,
    Call,
    OpeningPeriod,
    Queue,
    QueueEntry,
    Skill,
)
from telephony.simulator import (
    CalledParty,
    CallerScript,
    HttpTransport,
    NumberConfig,
    RealClock,
    Simulator,
    SimulatorServer,
)
from tests.browser.conftest import (
    refresh_until,
    set_state,
    sign_in_on,
    wrap_up_resolved_with_a_case,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CALLER = "+14155550142"


@pytest.fixture
def open_all_day():
    """The demo support line, open whatever the day and hour the test runs."""
    line = demo.seed()
    hours = BusinessHours.objects.get(name="Office hours")
    hours.periods.all().delete()
    hours.holidays.all().delete()
    OpeningPeriod.objects.bulk_create(
        OpeningPeriod(hours=hours, weekday=day, opens=dt.time(0), closes=dt.time(23, 59, 59))
        for day in range(7)
    )
    # Offers ring long enough for a browser on a busy machine to click Accept.
    Queue.objects.filter(name="Billing").update(offer_timeout_seconds=90)
    return line


@pytest.fixture
def live_twilio(settings, live_server):
    """The simulator as `make run` serves it, calling this test's live server."""
    settings.PUBLIC_BASE_URL = live_server.url
    sim = Simulator(
        account_sid=django_settings.TWILIO_ACCOUNT_SID,
        auth_token=django_settings.TWILIO_AUTH_TOKEN,
        transport=HttpTransport(timeout=15),
        clock=RealClock(),
        default_number=NumberConfig(
            voice_url=twiml.webhook_url("voice_incoming"),
            status_callback=twiml.webhook_url("voice_status"),
        ),
        default_client=CalledParty(answer="person"),
    )
    server = SimulatorServer(sim, "127.0.0.1", 0)
    server.start()
    sim.set_base_url(server.url)  # recordings' media URLs name the port it got
    settings.SIMULATOR_URL = settings.TWILIO_API_BASE_URL = server.url
    try:
        with gateway.using(gateway.build_client()):
            yield sim
    finally:
        server.stop()


def _billing_agent(user, identity: str, state: str = "offline") -> AgentProfile:
    profile = AgentProfile.objects.create(user=user, client_identity=identity, state=state)
    AgentSkill.objects.create(agent=profile, skill=Skill.objects.get(name="billing"), level=7)
    return profile


@pytest.fixture
def alex(open_all_day, agent):
    return _billing_agent(agent, "alex")


@pytest.fixture
def bea(open_all_day, other_agent):
    """A colleague, busy with paperwork (not ready), so callers go to Alex."""
    return _billing_agent(other_agent, "bea", state="not_ready")


def _desk(page, user):
    """Sign in on `page` and open the desk."""
    sign_in_on(page, user).get_by_role("link", name="Desk").click()
    return page


@pytest.fixture
def ava():
    customer = crm_services.customer_create(
        name="Ava Chen", account_number="AC-100042", phone_numbers=[{"number": CALLER}]
    )
    crm_services.case_create(customer=customer, actor=None, subject="Router drops")
    return customer


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
