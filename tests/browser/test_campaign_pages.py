"""A supervisor runs a campaign in a real browser: imports a lead file, starts, pauses.

Data the page needs is made by fixtures listed before `sign_in`; what changes meanwhile
is made on another thread, away from Playwright's event loop.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import CallAttempt, Campaign, Lead
from crm import services as crm_services
from crm.models import DncList
from telephony.models import AgentProfile, Queue
from telephony.simulator import CalledParty
from tests.browser.conftest import elsewhere, refresh_until, set_state
from tests.factories import CampaignFactory, CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEADS_CSV = (
    "Full name,Mobile,Notes\n"
    "Ava Chen,(212) 555-0142,VIP\n"
    "Ben Ode,+1 212 555 0143,\n"
    "Bad Number,555,\n"
    "Ava Again,212-555-0142,\n"
    "On The List,(212) 555-0199,\n"
)


@pytest.fixture
def campaign(agent):
    campaign = CampaignFactory(
        name="Winter renewals", kind=Campaign.Kind.SALES, queue=Queue.objects.create(name="Sales")
    )
    crm_services.dnc_add(phone="+12125550199", source="manual", reason="Asked us")
    return campaign


def test_supervisor_imports_leads_then_starts_and_pauses_the_campaign(
    campaign, supervisor, sign_in, tmp_path, settings
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    leads_file = tmp_path / "winter.csv"
    leads_file.write_text(LEADS_CSV)
    page = sign_in(supervisor)
    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="Winter renewals").click()

    page.get_by_role("link", name="Import leads").click()
    page.get_by_label("File").set_input_files(str(leads_file))
    page.get_by_role("button", name="Upload").click()
    # The columns are guessed; the supervisor confirms which one holds the phone number.
    expect(page.locator("#mapping")).to_contain_text("Which column holds what?")
    page.get_by_label("Mobile").select_option(label="Phone number")
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-progress")).to_contain_text("5 of 5 rows", timeout=15_000)
    expect(page.locator("#imported")).to_have_text("2")
    expect(page.locator("#duplicates")).to_have_text("1")
    expect(page.locator("#rejected")).to_have_text("2")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the rows not imported (CSV)").click()
    report = download.value.path().read_text()
    assert "Bad Number" in report and "On The List" in report and "Ava Again" in report

    page.get_by_role("link", name="Winter renewals").click()
    page.get_by_role("button", name="Start").click()
    # Sales calls need a current copy of the national registry to scrub against.
    expect(page.locator("#campaign-panel")).to_contain_text("Sales campaigns cannot start.")
    elsewhere(
        lambda: DncList.objects.create(
            name="National registry", kind=DncList.Kind.NATIONAL, as_of=timezone.localdate()
        )
    )
    page.get_by_role("button", name="Start").click()
    expect(page.locator("#campaign-panel")).to_contain_text("Running")
    page.get_by_role("button", name="Pause").click()
    expect(page.locator("#campaign-panel")).to_contain_text("Paused")
    expect(page.locator("#counters")).to_contain_text("2")  # leads left

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED
    assert set(Lead.objects.values_list("phone", flat=True)) == {"+12125550142", "+12125550143"}


def _zone_in_calling_hours() -> str:
    """A US time zone where it is now between 09:00 and 20:00, whenever the test runs."""
    now = timezone.now()
    for name in (
        "America/New_York",
        "America/Chicago",
        "America/Los_Angeles",
        "Pacific/Honolulu",
        "America/Anchorage",
        "Asia/Tokyo",
        "Europe/London",
        "Australia/Sydney",
    ):
        if 9 <= now.astimezone(zoneinfo.ZoneInfo(name)).hour < 20:
            return name
    raise AssertionError("no zone in calling hours")  # eight zones cover every hour


@pytest.fixture
def preview_lead(agent, simulator):
    alex = AgentProfile.objects.create(user=agent, client_identity="alex", state="offline")
    campaign = CampaignFactory(
        name="Renewal reminders",
        kind=Campaign.Kind.REMINDER,
        dial_mode=Campaign.DialMode.PREVIEW,
        status=Campaign.Status.RUNNING,
        queue=Queue.objects.create(name="Renewals"),
        script="Hello, this is Example Co about your renewal.",
        window_start=dt.time(0),
        window_end=dt.time(23, 59),
    )
    campaign.agents.add(alex)
    simulator.set_party("+13125550188", CalledParty(answer="no-answer"))
    return Lead.objects.create(
        campaign=campaign,
        # Reminders ring a mobile with the customer's prior express consent.
        customer=CustomerFactory(name="Dana Price", call_consent="express"),
        phone="+13125550188",
        name="Dana Price",
        time_zones=[_zone_in_calling_hours()],
        data={"Plan": "Gold"},
    )


def test_agent_previews_a_lead_with_the_script_and_dials_it(preview_lead, sign_in):
    page = sign_in(preview_lead.campaign.agents.get().user)
    page.get_by_role("link", name="Desk").click()
    set_state(page, "available")
    refresh_until(page, "#campaign-desk", "Dana Price")
    panel = page.locator("#campaign-desk")
    expect(panel).to_contain_text("Next lead")
    expect(panel).to_contain_text("Gold")
    expect(panel).to_contain_text("Hello, this is Example Co about your renewal.")

    panel.get_by_role("button", name="Dial").click()
    expect(panel).not_to_contain_text("Next lead")
    attempt = CallAttempt.objects.get(lead=preview_lead)
    assert attempt.agent.user.username == "agent" and attempt.placed_at is not None
    preview_lead.refresh_from_db()
    assert (preview_lead.status, preview_lead.attempts) == (Lead.Status.DIALING, 1)
