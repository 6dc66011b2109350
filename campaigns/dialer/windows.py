"""When a lead may be rung: calling hours in the called party's local time, as data.

The strictest of every matching CallingRule (federal, then state rules by area code) and
the campaign's own window applies. A number whose time zone is ambiguous may be called
only when every zone it could be in is inside the window; a number whose zone nobody
knows (neither the lead nor the numbering plan tells) is never called: no window can be
shown to hold for it. Windows are wall-clock times within one local day (the law's are
08:00-21:00); a window that would end at or before its start (the models refuse one, and
the strictest of two may be one) is empty, so it never dials. Pure reads: the dialer calls
`next_opening` in the transaction that claims the lead and again just before it dials.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import phonenumbers
from phonenumbers import timezone as number_zones

from ..models import CallAttempt, CallingRule, Campaign, Lead

SUNDAY = 6
DAY = dt.timedelta(days=1)
# Outcomes that are not calls: they never count towards a daily maximum.
NOT_DIALED = (
    CallAttempt.Outcome.SKIPPED_DNC,
    CallAttempt.Outcome.SKIPPED_HOURS,
    CallAttempt.Outcome.SKIPPED_CONSENT,
)


@dataclass(frozen=True)
class Window:
    """The daily calling window that applies to one number (local wall-clock times)."""

    start: dt.time
    end: dt.time
    allow_sunday: bool
    max_per_day: int | None


def area_code(phone: str) -> str:
    """The three-digit area code of a North American number ('' for others)."""
    parsed = phonenumbers.parse(phone, None)
    national = str(parsed.national_number)
    return national[:3] if parsed.country_code == 1 and len(national) == 10 else ""


# A country's law also binds regions it governs that have region codes of their own: the
# TCPA's calling hours cover the US territories on the +1 plan.
REGIONS_UNDER: dict[str, frozenset[str]] = {
    "US": frozenset({"US", "PR", "GU", "VI", "MP", "AS"}),
}


def rules_for(phone: str, rules: Iterable[CallingRule]) -> list[CallingRule]:
    """The active rules that apply to `phone`: its country's, and its area code's."""
    region = phonenumbers.region_code_for_number(phonenumbers.parse(phone, None))
    code = area_code(phone)
    return [
        rule
        for rule in rules
        if rule.is_active
        and region in REGIONS_UNDER.get(rule.country, {rule.country})
        and (not rule.area_code_list() or code in rule.area_code_list())
    ]


def strictest(campaign: Campaign, rules: Sequence[CallingRule]) -> Window:
    """The latest start, the earliest end, no Sunday if any rule forbids it, the lowest cap."""
    caps = [rule.max_attempts_per_day for rule in rules if rule.max_attempts_per_day]
    return Window(
        start=max([campaign.window_start, *(rule.window_start for rule in rules)]),
        end=min([campaign.window_end, *(rule.window_end for rule in rules)]),
        allow_sunday=all(rule.allow_sunday for rule in rules),
        max_per_day=min(caps) if caps else None,
    )


def time_zones(lead: Lead) -> list[zoneinfo.ZoneInfo]:
    """The zones the called party may be in: the lead's, else the number's; none if unknown.

    Never the call center's own zone: guessing ours for an unknown party could ring them at
    night, so an unknown zone is the most restrictive case (see `earliest_inside`).
    """
    names = list(lead.time_zones)
    if not names:
        parsed = phonenumbers.parse(lead.phone, None)
        names = [
            name
            for name in number_zones.time_zones_for_number(parsed)
            if name != number_zones.UNKNOWN_TIMEZONE
        ]
    return [zoneinfo.ZoneInfo(name) for name in names]


def _inside(window: Window, zone: zoneinfo.ZoneInfo, at: dt.datetime) -> bool:
    local = at.astimezone(zone)
    if not window.allow_sunday and local.weekday() == SUNDAY:
        return False
    return window.start <= local.time() < window.end


def _wall(moment: int, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """What the clock in `zone` reads at `moment` (Unix seconds), as a naive datetime."""
    return dt.datetime.fromtimestamp(moment, zone).replace(tzinfo=None)


def first_reading(day: dt.date, start: dt.time, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The first instant of `day` when the clock in `zone` reads `start` or later, in UTC.

    `combine(day, start, tzinfo=zone)` alone is wrong on daylight-saving days. In the autumn
    overlap the reading happens twice: fold=0 names the first, which is the one wanted. In
    the spring gap it never happens: zoneinfo reads it with the old offset, an hour after
    the jump, so the window would open late; it opens when the clock jumps past `start`.
    In UTC, because an aware datetime inside a fold is never equal to one in another zone.
    """
    reading = dt.datetime.combine(day, start)
    first = reading.replace(tzinfo=zone)
    if first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) == reading:
        return first.astimezone(dt.UTC)
    # In a gap: read with one offset the reading falls before the jump, with the other
    # after it; the window opens at the first second whose reading is `start` or later.
    early, late = sorted(
        int(reading.replace(tzinfo=zone, fold=fold).timestamp()) for fold in (0, 1)
    )
    while late - early > 1:
        middle = (early + late) // 2
        if _wall(middle, zone) >= reading:
            late = middle
        else:
            early = middle
    return dt.datetime.fromtimestamp(late, dt.UTC)


def _openings(window: Window, zone: zoneinfo.ZoneInfo, after: dt.datetime) -> list[dt.datetime]:
    """The window's starts in `zone` over the coming week."""
    first = after.astimezone(zone).date()
    return [first_reading(first + offset * DAY, window.start, zone) for offset in range(8)]


def earliest_inside(
    window: Window, zones: Sequence[zoneinfo.ZoneInfo], after: dt.datetime
) -> dt.datetime | None:
    """The first moment from `after` on when every zone is inside the window.

    That moment is `after` itself or one of the zones' window starts, so only those are
    tried. None when the zones' windows never overlap (e.g. Guam and Hawaii at once), and
    when no zone is known: "every zone is inside" would hold trivially for none.
    """
    if not zones:
        return None
    openings = sorted(
        opening for zone in zones for opening in _openings(window, zone, after) if opening > after
    )
    candidates = [after, *openings]
    for moment in candidates:
        if all(_inside(window, zone, moment) for zone in zones):
            return moment
    return None


def _daily_cap_lifts_at(
    lead: Lead, cap: int | None, now: dt.datetime, placing: int | None
) -> dt.datetime | None:
    """When the number may be called again under a per-24-hours cap (None: not capped now)."""
    if cap is None:
        return None
    calls = CallAttempt.objects.filter(
        lead__phone=lead.phone, lead__campaign_id=lead.campaign_id, created_at__gt=now - DAY
    ).exclude(outcome__in=NOT_DIALED)
    if placing is not None:
        calls = calls.exclude(pk=placing)
    recent = list(calls.order_by("-created_at").values_list("created_at", flat=True)[:cap])
    if len(recent) < cap:
        return None
    # The oldest of the last `cap` calls leaves the 24-hour span first.
    return recent[-1] + DAY


def next_opening(
    *,
    lead: Lead,
    campaign: Campaign,
    rules: Iterable[CallingRule],
    now: dt.datetime,
    placing: int | None = None,
) -> dt.datetime | None:
    """None if `lead` may be dialled at `now`; else when it next may be (a week on if never).

    `placing` is the id of the claimed attempt about to be dialled: it is not counted
    against the daily maximum it was claimed under.
    """
    window = strictest(campaign, rules_for(lead.phone, rules))
    start = _daily_cap_lifts_at(lead, window.max_per_day, now, placing) or now
    opening = earliest_inside(window, time_zones(lead), start)
    if opening == now:
        return None
    return opening or now + 7 * DAY
