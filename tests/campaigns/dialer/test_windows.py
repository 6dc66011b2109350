"""Calling hours in the called party's local time: federal, state and campaign rules."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine

from campaigns.dialer import services, windows
from campaigns.models import CallAttempt, CallingRule, Lead

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
LOS_ANGELES = zoneinfo.ZoneInfo("America/Los_Angeles")
MIAMI_NUMBER = "+13055550123"
# The US territories on the +1 plan, a number of each and its zone.
TERRITORIES = [
    ("+17875550123", "America/Puerto_Rico"),
    ("+16715550123", "Pacific/Guam"),
    ("+13405550123", "America/St_Thomas"),
    ("+16705550123", "Pacific/Saipan"),
    ("+16846330123", "Pacific/Pago_Pago"),
]


def _ny(day: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    """A moment in New York time in November 2026 (the 23rd is a Monday)."""
    return dt.datetime(2026, 11, day, hour, minute, second, tzinfo=NEW_YORK)


def _opening(lead: Lead, at: dt.datetime) -> dt.datetime | None:
    return windows.next_opening(
        lead=lead, campaign=lead.campaign, rules=CallingRule.objects.all(), now=at
    )


def test_a_new_york_number_may_be_called_inside_the_federal_window(make_campaign, make_lead):
    lead = make_lead(make_campaign())
    assert _opening(lead, _ny(23, 10)) is None
    assert _opening(lead, _ny(23, 20, 59)) is None


def test_before_eight_the_lead_waits_for_eight_in_its_own_zone(make_campaign, make_lead):
    lead = make_lead(make_campaign(), phone="+14155550142", time_zones=["America/Los_Angeles"])
    # 10:00 in New York is 07:00 in San Francisco.
    assert _opening(lead, _ny(23, 10)) == dt.datetime(2026, 11, 23, 8, tzinfo=LOS_ANGELES)


def test_after_nine_pm_the_lead_waits_for_the_next_morning(make_campaign, make_lead):
    lead = make_lead(make_campaign())
    assert _opening(lead, _ny(23, 21)) == _ny(24, 8)


def test_the_time_zone_comes_from_the_number_when_the_lead_has_none(make_campaign, make_lead):
    lead = make_lead(make_campaign(), phone="+14155550142", time_zones=[])
    assert _opening(lead, _ny(23, 10)) == dt.datetime(2026, 11, 23, 8, tzinfo=LOS_ANGELES)


def test_an_ambiguous_number_is_called_only_when_every_zone_is_inside(make_campaign, make_lead):
    lead = make_lead(make_campaign(), time_zones=["America/New_York", "America/Los_Angeles"])
    assert _opening(lead, _ny(23, 12)) is None  # 09:00 in Los Angeles
    # 10:00 in New York is 07:00 out west: wait for 08:00 there.
    assert _opening(lead, _ny(23, 10)) == dt.datetime(2026, 11, 23, 8, tzinfo=LOS_ANGELES)
    # 21:30 in New York: closed there until 08:00, when it is 05:00 out west.
    assert _opening(lead, _ny(23, 21, 30)) == dt.datetime(2026, 11, 24, 8, tzinfo=LOS_ANGELES)


def test_the_campaign_window_narrows_the_legal_one(make_campaign, make_lead):
    lead = make_lead(make_campaign(window_start=dt.time(10, 0), window_end=dt.time(18, 0)))
    assert _opening(lead, _ny(23, 9)) == _ny(23, 10)
    assert _opening(lead, _ny(23, 18)) == _ny(24, 10)


def test_florida_stops_calls_at_eight_pm(make_campaign, make_lead):
    lead = make_lead(make_campaign(), phone=MIAMI_NUMBER)
    assert _opening(lead, _ny(23, 19, 59)) is None
    assert _opening(lead, _ny(23, 20, 30)) == _ny(24, 8)


def test_florida_allows_three_calls_per_24_hours(make_campaign, make_lead):
    lead = make_lead(make_campaign(), phone=MIAMI_NUMBER)
    first = _ny(23, 9)
    for hours in (0, 1, 2):
        attempt = CallAttempt.objects.create(
            campaign=lead.campaign, lead=lead, outcome="busy", ended_at=first
        )
        CallAttempt.objects.filter(pk=attempt.pk).update(
            created_at=first + dt.timedelta(hours=hours)
        )
    assert _opening(lead, _ny(23, 12)) == first + dt.timedelta(days=1)
    # Skips are not calls: they never count.
    CallAttempt.objects.filter(lead=lead).update(outcome="skipped_hours")
    assert _opening(lead, _ny(23, 12)) is None


def test_a_rule_without_sundays_moves_the_call_to_monday(make_campaign, make_lead):
    CallingRule.objects.create(name="No Sundays in 212", area_codes="212", allow_sunday=False)
    lead = make_lead(make_campaign())
    sunday_noon = _ny(22, 12)
    assert _opening(lead, sunday_noon) == _ny(23, 8)
    other = make_lead(lead.campaign, phone="+17185550123")
    assert _opening(other, sunday_noon) is None


def test_inactive_rules_do_not_apply(make_campaign, make_lead):
    CallingRule.objects.filter(name__startswith="Florida").update(is_active=False)
    lead = make_lead(make_campaign(), phone=MIAMI_NUMBER)
    assert _opening(lead, _ny(23, 20, 30)) is None


def test_a_lead_outside_its_hours_is_rescheduled_not_burned(monday, make_campaign, make_lead):
    campaign = make_campaign()
    lead = make_lead(campaign, phone="+14155550142", time_zones=["America/Los_Angeles"])
    assert services.leads_claim(campaign=campaign, limit=5) == []
    lead.refresh_from_db()
    assert (lead.status, lead.attempts) == ("scheduled", 0)
    assert lead.next_attempt_at == dt.datetime(2026, 11, 23, 8, tzinfo=LOS_ANGELES)
    assert CallAttempt.objects.get(lead=lead).outcome == "skipped_hours"


def test_nothing_is_claimed_outside_the_campaign_dates(monday, make_campaign, make_lead):
    campaign = make_campaign(ends_on=dt.date(2026, 11, 22))
    make_lead(campaign)
    assert services.leads_claim(campaign=campaign, limit=5) == []
    campaign.ends_on, campaign.starts_on = None, dt.date(2026, 11, 24)
    campaign.save()
    assert services.leads_claim(campaign=campaign, limit=5) == []


@pytest.mark.parametrize(("phone", "zone"), TERRITORIES)
def test_the_federal_hours_cover_the_us_territories(make_campaign, make_lead, phone, zone):
    # The campaign alone would ring from 07:00; the federal rule says 08:00 here too.
    lead = make_lead(make_campaign(window_start=dt.time(7, 0)), phone=phone, time_zones=[zone])
    local = zoneinfo.ZoneInfo(zone)
    at = dt.datetime(2026, 11, 23, 7, 30, tzinfo=local)
    assert windows.rules_for(phone, CallingRule.objects.all())
    assert _opening(lead, at) == dt.datetime(2026, 11, 23, 8, tzinfo=local)


def test_a_state_rule_does_not_reach_a_territory(make_campaign, make_lead):
    # Florida's rule names Florida's area codes; Puerto Rico's 787 is not one of them.
    names = [rule.name for rule in windows.rules_for("+17875550123", CallingRule.objects.all())]
    assert names and not any(name.startswith("Florida") for name in names)


LONDON = zoneinfo.ZoneInfo("Europe/London")
LONDON_NUMBER = "+442079460123"  # no federal rule: the campaign's window alone


def test_a_window_starting_in_the_spring_gap_opens_as_the_clocks_jump(make_campaign, make_lead):
    # 29 March 2026: London's clocks jump from 01:00 to 02:00; 01:30 never happens.
    campaign = make_campaign(window_start=dt.time(1, 30), window_end=dt.time(5, 0))
    lead = make_lead(campaign, phone=LONDON_NUMBER, time_zones=["Europe/London"])
    opening = _opening(lead, dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC))
    assert opening == dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC)  # 02:00 summer time
    assert opening.astimezone(LONDON).hour == 2


def test_a_window_starting_in_the_autumn_overlap_opens_at_its_first_reading(
    make_campaign, make_lead
):
    # 25 October 2026: London reads 01:00-02:00 twice; the window opens the first time.
    campaign = make_campaign(window_start=dt.time(1, 30), window_end=dt.time(5, 0))
    lead = make_lead(campaign, phone=LONDON_NUMBER, time_zones=["Europe/London"])
    opening = _opening(lead, dt.datetime(2026, 10, 24, 23, 0, tzinfo=dt.UTC))
    assert opening == dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)  # 01:30 summer time


def test_a_number_in_no_known_zone_is_never_dialled(monday, make_campaign, make_lead):
    # Inmarsat: a valid number that no zone belongs to. Ours (UTC) is no guess to ring on.
    campaign = make_campaign()
    lead = make_lead(campaign, phone="+870773111632", time_zones=[])
    assert windows.time_zones(lead) == []
    assert _opening(lead, _ny(23, 12)) == _ny(23, 12) + 7 * windows.DAY
    assert services.leads_claim(campaign=campaign, limit=1) == []
    assert CallAttempt.objects.get(lead=lead).outcome == "skipped_hours"


def test_after_midnight_in_guam_the_lead_waits_for_eight_there(make_campaign, make_lead):
    guam = zoneinfo.ZoneInfo("Pacific/Guam")
    lead = make_lead(make_campaign(), phone="+16715550123", time_zones=[])
    # 14:30 UTC on Monday is 00:30 on Tuesday in Guam.
    assert _opening(lead, dt.datetime(2026, 11, 23, 14, 30, tzinfo=dt.UTC)) == dt.datetime(
        2026, 11, 24, 8, tzinfo=guam
    )


@pytest.mark.parametrize(("phone", "zone"), TERRITORIES)
def test_a_territory_number_ends_at_nine_pm_in_the_zone_of_its_number(
    make_campaign, make_lead, phone, zone
):
    # No zone on the lead: the number's own; the campaign alone would ring until 23:00.
    lead = make_lead(make_campaign(window_end=dt.time(23, 0)), phone=phone, time_zones=[])
    local = zoneinfo.ZoneInfo(zone)
    assert _opening(lead, dt.datetime(2026, 11, 23, 20, 59, tzinfo=local)) is None
    assert _opening(lead, dt.datetime(2026, 11, 23, 21, 0, tzinfo=local)) == dt.datetime(
        2026, 11, 24, 8, tzinfo=local
    )


def test_a_call_whose_window_closes_before_its_slot_is_not_placed(
    simulator, make_campaign, make_lead
):
    lead = make_lead(make_campaign())
    with time_machine.travel(_ny(23, 20, 59), tick=False):
        (attempt,) = services.leads_claim(campaign=lead.campaign, limit=1)
    with time_machine.travel(_ny(23, 21, 0, 5), tick=False):
        services.attempt_place(attempt_id=attempt.pk)
    assert not [call for call in simulator.calls.values() if call.to == lead.phone]
    attempt.refresh_from_db()
    lead.refresh_from_db()
    assert attempt.outcome == "skipped_hours" and attempt.ended_at is not None
    assert (lead.status, lead.attempts, lead.next_attempt_at) == ("scheduled", 0, _ny(24, 8))


def test_the_call_claimed_under_floridas_daily_maximum_is_still_placed(
    simulator, make_campaign, make_lead
):
    # Two calls today and the third claimed: the claimed one is not counted against itself.
    lead = make_lead(make_campaign(), phone=MIAMI_NUMBER)
    for _ in range(2):
        CallAttempt.objects.create(
            campaign=lead.campaign, lead=lead, outcome="busy", ended_at=_ny(23, 9)
        )
    with time_machine.travel(_ny(23, 12), tick=False):
        (attempt,) = services.leads_claim(campaign=lead.campaign, limit=1)
        services.attempt_place(attempt_id=attempt.pk)
    assert [call for call in simulator.calls.values() if call.to == lead.phone]
