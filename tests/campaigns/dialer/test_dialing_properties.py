"""Properties of the dialer's compliance: nobody on Do-Not-Call, nobody without the consent
the campaign needs for their line, and nobody outside their local calling hours is ever
dialled, whatever the zones, daylight-saving days and hours.

The examples drive the real claim (`leads_claim`), the real re-check before the call is
placed (`attempt_place`, through the simulator) and the real windows code; what they are
checked against is the rule itself, written out here from the law (federal 08:00-21:00
for the +1 numbers of the US and its territories, Florida 08:00-20:00; the TCPA's consent
levels), not from the code or its rules data.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager

import phonenumbers
import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from phonenumbers import timezone as number_zones

from campaigns.dialer import services, windows
from campaigns.models import CallAttempt, CallingRule, Campaign, Lead
from crm import services as crm_services
from crm.models import Customer, DncEntry, DncList, DncSource

pytestmark = pytest.mark.django_db

# Examples touch the database: few of them, and no per-example deadline (a slow CI disk is
# not a failure), so the suite stays quick on PostgreSQL and SQLite alike.
DB_EXAMPLES = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PURE_EXAMPLES = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

FEDERAL = (dt.time(8, 0), dt.time(21, 0))
FLORIDA = (dt.time(8, 0), dt.time(20, 0))
FEDERAL_REGIONS = {"US", "PR", "GU", "VI", "MP", "AS"}
FLORIDA_CODES = {"305"}  # the pool's only Florida area code
PHONES = [
    "+12125550123",  # New York
    "+13125550123",  # Chicago
    "+16025550123",  # Phoenix: no daylight saving
    "+14155550123",  # San Francisco
    "+12085550123",  # Idaho: Boise or Los Angeles
    "+17015550123",  # North Dakota: Denver or Central
    "+19075550123",  # Alaska: Anchorage or Adak
    "+18085550123",  # Honolulu
    "+13055550123",  # Miami: Florida's stricter rule
    "+17875550123",  # Puerto Rico
    "+16715550123",  # Guam
    "+13405550123",  # US Virgin Islands
    "+16705550123",  # Northern Mariana Islands
    "+16846330123",  # American Samoa
    "+18005550199",  # toll-free: every +1 zone at once (Guam to Hawaii): never
    "+442079460123",  # London: no federal rule, the campaign's window alone
    "+870773111632",  # Inmarsat: valid, in no zone anybody knows
]
ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "Pacific/Guam",
    "Europe/London",
    "Asia/Kolkata",  # half-hour offset
    "Australia/Lord_Howe",  # half-hour daylight saving
    "Pacific/Chatham",  # 45-minute offset
]
# Daylight-saving changes and midnights that the moments cluster around.
ANCHORS = [
    dt.datetime(2026, 3, 8, 7, 0, tzinfo=dt.UTC),  # US spring forward (02:00 New York)
    dt.datetime(2026, 11, 1, 6, 0, tzinfo=dt.UTC),  # US fall back (02:00 New York)
    dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC),  # Europe spring forward
    dt.datetime(2026, 10, 25, 1, 0, tzinfo=dt.UTC),  # Europe fall back
    dt.datetime(2026, 4, 4, 15, 0, tzinfo=dt.UTC),  # Lord Howe falls back half an hour
    dt.datetime(2026, 11, 24, 5, 0, tzinfo=dt.UTC),  # midnight in New York
    dt.datetime(2026, 11, 24, 0, 0, tzinfo=dt.UTC),  # midnight in UTC, 19:00 in New York
    dt.datetime(2026, 11, 23, 14, 0, tzinfo=dt.UTC),  # midnight in Guam
]
# What a lead file or the CRM may say of a lead's zones: nothing (the number decides),
# one zone, or several (the lead could be in any of them).
given_zones: st.SearchStrategy[list[str]] = st.one_of(
    st.just([]), st.lists(st.sampled_from(ZONES), min_size=1, max_size=2, unique=True)
)
# On which list a number is: none, a list that binds the campaign, or another campaign's.
LISTINGS = ["none", "internal", "national", "own", "other campaign's"]
BINDING = {"internal", "national", "own"}


def _five_minutes(minutes: int) -> dt.timedelta:
    return dt.timedelta(minutes=5 * minutes)


# Five-minute steps: every offset and daylight-saving jump above is a multiple of them.
moments = st.builds(
    lambda anchor, steps: anchor + _five_minutes(steps),
    st.sampled_from(ANCHORS),
    st.integers(min_value=-12 * 36, max_value=12 * 36),
)
wall_times = st.builds(lambda steps: dt.time(steps // 12, steps % 12 * 5), st.integers(0, 287))


def candidate_zones(phone: str, given: list[str]) -> list[zoneinfo.ZoneInfo]:
    """Where the called party may be: what the lead says, else what the number says."""
    names = given or [
        name
        for name in number_zones.time_zones_for_number(phonenumbers.parse(phone))
        if name != number_zones.UNKNOWN_TIMEZONE
    ]
    return [zoneinfo.ZoneInfo(name) for name in names]


def legal_hours(phone: str) -> list[tuple[dt.time, dt.time]]:
    parsed = phonenumbers.parse(phone)
    hours = []
    if phonenumbers.region_code_for_number(parsed) in FEDERAL_REGIONS:
        hours.append(FEDERAL)
        if str(parsed.national_number)[:3] in FLORIDA_CODES:
            hours.append(FLORIDA)
    return hours


def may_ring(phone: str, given: list[str], campaign: Campaign, at: dt.datetime) -> bool:
    """The rule: inside every window that applies, in every zone the party may be in."""
    zones = candidate_zones(phone, given)
    windows_ = [(campaign.window_start, campaign.window_end), *legal_hours(phone)]
    return bool(zones) and all(
        start <= at.astimezone(zone).time() < end for zone in zones for start, end in windows_
    )


@contextmanager
def rolled_back() -> Iterator[None]:
    """Each example starts from the same rows: what it writes is undone after it."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture
def lists(db):
    national = DncList.objects.create(
        name="National registry", kind=DncList.Kind.NATIONAL, as_of=dt.date(2026, 11, 1)
    )
    return {
        "internal": DncList.objects.get(kind=DncList.Kind.INTERNAL),
        "national": national,
        "own": DncList.objects.create(name="Winter offer's own", kind=DncList.Kind.CAMPAIGN),
        "other campaign's": DncList.objects.create(name="Partner", kind=DncList.Kind.CAMPAIGN),
    }


@pytest.fixture
def campaign(make_campaign, lists):
    campaign = make_campaign()
    campaign.dnc_lists.add(lists["own"])
    return campaign


# The consent each kind of campaign needs, by line, as the TCPA has it: telemarketing to a
# mobile needs prior express written consent, informational calls prior express consent,
# fixed lines none. A line nobody knows is taken for a mobile.
LEVELS = ["none", "express", "written"]
NEEDED = {
    kind: {"fixed_line": "none"} | dict.fromkeys(("mobile", "voip", "unknown"), level)
    for kind, level in [
        ("sales", "written"),
        ("survey", "express"),
        ("reminder", "express"),
        ("collections", "express"),
    ]
}
# What the CRM knows of the person: no customer at all, or a customer's consent level.
consents = st.sampled_from(["no customer", *LEVELS])
line_types = st.sampled_from(["unknown", "mobile", "fixed_line", "voip"])


def consented(kind: str, line_type: str, consent: str) -> bool:
    needed = NEEDED[kind][line_type]
    given = "none" if consent == "no customer" else consent
    return LEVELS.index(given) >= LEVELS.index(needed)


def _lead(
    campaign: Campaign,
    phone: str,
    zones: list[str],
    consent: str = "written",
    line_type: str = "unknown",
) -> Lead:
    customer = None
    if consent != "no customer":
        customer = crm_services.customer_create(
            name="Ava Chen", phone_numbers=[{"number": phone}], call_consent=consent
        )
    return Lead.objects.create(
        campaign=campaign,
        customer=customer,
        name="Ava Chen",
        phone=phone,
        time_zones=zones,
        line_type=line_type,
    )


def _list(lists: dict[str, DncList], phone: str, listing: str) -> None:
    # As a registry load does: straight into the list, without stopping leads first, so
    # the dialer's own check is what stands between the number and a call.
    if listing != "none":
        DncEntry.objects.create(dnc_list=lists[listing], phone=phone, source=DncSource.REGISTRY)


leads_drawn = st.lists(
    st.tuples(
        st.sampled_from(PHONES), given_zones, st.sampled_from(LISTINGS), consents, line_types
    ),
    min_size=1,
    max_size=6,
    unique_by=lambda lead: lead[0],
)


@DB_EXAMPLES
@given(
    at=moments,
    start=wall_times,
    end=wall_times,
    kind=st.sampled_from(Campaign.Kind.values),
    drawn=leads_drawn,
)
def test_the_claim_takes_exactly_the_leads_the_rules_allow(
    campaign, lists, at, start, end, kind, drawn
):
    with rolled_back():
        # The campaign's window may be empty (ends before it starts): then nobody is rung.
        Campaign.objects.filter(pk=campaign.pk).update(
            window_start=start, window_end=end, kind=kind
        )
        campaign.refresh_from_db()
        for phone, zones, listing, consent, line_type in drawn:
            _lead(campaign, phone, zones, consent, line_type)
            _list(lists, phone, listing)
        with time_machine.travel(at, tick=False):
            claimed = services.leads_claim(campaign=campaign, limit=len(drawn))
        dialled = {attempt.lead.phone for attempt in claimed}
        for phone, zones, listing, consent, line_type in drawn:
            allowed = (
                listing not in BINDING
                and consented(kind, line_type, consent)
                and may_ring(phone, zones, campaign, at)
            )
            assert (phone in dialled) == allowed, (phone, zones, listing, consent, line_type, at)
        # A lead refused for consent says so on the campaign's page, and waits for no window.
        refused = Lead.objects.filter(campaign=campaign, status=Lead.Status.NO_CONSENT)
        assert {lead.phone for lead in refused} == {
            phone
            for phone, _, listing, consent, line_type in drawn
            if listing not in BINDING and not consented(kind, line_type, consent)
        }


@DB_EXAMPLES
@given(
    at=moments,
    wait=st.integers(min_value=0, max_value=36),
    phone=st.sampled_from(PHONES),
    zones=given_zones,
    listed_meanwhile=st.sampled_from(LISTINGS),
    withdrawn=st.booleans(),
)
def test_a_claimed_call_is_placed_only_if_still_allowed_when_its_slot_comes(
    simulator, campaign, lists, at, wait, phone, zones, listed_meanwhile, withdrawn
):
    with rolled_back():
        lead = _lead(campaign, phone, zones)
        with time_machine.travel(at, tick=False):
            claimed = services.leads_claim(campaign=campaign, limit=1)
        assert bool(claimed) == may_ring(phone, zones, campaign, at)
        if not claimed:
            return
        # While the call waits for its slot, the number may be listed, the customer withdraw
        # their consent, and the window close.
        _list(lists, phone, listed_meanwhile)
        if withdrawn:
            Customer.objects.filter(pk=lead.customer_id).update(call_consent="none")
        placed_at = at + _five_minutes(wait)
        calls_before = len(simulator.calls)
        with time_machine.travel(placed_at, tick=False):
            services.attempt_place(attempt_id=claimed[0].pk)
        allowed = (
            listed_meanwhile not in BINDING
            and not withdrawn
            and may_ring(phone, zones, campaign, placed_at)
        )
        rung = [call for call in list(simulator.calls.values())[calls_before:] if call.to == phone]
        assert len(rung) == int(allowed)
        attempt = CallAttempt.objects.get(pk=claimed[0].pk)
        lead.refresh_from_db()
        if not allowed:
            # Not a call: the attempt is a skip and the lead's attempts are untouched.
            assert attempt.outcome in ("skipped_dnc", "skipped_consent", "skipped_hours")
            assert attempt.placed_at is None  # not among the campaign's dialled calls
            assert attempt.ended_at is not None and lead.attempts == 0


def _first_allowed(
    phone: str, given: list[str], campaign: Campaign, after: dt.datetime, days: int
) -> dt.datetime | None:
    """By brute force, the first five-minute step from `after` at which the lead may be rung."""
    for step in range(days * 24 * 12):
        moment = after + _five_minutes(step)
        if may_ring(phone, given, campaign, moment):
            return moment
    return None


@PURE_EXAMPLES
@given(
    at=moments,
    start=wall_times,
    end=wall_times,
    phone=st.sampled_from(PHONES),
    zones=given_zones,
)
def test_the_next_opening_is_the_first_moment_the_rules_allow(at, start, end, phone, zones):
    # No rows: the rules are built in memory, so the same rule text serves both sides.
    campaign = Campaign(window_start=start, window_end=end)
    lead = Lead(campaign=campaign, phone=phone, time_zones=zones)
    rules = [
        CallingRule(name="federal", country="US"),
        CallingRule(name="Florida", country="US", area_codes="305", window_end=dt.time(20, 0)),
    ]
    opening = windows.next_opening(lead=lead, campaign=campaign, rules=rules, now=at)
    first = _first_allowed(phone, zones, campaign, at, days=6)
    if first is None:
        # Nothing in six days (zones that never overlap, an empty window, no zone known).
        assert opening is not None and opening >= at + dt.timedelta(days=6)
        if opening != at + 7 * windows.DAY:
            assert may_ring(phone, zones, campaign, opening)
    else:
        assert opening == (None if first == at else first), (first, opening)


# Zones on the days their clocks change in 2026, and the small hours when they do.
CLOCK_CHANGES = [
    (zone, dt.date(2026, month, day))
    for zone, changes in [
        ("America/New_York", [(3, 8), (11, 1)]),
        ("America/Denver", [(3, 8), (11, 1)]),
        ("Europe/London", [(3, 29), (10, 25)]),
        ("Australia/Lord_Howe", [(4, 5), (10, 4)]),
        ("Pacific/Chatham", [(4, 5), (9, 27)]),
    ]
    for month, day in changes
]
small_hours = st.builds(lambda steps: dt.time(steps // 12, steps % 12 * 5), st.integers(0, 47))


@PURE_EXAMPLES
@given(
    zone_and_day=st.one_of(
        st.sampled_from(CLOCK_CHANGES),
        st.tuples(
            st.sampled_from(ZONES),
            st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 12, 31)),
        ),
    ),
    start=st.one_of(small_hours, wall_times),
)
def test_a_window_opens_at_the_first_instant_the_clock_reads_its_start(zone_and_day, start):
    zone, day = zone_and_day
    tz = zoneinfo.ZoneInfo(zone)
    opening = windows.first_reading(day, start, tz)
    reading = dt.datetime.combine(day, start)
    assert opening.astimezone(tz).replace(tzinfo=None) >= reading
    # A second earlier the clock still read less: not a moment late, in gaps and overlaps.
    # (In UTC: arithmetic on a datetime in `tz` would be wall-clock arithmetic.)
    before = (opening.astimezone(dt.UTC) - dt.timedelta(seconds=1)).astimezone(tz)
    assert before.replace(tzinfo=None) < reading
