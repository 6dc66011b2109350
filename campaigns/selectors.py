"""Campaign reads: Do-Not-Call checks for a campaign, what a user may see, and a campaign's
live figures."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from crm import selectors as crm_selectors
from telephony.models import AgentProfile, Disposition

from .models import CallAttempt, Campaign, Lead

# Who sees every campaign (supervisors, managers): the right to see call attempts, which
# agents lack. Agents see the campaigns they are on.
SUPERVISE = "campaigns.view_callattempt"
ABANDONMENT_PERIOD_DAYS = 30
# A live answer: a person picked up (machines and faxes are not live answers, TSR), whether
# or not an agent was free in time.
_LIVE_OUTCOMES = (
    CallAttempt.Outcome.HUMAN,
    CallAttempt.Outcome.ABANDONED,
    CallAttempt.Outcome.CONNECTED,
    CallAttempt.Outcome.COMPLETED,
)
LIVE_ANSWER = Q(outcome__in=_LIVE_OUTCOMES) & ~Q(answered_by__in=["machine", "fax"])


def campaign_dnc_lists(campaign: Campaign | None) -> QuerySet | None:
    """The ids of the lists a campaign names (its own and shared ones), as a subquery."""
    if campaign is None:
        return None
    return Campaign.dnc_lists.through.objects.filter(campaign=campaign).values("dnclist_id")


def is_on_dnc(phone: str, campaign: Campaign | None = None) -> bool:
    """Whether an E.164 number may not be called (for this campaign): one indexed query."""
    return crm_selectors.is_on_dnc(phone, extra_lists=campaign_dnc_lists(campaign))


def dnc_numbers_among(phones: list[str], campaign: Campaign | None = None) -> set[str]:
    """Which of these E.164 numbers are on a list binding the campaign (one query)."""
    return crm_selectors.dnc_numbers_among(phones, extra_lists=campaign_dnc_lists(campaign))


def agents_without_queue_skills(campaign: Campaign) -> list[AgentProfile]:
    """Campaign agents who lack a skill (or its level) the campaign's queue requires.

    The router offers a campaign's answered calls by the queue's skills, like any caller's,
    so such an agent never gets one, and a campaign of only such agents abandons them all.
    """
    queue = campaign.queue  # None without a query when the campaign has no queue
    if queue is None:
        return []
    return list(
        campaign.agents.exclude(pk__in=queue.qualified_agents().values_list("pk", flat=True))
        .select_related("user")
        .order_by("user__username")
    )


def agents_skills_warning(campaign: Campaign) -> str:
    """What to tell a manager or supervisor about `agents_without_queue_skills`, or ""."""
    missing = agents_without_queue_skills(campaign)
    if not missing:
        return ""
    names = ", ".join(str(agent) for agent in missing)
    return (
        f"{names} cannot take this campaign's calls: answered calls go to agents with the "
        f"skills the queue {campaign.queue} requires. Give them those skills, or choose "
        "another queue."
    )


def campaigns_visible_to(user: User) -> QuerySet[Campaign]:
    """All campaigns for those who supervise them; an agent's own campaigns for agents."""
    campaigns = Campaign.objects.select_related("queue")
    if user.has_perm(SUPERVISE):
        return campaigns
    profile = getattr(user, "agent_profile", None)
    if profile is None:
        return campaigns.none()
    return campaigns.filter(agents=profile)


def leads_visible_to(user: User, *, campaign: Campaign) -> QuerySet[Lead]:
    """A campaign's leads for supervisors; for an agent, those they dialled or must call back."""
    leads = campaign.leads.select_related("scrub_stop")
    if user.has_perm(SUPERVISE):
        return leads
    profile = getattr(user, "agent_profile", None)
    if profile is None:
        return leads.none()
    return leads.filter(Q(callback_agent=profile) | Q(call_attempts__agent=profile)).distinct()


def campaign_counters(
    *, campaign: Campaign, now: datetime.datetime | None = None
) -> dict[str, Any]:
    """The supervisor's live figures of one campaign (`counters_of_campaigns`)."""
    return counters_of_campaigns(campaigns=[campaign], now=now)[campaign.pk]


def counters_of_campaigns(
    *, campaigns: Sequence[Campaign], now: datetime.datetime | None = None
) -> dict[int, dict[str, Any]]:
    """The supervisor's live figures of each campaign, by id: aggregates over indexed rows,
    two queries whatever the number of campaigns.

    The abandonment rate is abandoned ÷ live-answered attempts answered in the last 30
    days (a younger campaign has no older answers, so that is its life).
    """
    now = now or timezone.now()
    since = now - datetime.timedelta(days=ABANDONMENT_PERIOD_DAYS)
    outcome = CallAttempt.Outcome
    recent_live = Q(answered_at__gte=since) & LIVE_ANSWER
    conversions = Disposition.objects.filter(is_conversion=True).values("code")
    ids = [campaign.pk for campaign in campaigns]
    attempts: dict[int, dict[str, Any]] = {
        row["campaign_id"]: dict(row)
        for row in CallAttempt.objects.filter(campaign_id__in=ids)
        .values("campaign_id")
        .annotate(
            dialed=Count("id", filter=Q(placed_at__isnull=False)),
            ringing=Count(
                "id",
                filter=Q(ended_at__isnull=True, outcome__in=[outcome.PENDING, outcome.RINGING]),
            ),
            connected=Count("id", filter=Q(ended_at__isnull=True, outcome=outcome.CONNECTED)),
            abandoned=Count("id", filter=Q(is_abandoned=True)),
            contacts=Count("id", filter=LIVE_ANSWER),
            conversions=Count("id", filter=Q(disposition__in=conversions)),
            recent_live=Count("id", filter=recent_live),
            recent_abandoned=Count("id", filter=recent_live & Q(is_abandoned=True)),
        )
        .order_by()
    }
    leads: dict[int, dict[str, Any]] = {
        row["campaign_id"]: dict(row)
        for row in Lead.objects.filter(campaign_id__in=ids)
        .values("campaign_id")
        .annotate(
            total=Count("id"),
            left=Count("id", filter=Lead.OPEN),
            no_consent=Count("id", filter=Q(status=Lead.Status.NO_CONSENT)),
        )
        .order_by()
    }
    counters = {}
    for campaign in campaigns:
        tried = attempts.get(campaign.pk, {})
        led = leads.get(campaign.pk, {})
        rate = None
        if tried.get("recent_live"):
            rate = (
                Decimal(tried["recent_abandoned"] * 100) / Decimal(tried["recent_live"])
            ).quantize(Decimal("0.01"))
        counters[campaign.pk] = {
            "dialed": tried.get("dialed", 0),
            "ringing": tried.get("ringing", 0),
            "connected": tried.get("connected", 0),
            "abandoned": tried.get("abandoned", 0),
            "abandonment_rate": rate,
            "abandonment_over_target": rate is not None
            and rate > campaign.abandonment_target_percent,
            "contacts": tried.get("contacts", 0),
            "conversions": tried.get("conversions", 0),
            "leads_total": led.get("total", 0),
            "leads_left": led.get("left", 0),
            "leads_no_consent": led.get("no_consent", 0),
        }
    return counters
