"""Outbound figures per campaign and per lead list (the import a lead came in), and the
compliance report, read from the call attempts.

Attempts are aggregated directly (one indexed range scan on `attempt_campaign_time`), not
from interval facts: a campaign dials far fewer calls than the inbound queues take, and
the 30-day abandonment needs the attempts themselves. An attempt counts in the period it
was placed (or claimed, for one never placed: a Do-Not-Call or calling-hours block).
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, F, QuerySet
from django.db.models.functions import Coalesce

from callcenter.rounding import ratio
from campaigns.dialer import windows
from campaigns.models import CallAttempt, CallingRule, Campaign, Lead, LeadImport
from campaigns.selectors import LIVE_ANSWER
from telephony.models import Disposition

from .periods import center_zone, period_end, period_of

Row = dict[str, Any]
Outcome = CallAttempt.Outcome
ROLLING_DAYS = 30


# Where an attempt's owner is read: its campaign, or the lead list its lead came in.
OWNER_FIELDS = {"campaign": "campaign_id", "lead_list": "lead__import_batch_id"}


def _attempts(
    start: datetime, end: datetime, owner_ids: list[int] | None, by: str = "campaign"
) -> QuerySet[CallAttempt]:
    attempts = CallAttempt.objects.annotate(at=Coalesce("placed_at", "created_at")).filter(
        at__gte=start, at__lt=end
    )
    if owner_ids is not None:
        attempts = attempts.filter(**{f"{OWNER_FIELDS[by]}__in": owner_ids})
    elif by == "lead_list":  # leads added by hand are on no list
        attempts = attempts.filter(lead__import_batch__isnull=False)
    return attempts


class _Rolling:
    """Abandoned ÷ live answers over the 30 days before a moment, per campaign (or list)."""

    def __init__(
        self,
        start: datetime,
        end: datetime,
        campaign_ids: list[int] | None,
        by: str = "campaign",
    ) -> None:
        live = CallAttempt.objects.filter(
            LIVE_ANSWER,
            answered_at__gte=start - timedelta(days=ROLLING_DAYS),
            answered_at__lt=end,
        )
        if campaign_ids is not None:
            live = live.filter(**{f"{OWNER_FIELDS[by]}__in": campaign_ids})
        self.times: dict[int, list[datetime]] = defaultdict(list)
        self.abandoned: dict[int, list[int]] = defaultdict(lambda: [0])
        for campaign_id, answered_at, abandoned in live.order_by("answered_at").values_list(
            OWNER_FIELDS[by], "answered_at", "is_abandoned"
        ):
            self.times[campaign_id].append(answered_at)
            self.abandoned[campaign_id].append(self.abandoned[campaign_id][-1] + abandoned)

    def rate(self, campaign_id: int, until: datetime) -> float | None:
        times, counts = self.times[campaign_id], self.abandoned[campaign_id]
        first = bisect.bisect_left(times, until - timedelta(days=ROLLING_DAYS))
        last = bisect.bisect_left(times, until)
        return ratio(counts[last] - counts[first], last - first, 100)


_FIELDS = ("placed_at", "outcome", "answered_by", "is_abandoned", "disposition")
_LIVE = {Outcome.HUMAN, Outcome.ABANDONED, Outcome.CONNECTED, Outcome.COMPLETED}
# The figures a drill-down lists the attempts of (each attempt counts by `_counted_in`).
DRILLABLE = (
    "dialed",
    "live_answers",
    "abandoned_calls",
    "conversions",
    "dnc_blocks",
    "hours_blocks",
    "safe_harbor_played",
)


def _conversion_codes() -> set[str]:
    return set(Disposition.objects.filter(is_conversion=True).values_list("code", flat=True))


def _counted_in(attempt: Row, conversions: set[str]) -> list[str]:
    """The figures one attempt counts in: the report's sums and its drill-down agree."""
    figures = []
    if attempt["placed_at"] is not None:
        figures.append("dialed")
    if attempt["outcome"] in _LIVE and attempt["answered_by"] not in ("machine", "fax"):
        figures.append("live_answers")
    if attempt["is_abandoned"]:  # every abandoned live answer hears the safe-harbor message
        figures += ["abandoned_calls", "safe_harbor_played"]
    if attempt["disposition"] in conversions:
        figures.append("conversions")
    if attempt["outcome"] == Outcome.SKIPPED_DNC:
        figures.append("dnc_blocks")
    elif attempt["outcome"] == Outcome.SKIPPED_HOURS:
        figures.append("hours_blocks")
    return figures


def _by_period(
    start: datetime,
    end: datetime,
    interval: str,
    campaign_ids: list[int] | None,
    by: str = "campaign",
) -> dict[tuple[datetime, str, int], Counter[str]]:
    """Attempt counts per (period, campaign or list) by figure, and `leads`: the leads
    dialed."""
    zone = center_zone()
    conversions = _conversion_codes()
    totals: dict[tuple[datetime, str, int], Counter[str]] = {}
    dialed_leads: dict[tuple[datetime, str, int], set[int]] = defaultdict(set)
    rows = _attempts(start, end, campaign_ids, by).values(
        "at", "lead_id", *_FIELDS, owner_id=F(OWNER_FIELDS[by])
    )
    for row in rows:
        label, key = period_of(row["at"], interval, zone)
        slot = totals.setdefault((key, label, row["owner_id"]), Counter())
        slot.update(_counted_in(row, conversions))
        if row["placed_at"] is not None:
            dialed_leads[(key, label, row["owner_id"])].add(row["lead_id"])
    for slot_key, leads in dialed_leads.items():
        totals[slot_key]["leads"] = len(leads)
    return totals


def figure_attempts(
    *, figure: str, campaign_id: int, start: datetime, end: datetime
) -> list[CallAttempt]:
    """The attempts of one campaign counted in `figure` over [start, end)."""
    conversions = _conversion_codes()
    counted = [
        row["id"]
        for row in _attempts(start, end, [campaign_id]).values("id", *_FIELDS)
        if figure in _counted_in(row, conversions)
    ]
    return list(
        CallAttempt.objects.filter(pk__in=counted)
        .select_related("lead", "agent__user", "call")
        .order_by(Coalesce("placed_at", "created_at"), "id")[:500]
    )


def _owner_names(by: str, owner_ids: list[int] | None) -> dict[int, str]:
    if by == "campaign":
        campaigns = Campaign.objects.all()
        if owner_ids:
            campaigns = campaigns.filter(pk__in=owner_ids)
        return dict(campaigns.values_list("pk", "name"))
    lists = LeadImport.objects.select_related("campaign")
    if owner_ids:
        lists = lists.filter(pk__in=owner_ids)
    return {batch.pk: f"{batch.original_name} ({batch.campaign.name})" for batch in lists}


def _outbound_kpis(
    by: str, start: datetime, end: datetime, interval: str, owner_ids: list[int] | None
) -> list[Row]:
    zone = center_zone()
    rolling = _Rolling(start, end, owner_ids, by)
    names = _owner_names(by, owner_ids)
    lead_owner = OWNER_FIELDS[by].removeprefix("lead__")
    left = dict(Lead.objects.filter(Lead.OPEN).values_list(lead_owner).annotate(n=Count("id")))
    result = []
    for (key, label, owner_id), slot in sorted(
        _by_period(start, end, interval, owner_ids, by).items()
    ):
        until = min(period_end(key, interval, zone), end)
        result.append(
            {
                "period": label,
                "period_start": key.isoformat(),
                by: owner_id,
                f"{by}_name": names.get(owner_id, ""),
                "dialed": slot["dialed"],
                "live_answers": slot["live_answers"],
                "contact_rate": ratio(slot["live_answers"], slot["dialed"], 100),
                "abandoned_calls": slot["abandoned_calls"],
                "abandonment_day": ratio(slot["abandoned_calls"], slot["live_answers"], 100),
                "abandonment_30d": rolling.rate(owner_id, until),
                "conversions": slot["conversions"],
                "conversion_rate": ratio(slot["conversions"], slot["live_answers"], 100),
                "attempts_per_lead": ratio(slot["dialed"], slot["leads"]),
                "leads_left": left.get(owner_id, 0),
            }
        )
    return result


def campaign_kpis(
    *, start: datetime, end: datetime, interval: str, campaign_ids: list[int] | None = None
) -> list[Row]:
    """Per period and campaign: dialed, contact rate, live answers, abandonment (the
    period's and the rolling 30 days' at its end), conversions, attempts per lead, and
    the leads left (today's: leads have no history of their status)."""
    return _outbound_kpis("campaign", start, end, interval, campaign_ids)


def lead_list_kpis(
    *, start: datetime, end: datetime, interval: str, list_ids: list[int] | None = None
) -> list[Row]:
    """The campaign figures per period and lead list (the import its leads came in;
    leads added by hand are on none)."""
    return _outbound_kpis("lead_list", start, end, interval, list_ids)


def compliance_kpis(
    *, start: datetime, end: datetime, interval: str, campaign_ids: list[int] | None = None
) -> list[Row]:
    """Per period and campaign: the 30-day abandonment against the campaign's target (3%
    at most, by law), calls outside permitted hours (must be zero), Do-Not-Call blocks,
    and safe-harbor messages played (every abandoned live answer hears one)."""
    zone = center_zone()
    rolling = _Rolling(start, end, campaign_ids)
    campaigns = (
        Campaign.objects.in_bulk(campaign_ids) if campaign_ids else Campaign.objects.in_bulk()
    )
    attempts = _attempts(start, end, campaign_ids)
    outside: dict[tuple[datetime, int], int] = defaultdict(int)
    rules = list(CallingRule.objects.filter(is_active=True))
    for attempt in attempts.filter(placed_at__isnull=False).select_related("lead", "campaign"):
        window = windows.strictest(attempt.campaign, windows.rules_for(attempt.lead.phone, rules))
        zones, placed = windows.time_zones(attempt.lead), attempt.placed_at
        if placed is not None and windows.earliest_inside(window, zones, placed) != placed:
            outside[(period_of(placed, interval, zone)[1], attempt.campaign_id)] += 1
    result = []
    for (key, label, campaign_id), slot in sorted(
        _by_period(start, end, interval, campaign_ids).items()
    ):
        until = min(period_end(key, interval, zone), end)
        campaign = campaigns.get(campaign_id)
        rate = rolling.rate(campaign_id, until)
        target = float(campaign.abandonment_target_percent) if campaign else 3.0
        result.append(
            {
                "period": label,
                "period_start": key.isoformat(),
                "campaign": campaign_id,
                "campaign_name": campaign.name if campaign else "",
                "abandonment_30d": rate,
                "abandonment_target": target,
                "abandonment_ok": "yes" if rate is None or rate <= target else "NO",
                "outside_hours": outside.get((key, campaign_id), 0),
                "dnc_blocks": slot["dnc_blocks"],
                "hours_blocks": slot["hours_blocks"],
                "safe_harbor_played": slot["safe_harbor_played"],
            }
        )
    return result
