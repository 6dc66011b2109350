"""An agent and a supervisor at work in a real browser.

Data the page needs is made by fixtures listed before `sign_in`, so it exists before the
browser (and its event loop) starts.
"""

import pytest
from playwright.sync_api import expect

from crm import services
from crm.models import Case
from tests.browser.conftest import elsewhere

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ava():
    return services.customer_create(
        name="Ava Chen", account_number="AC-100042", phone_numbers=[{"number": "+14155550142"}]
    )


def test_agent_finds_caller_by_local_number_and_adds_a_note(agent, ava, sign_in):
    page = sign_in(agent)
    page.get_by_role("link", name="Customers").click()
    page.get_by_label("Search customers").press_sequentially("(415) 555-0142", delay=20)
    result = page.locator("#customer-results").get_by_role("link", name="Ava Chen")
    expect(result).to_be_visible()
    result.click()
    expect(page.get_by_role("heading", name="Ava Chen")).to_be_visible()

    # A marker on the window survives only if the page is not reloaded.
    page.evaluate("window.__samePage = true")
    page.get_by_placeholder("Add a note to the timeline").fill("Wants a callback after 5 pm")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#timeline")).to_contain_text("Wants a callback after 5 pm")
    assert page.evaluate("window.__samePage") is True
    expect(page.get_by_placeholder("Add a note to the timeline")).to_have_value("")
    assert ava.interactions.get().body == "Wants a callback after 5 pm"


def test_a_bad_note_shows_an_error_in_place(agent, ava, sign_in):
    page = sign_in(agent)
    page.goto(ava.get_absolute_url())
    page.get_by_placeholder("Add a note to the timeline").fill("   ")
    # The browser's own required check would stop an empty note; blanks reach the server.
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#timeline-section .errorlist")).to_be_visible()
    assert not ava.interactions.exists()


def test_timeline_updates_live_when_a_colleague_adds_a_note(agent, other_agent, ava, sign_in):
    page = sign_in(agent)
    page.goto(ava.get_absolute_url())
    # The live server speaks plain HTTP (no websockets); the page's refresh path is the
    # same one a websocket notice triggers.
    elsewhere(lambda: services.note_add(customer=ava, author=other_agent, body="Colleague's note"))
    page.evaluate("htmx.trigger(document.body, 'timeline-changed')")
    expect(page.locator("#timeline")).to_contain_text("Colleague's note")


@pytest.fixture
def refund_case(ava, agent):
    return services.case_create(customer=ava, actor=agent, owner=agent, subject="Refund")


def test_agent_moves_a_case_along_without_reload(agent, refund_case, sign_in):
    case = refund_case
    page = sign_in(agent)
    page.get_by_role("link", name="Cases").click()
    page.get_by_role("link", name=case.reference).click()
    page.evaluate("window.__samePage = true")
    page.get_by_label("Status").select_option("open")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator("#case-status")).to_have_text("Open")
    page.get_by_label("Status").select_option("resolved")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator("#case-panel .errorlist")).to_contain_text("Say how the case was resolved")
    page.get_by_placeholder("Resolution (needed to resolve or close)").fill("Refund issued")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator("#case-status")).to_have_text("Resolved")
    assert page.evaluate("window.__samePage") is True
    case.refresh_from_db()
    assert (case.status, case.resolution) == (Case.Status.RESOLVED, "Refund issued")


@pytest.fixture
def unassigned_case(ava, supervisor):
    return services.case_create(customer=ava, actor=supervisor, subject="Damaged delivery")


def test_supervisor_assigns_a_case_to_an_agent(supervisor, agent, unassigned_case, sign_in):
    case = unassigned_case
    page = sign_in(supervisor)
    page.goto("/cases/?scope=unassigned")
    page.get_by_role("link", name=case.reference).click()
    page.locator("select[name=owner]").select_option(str(agent.pk))
    page.get_by_role("button", name="Assign").click()
    expect(page.locator("#case-history")).to_contain_text("Alex Kim")
    case.refresh_from_db()
    assert case.owner == agent
