"""What the pacer reads: who can take a call, what is in flight, how calls have gone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from telephony.models import AgentProfile, AgentSkill, Queue, QueueEntry

from ..models import CallAttempt, CallingRule, Campaign, Lead
from ..selectors import ABANDONMENT_PERIOD_DAYS, LIVE_ANSWER, is_on_dnc
from . import pacing, windows

State = AgentProfile.State
Outcome = CallAttempt.Outcome

ABANDONMENT_PERIOD = dt.timedelta(days=ABANDONMENT_PERIOD_DAYS)
RECENT = dt.timedelta(minutes=pacing.RECENT_MINUTES)
# Last outcome a disposition gives a lead to call back: such leads are dialled first.
CALLBACK = "callback"
STAFFED = (State.AVAILABLE, State.OFFERED, State.ON_CALL, State.WRAP_UP)
# Due leads a preview desk looks through for one it may dial now: the rest wait their turn.
PREVIEW_SCAN = 50


def campaign_agents(campaign: Campaign) -> QuerySet[AgentProfile]:
    """The campaign's agents: its own list, else whoever has its queue's skills."""
    if campaign.agents.exists():
        return campaign.agents.all()
    queue = campaign.queue
    agents = queue.qualified_agents() if queue is not None else AgentProfile.objects.all()
    return agents.distinct()


def agents_logged_in(campaign: Campaign) -> bool:
    """Is any of the campaign's agents signed in to take calls (not offline)?"""
    return campaign_agents(campaign).exclude(state=State.OFFLINE).exists()


def _inbound_queues_of(agent: AgentProfile, queues: Iterable[Queue]) -> list[int]:
    """The inbound queues whose skill requirements the agent meets."""
    levels = dict(AgentSkill.objects.filter(agent=agent).values_list("skill_id", "level"))
    return [
        queue.pk
        for queue in queues
        if all(
            levels.get(requirement.skill_id, 0) >= requirement.min_level
            for requirement in queue.required_skills.all()
        )
    ]


def outbound_ready_agents(campaign: Campaign) -> list[AgentProfile]:
    """Free campaign agents that the blending rule lets take outbound calls now.

    An agent who also serves inbound queues gets outbound work only while those queues
    have at most `blend_max_inbound_waiting` callers waiting.
    """
    free = list(campaign_agents(campaign).filter(AgentProfile.free()))
    if not free:
        return []
    inbound = list(
        Queue.objects.exclude(campaigns__isnull=False).prefetch_related("required_skills")
    )
    waiting = dict(
        QueueEntry.objects.filter(status=QueueEntry.Status.WAITING, queue__in=inbound)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=timezone.now()))
        .values("queue")
        .annotate(n=Count("id"))
        .values_list("queue", "n")
    )
    limit = campaign.blend_max_inbound_waiting
    return [
        agent
        for agent in free
        if sum(waiting.get(queue_id, 0) for queue_id in _inbound_queues_of(agent, inbound)) <= limit
    ]


def answer_horizon(campaign: Campaign) -> dt.timedelta | None:
    """The longest ring of the latest answers (people and machines): a line ringing
    longer is ringing out. None before any answer."""
    rings = [
        answered - placed
        for placed, answered in CallAttempt.objects.filter(
            campaign=campaign, answered_at__isnull=False, placed_at__isnull=False
        )
        .order_by("-answered_at")
        .values_list("placed_at", "answered_at")[: pacing.HORIZON_ANSWERS]
        if placed is not None and answered is not None
    ]
    return max(rings) if rings else None


def staffing(campaign: Campaign) -> pacing.Staffing:
    """Free agents, lines in flight (and of them those ringing out) and answered calls
    waiting, for one tick."""
    agents = campaign_agents(campaign)
    open_attempts = CallAttempt.objects.filter(campaign=campaign, ended_at__isnull=True)
    unanswered = open_attempts.filter(answered_at__isnull=True)
    horizon = answer_horizon(campaign)
    return pacing.Staffing(
        staffed=agents.filter(state__in=STAFFED).count(),
        free=len(outbound_ready_agents(campaign)),
        lines_in_flight=unanswered.count(),
        ringing_out=(
            unanswered.filter(placed_at__lte=timezone.now() - horizon).count()
            if horizon is not None
            else 0
        ),
        answered_waiting=open_attempts.filter(
            LIVE_ANSWER, answered_at__isnull=False, connected_at__isnull=True, is_abandoned=False
        ).count(),
    )


def due_leads(campaign: Campaign, now: dt.datetime) -> QuerySet[Lead]:
    """Leads to dial now, in order: due callbacks, then fewest attempts, then oldest.

    A callback an agent promised waits until that agent is free.
    """
    free_owner = AgentProfile.free(through="callback_agent__")
    return (
        Lead.objects.filter(campaign=campaign)
        .filter(
            Q(status=Lead.Status.NEW) | Q(status=Lead.Status.SCHEDULED, next_attempt_at__lte=now)
        )
        .filter(scrub_stop__isnull=True)
        .filter(Q(callback_agent__isnull=True) | free_owner)
        .annotate(
            callback_first=Case(
                When(last_outcome=CALLBACK, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("callback_first", "attempts", "id")
    )


def _rate(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def abandonment_rate(campaign: Campaign, *, since: dt.datetime) -> float:
    """Abandoned ÷ live-answered calls of the campaign since `since` (0 with no answers)."""
    live = CallAttempt.objects.filter(LIVE_ANSWER, campaign=campaign, answered_at__gte=since)
    return _rate(live.filter(is_abandoned=True).count(), live.count())


def answer_rate(campaign: Campaign) -> float:
    """Answered ÷ settled dials (answered, or ended unanswered) placed recently; 1.0 before
    any is known.

    Settled, not ended: an answered call ends minutes later, so counting ended calls only
    would miss the latest answers and read the rate low. Machines count: with detection
    running alongside the call, a machine holds an agent for the seconds until its
    verdict, as a person would.
    """
    recent = CallAttempt.objects.filter(
        campaign=campaign, placed_at__gte=timezone.now() - RECENT
    ).filter(Q(answered_at__isnull=False) | Q(ended_at__isnull=False))
    counts = recent.aggregate(
        settled=Count("id"), answered=Count("id", filter=Q(answered_at__isnull=False))
    )
    if not counts["settled"]:
        return 1.0
    return max(_rate(counts["answered"], counts["settled"]), 0.05)


def pacer_reading(campaign: Campaign) -> pacing.Reading:
    """How the campaign's calls have gone, for the predictive pacer's tick; abandonment is
    the legal measure, over the last 30 days (or the campaign's life if shorter)."""
    now = timezone.now()
    live = CallAttempt.objects.filter(
        LIVE_ANSWER, campaign=campaign, answered_at__gte=now - ABANDONMENT_PERIOD
    )
    counts = live.aggregate(
        live=Count("id"),
        abandoned=Count("id", filter=Q(is_abandoned=True)),
        recent=Count("id", filter=Q(answered_at__gte=now - RECENT)),
        recent_abandoned=Count("id", filter=Q(answered_at__gte=now - RECENT, is_abandoned=True)),
    )
    return pacing.Reading(
        abandon_rate=_rate(counts["abandoned"], counts["live"]),
        recent_drop_rate=_rate(counts["recent_abandoned"], counts["recent"]),
        answer_rate=answer_rate(campaign),
        live_answers=counts["live"],
    )


def desk_panel(*, agent: AgentProfile) -> dict:
    """What the agent's desk shows of campaigns: the lead on the line (with the script),
    else the next lead of a preview campaign to dial or skip."""
    entry = agent.current_entry
    attempt = None
    if entry is not None and entry.call_id:
        attempt = CallAttempt.objects.filter(call_id=entry.call_id).order_by("-id").first()
    elif agent.state == State.WRAP_UP:
        attempt = (
            CallAttempt.objects.filter(agent=agent, connected_at__isnull=False)
            .order_by("-connected_at")
            .first()
        )
    if attempt is None:
        # A preview call the agent placed, still ringing.
        attempt = CallAttempt.objects.filter(agent=agent, ended_at__isnull=True).first()
    preview, unavailable = None, ""
    if attempt is None and agent.state == State.AVAILABLE:
        preview, unavailable = _dialable_preview(agent)
    return {
        "attempt": attempt,
        "lead": attempt.lead if attempt else preview,
        "campaign": (attempt.campaign if attempt else preview.campaign if preview else None),
        "preview": preview,
        "unavailable": unavailable,
    }


def _dialable_preview(agent: AgentProfile) -> tuple[Lead | None, str]:
    """The first due lead of the agent's running preview campaigns that may be rung now,
    or why there is none: Dial on a lead outside its calling window could only refuse."""
    now = timezone.now()
    rules = list(CallingRule.objects.filter(is_active=True))
    reasons = []
    for campaign in agent.campaigns.filter(
        status=Campaign.Status.RUNNING, dial_mode=Campaign.DialMode.PREVIEW
    ):
        soonest: dt.datetime | None = None
        for lead in due_leads(campaign, now).select_related("campaign")[:PREVIEW_SCAN]:
            if is_on_dnc(lead.phone, campaign):
                continue
            opening = windows.next_opening(lead=lead, campaign=campaign, rules=rules, now=now)
            if opening is None:
                return lead, ""
            soonest = opening if soonest is None else min(soonest, opening)
        if soonest is not None:
            local = timezone.localtime(soonest)
            reasons.append(
                f"{campaign.name}: every lead due is outside its calling window now; the "
                f"next window opens {local:%a %H:%M} ({local.tzname()})."
            )
        else:
            reasons.append(f"{campaign.name}: no lead is due.")
    return None, " ".join(reasons)


def calling_window_notice(*, campaign: Campaign) -> str:
    """Says so when the leads due next (up to PREVIEW_SCAN) are all outside their calling
    window now, so a running campaign that dials nothing explains itself."""
    now = timezone.now()
    rules = list(CallingRule.objects.filter(is_active=True))
    leads = list(due_leads(campaign, now)[:PREVIEW_SCAN])
    if not leads:
        return ""
    openings = [
        windows.next_opening(lead=lead, campaign=campaign, rules=rules, now=now) for lead in leads
    ]
    if any(opening is None for opening in openings):
        return ""
    soonest = timezone.localtime(min(o for o in openings if o is not None))
    return (
        "The leads due next are all outside their calling window now: none will be dialled "
        "before "
        f"{soonest:%a %H:%M} ({soonest.tzname()})."
    )
