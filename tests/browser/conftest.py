"""Headless Chromium from the system (Debian's chromium package), driven by Playwright.

Playwright never downloads a browser here. Without /usr/bin/chromium these tests skip,
except in CI (CI=true), where a missing browser is a failure: .ci/run installs it.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connections
from playwright.sync_api import expect

from crm import services as crm_services
from telephony import demo, gateway, twiml
from telephony.models import AgentProfile, AgentSkill, BusinessHours, OpeningPeriod, Queue, Skill
from telephony.simulator import (
    CalledParty,
    HttpTransport,
    NumberConfig,
    RealClock,
    Simulator,
    SimulatorServer,
)
from tests.concurrency import run_at_once

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# Flags for a root user on a machine with no outside network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page(transactional_db, live_server, monkeypatch):
    """A fresh browser page on the live server (plain HTTP: no websockets).

    Function-scoped on purpose: Playwright's sync API runs an event loop on this thread,
    so it starts after the database is set up and stops before it is flushed.
    """
    yield from _browser_page(live_server.url, monkeypatch)


def _browser_page(base_url: str, monkeypatch):
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs it (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    # The test body's own ORM calls are plain synchronous code beside that loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(base_url=base_url)
        context.set_default_timeout(10_000)
        yield context.new_page()
        browser.close()
        # The test body ran beside Playwright's loop, with a connection of its own.
        connections.close_all()


@pytest.fixture(scope="session")
def _asgi_server(django_db_setup):
    """One daphne for the session (Twisted's reactor starts once per process), on the
    test database; its threads use it while a test allows database access."""
    from tests.browser.asgi_server import AsgiLiveServer

    # The server's threads close their connections after each request, so none is left
    # open on the test database when it is flushed or dropped.
    database = connections["default"].settings_dict
    max_age, database["CONN_MAX_AGE"] = database.get("CONN_MAX_AGE", 0), 0
    server = AsgiLiveServer()
    server.start()
    yield server
    server.stop()
    database["CONN_MAX_AGE"] = max_age


@pytest.fixture
def asgi_server(_asgi_server, transactional_db, settings):
    """The ASGI live server (HTTP and websockets, as `make run` serves them), its gate
    open at the start of each test."""
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    _asgi_server.gate.open.set()
    return _asgi_server


@pytest.fixture
def live_page(asgi_server, monkeypatch):
    """A fresh browser page on the ASGI live server: its websocket is real."""
    yield from _browser_page(asgi_server.url, monkeypatch)


@pytest.fixture
def sign_in(page):
    def sign_in_as(user, password: str = "s3cret-pass"):
        return sign_in_on(page, user, password)

    return sign_in_as


def sign_in_on(page, user, password: str = "s3cret-pass"):
    """Sign `user` in on `page` (any page: a second browser context is a second person)."""
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    return page


def set_state(page, state: str) -> None:
    """Change the agent's state with the desk's selector."""
    page.locator("#desk-state select[name=state]").select_option(state)
    page.locator("#desk-state").get_by_role("button", name="Change").click()


def refresh_until(page, selector: str, text: str, timeout: float = 40.0) -> None:
    """Fire the desk's change event (as its websocket would) until `selector` shows `text`.

    The live test server speaks plain HTTP, so the test plays the websocket's part. Each
    round waits until no refresh is in flight, so a slow, older answer never lands after
    the check (and wipes what the test then types).
    """
    deadline = time.monotonic() + timeout
    while True:
        page.evaluate("htmx.trigger(document.body, 'desk-changed')")
        page.wait_for_function("!document.querySelector('.htmx-request')")
        try:
            expect(page.locator(selector)).to_contain_text(text, timeout=500)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise


def wrap_up_resolved_with_a_case(page, *, notes: str, case: str) -> None:
    """Fill and send the wrap-up form (disposition Resolved, a new case) and wait until the
    agent is available again."""
    page.get_by_label("Disposition").select_option(label="Resolved")
    page.get_by_label("Notes").fill(notes)
    page.get_by_label("Open a new case").fill(case)
    page.get_by_role("button", name="Finish wrap-up").click()
    expect(page.locator("#desk-call")).to_contain_text("No call")
    refresh_until(page, "#agent-state", "Available")


def elsewhere(work) -> None:
    """Run `work` on another thread with its own connection, as a worker process would
    (and away from Playwright's event loop)."""
    run_at_once([work])


# --- A live call center: the demo line open all day, the simulator over HTTP ----------

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
    yield from _simulator_calling(settings, live_server.url)


@pytest.fixture
def asgi_twilio(settings, asgi_server):
    """The simulator as `make run` serves it, calling the ASGI live server."""
    yield from _simulator_calling(settings, asgi_server.url)


def _simulator_calling(settings, base_url: str):
    settings.PUBLIC_BASE_URL = base_url
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


@pytest.fixture
def ava():
    customer = crm_services.customer_create(
        name="Ava Chen", account_number="AC-100042", phone_numbers=[{"number": CALLER}]
    )
    crm_services.case_create(customer=customer, actor=None, subject="Router drops")
    return customer
