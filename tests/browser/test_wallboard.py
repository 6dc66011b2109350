"""The wallboard in headless Chromium, live over its real websocket (daphne in-process):
a call through the simulator arrives, is answered and ends, and the board follows each
step by itself; an alert is raised and cleared on it; a call that ends while the socket is
down shows once the socket is back.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from floor import services
from floor.models import AlertRule
from telephony.acd import presence
from telephony.demo import SUPPORT_NUMBER
from telephony.models import Queue, QueueEntry
from telephony.simulator import CalledParty, CallerScript
from tests.browser.conftest import CALLER, elsewhere, sign_in_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.05)


def _evaluate_alerts() -> services.Evaluation:
    done: list[services.Evaluation] = []
    elsewhere(lambda: done.append(services.alerts_evaluate()))
    return done[0]


def test_wallboard_follows_a_call_live_and_after_its_websocket_reconnects(
    asgi_server, asgi_twilio, alex, ava, manager, live_page
):
    sim = asgi_twilio
    # Alex's softphone answers by itself and stays on the line until the caller hangs up.
    sim.register_client("alex", CalledParty(answer="human", ring_seconds=0.5, talk_seconds=3600))
    billing = Queue.objects.get(name="Billing")
    AlertRule.objects.create(name="Long wait", kind="long_wait", queue=billing, threshold=1)
    elsewhere(lambda: presence.agent_set_state(agent=alex, state="not_ready", reason="break"))

    page = sign_in_on(live_page, manager)
    page.goto("/floor/")
    body = page.locator("body")
    expect(body).to_have_attribute("data-live-state", "connected")
    tile, row = page.locator(f"#queue-{billing.pk}"), page.locator(f"#agent-{alex.pk}")
    expect(row.locator(".state")).to_contain_text("Not ready")
    expect(tile.locator(".waiting")).to_have_text("0")

    # A call arrives: past the IVR's menu (said in real time), the board shows it waiting.
    caller = sim.dial_in(from_=CALLER, to=SUPPORT_NUMBER, script=CallerScript(["1"]))
    expect(tile.locator(".waiting")).to_have_text("1", timeout=30_000)
    entry = QueueEntry.objects.get(call__sid=caller.sid)
    _until(lambda: time.time() - entry.waiting_since.timestamp() > 2.2)
    assert _evaluate_alerts().raised == 1  # beat's look at the floor
    expect(page.locator("#snapshot .floor-alerts")).to_contain_text("Billing: a caller waiting")

    # Alex is ready: the caller is routed, the softphone answers.
    elsewhere(lambda: presence.agent_set_state(agent=alex, state="available"))
    expect(row.locator(".state")).to_contain_text("On a call")
    expect(row.locator(".call")).to_contain_text("Ava Chen")
    expect(tile.locator(".waiting")).to_have_text("0")
    expect(tile.locator(".answered")).to_have_text("1")
    assert _evaluate_alerts().cleared == 1
    expect(page.locator("#snapshot .floor-alerts")).to_have_count(0)

    # The socket drops and stays down while the call ends: that notice reaches nobody.
    asgi_server.gate.open.clear()
    assert asgi_server.drop_websockets() == 1
    expect(body).to_have_attribute("data-live-state", "disconnected")
    sim.hang_up(caller.sid)
    _until(lambda: QueueEntry.objects.get(pk=entry.pk).status == "done")
    time.sleep(1.0)  # past the notices' window: nothing else is on its way
    expect(row.locator(".state")).to_contain_text("On a call")

    # Back: the page re-fetches its snapshot on reconnecting.
    asgi_server.gate.open.set()
    expect(body).to_have_attribute("data-live-state", "connected")
    expect(row.locator(".state")).to_contain_text("Wrap-up")
    expect(row.locator(".handled")).to_have_text("1")
    expect(tile.locator(".answered")).to_have_text("1")
    assert caller.application_errors == []
