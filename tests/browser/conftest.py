"""Headless Chromium from the system (Debian's chromium package), driven by Playwright.

Playwright never downloads a browser here. Without /usr/bin/chromium these tests skip,
except in CI (CI=true), where a missing browser is a failure: .ci/run installs it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import expect

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
    """A fresh browser page on the live server.

    Function-scoped on purpose: Playwright's sync API runs an event loop on this thread,
    so it starts after the database is set up and stops before it is flushed.
    """
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
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(10_000)
        yield context.new_page()
        browser.close()
        # The test body ran beside Playwright's loop, with a connection of its own.
        connections.close_all()


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
