"""The dialer's writes: pacing a campaign, claiming leads, placing calls, and outcomes.

Crash safety rests on one ordering: a lead is claimed and its CallAttempt written in one
committed transaction *before* its call is placed, and the attempt is marked placed (in
its own commit) just before the gateway is asked. A worker dying in between leaves an
attempt the reaper can see and settle; it never leaves a call nobody knows about or a
lead nobody will call. Every Twilio URL carries the attempt's id, so even a callback for
a call whose CallSid was never saved finds its attempt.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm import services as crm_services
from crm.models import DncSource, Interaction
from crm.services import dnc_add
from telephony import gateway, twiml
from telephony.acd import waiting
from telephony.calls.services import TERMINAL_STATUSES
from telephony.models import AgentProfile, Call, Disposition, QueueEntry

from ..models import CallAttempt, CallingRule, Campaign, ConsentRule, Lead
from ..selectors import is_on_dnc
from . import consent, pacing, rate, selectors, windows

logger = logging.getLogger(__name__)

Outcome = CallAttempt.Outcome
Mode = Campaign.DialMode

# A live answer not connected to an agent within this many seconds is abandoned (TSR).
ABANDON_SECONDS = 2
# Answered leads go ahead of every inbound caller: they hear silence, not hold music.
OUTBOUND_PRIORITY = 1_000_000
# The key that adds the number to the company's Do-Not-Call list in automated messages.
OPT_OUT_DIGIT = "9"
# How many due leads one claim may pass over (Do-Not-Call, outside hours) per line wanted.
SCAN_PER_LINE = 20
# An attempt placed this long past its ring time with no word from Twilio is settled.
REAP_MARGIN = dt.timedelta(minutes=2)
MIN_RING = dt.timedelta(seconds=15)
# Agentless calls need no agent; this bounds how many ring at once (and may ask for one).
AGENTLESS_MAX_IN_FLIGHT = 10
# A claimed attempt not placed this long after its claim was lost with its worker.
UNPLACED_AFTER = dt.timedelta(seconds=rate.HORIZON_SECONDS + 60)
CALLBACK = selectors.CALLBACK

RETRY_MINUTES: dict[str, str] = {
    Outcome.BUSY: "retry_busy_minutes",
    Outcome.NO_ANSWER: "retry_no_answer_minutes",
    Outcome.FAILED: "retry_failed_minutes",
    Outcome.MACHINE: "retry_machine_minutes",
    # The person never reached anyone: try them again like an unanswered call.
    Outcome.ABANDONED: "retry_no_answer_minutes",
    Outcome.HUMAN: "retry_no_answer_minutes",
}
# Call statuses that end an unanswered call, as outcomes (completed depends on what came first).
TERMINAL = {
    "busy": Outcome.BUSY,
    "no-answer": Outcome.NO_ANSWER,
    "failed": Outcome.FAILED,
    "canceled": Outcome.FAILED,
}


def url(name: str, attempt: CallAttempt) -> str:
    return twiml.webhook_url(f"dialer:{name}", attempt.pk)


# --- Pacing and claiming ---------------------------------------------------------------


def lines_wanted(campaign: Campaign) -> int:
    """How many new lines the campaign should dial now (the predictive boldness adapts here)."""
    if campaign.dial_mode == Mode.AGENTLESS:
        in_flight = CallAttempt.objects.filter(campaign=campaign, ended_at__isnull=True).count()
        return max(0, AGENTLESS_MAX_IN_FLIGHT - in_flight)
    if campaign.dial_mode == Mode.PREVIEW or not selectors.agents_logged_in(campaign):
        return 0
    staffing = selectors.staffing(campaign)
    if campaign.dial_mode == Mode.PROGRESSIVE:
        return pacing.progressive_lines(staffing)
    lines, boldness = pacing.predictive_tick(
        staffing,
        selectors.pacer_reading(campaign),
        boldness=campaign.pacing_boldness,
        target_rate=float(campaign.abandonment_target_percent) / 100,
        max_lines_per_agent=float(campaign.max_lines_per_agent),
    )
    if boldness != campaign.pacing_boldness:
        Campaign.objects.filter(pk=campaign.pk).update(pacing_boldness=boldness)
    return lines


@transaction.atomic
def campaign_pace(*, campaign_id: int) -> list[tuple[int, float]]:
    """One pacer tick: claim as many leads as lines are wanted and dialling slots free.

    Returns (attempt id, seconds to wait) pairs: the calls to place, each in its slot.
    The campaign's row is locked (SKIP LOCKED) for the tick: a second pacer arriving
    meanwhile would count the same free agents, so it skips this tick instead.
    """
    campaign = (
        Campaign.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("queue")
        .filter(pk=campaign_id)
        .first()
    )
    if campaign is None or campaign.status != Campaign.Status.RUNNING:
        return []
    if campaign.dial_mode != Mode.AGENTLESS and campaign.queue_id is None:
        logger.warning("Campaign %s has no queue for answered calls; not dialling.", campaign.pk)
        return []
    slots = rate.dial_slots(lines_wanted(campaign))
    attempts = leads_claim(campaign=campaign, limit=len(slots))
    return [(attempt.pk, delay) for attempt, delay in zip(attempts, slots, strict=False)]


def _in_dates(campaign: Campaign, now: dt.datetime) -> bool:
    today = timezone.localdate(now)
    starts, ends = campaign.starts_on, campaign.ends_on
    return (starts is None or starts <= today) and (ends is None or today <= ends)


@dataclass(frozen=True)
class Refusal:
    """Why a lead may not be rung now, and what becomes of it."""

    outcome: str
    lead_status: str
    # Calling hours: when it may be rung next (it waits, its attempts untouched).
    next_attempt_at: dt.datetime | None = None


@dataclass(frozen=True)
class DialRules:
    """The rules data the dialer applies, read once per claim or placing."""

    calling: list[CallingRule]
    consent: list[ConsentRule]

    @classmethod
    def load(cls) -> DialRules:
        return cls(
            calling=list(CallingRule.objects.filter(is_active=True)),
            consent=list(ConsentRule.objects.all()),
        )


def dial_refusal(
    *,
    lead: Lead,
    campaign: Campaign,
    rules: DialRules,
    now: dt.datetime,
    placing: int | None = None,
) -> Refusal | None:
    """Compliance at dial time (None: the lead may be rung now): Do-Not-Call, consent, hours.

    Asked when the lead is claimed and again just before its call is placed (`placing`,
    the claimed attempt), since a call may wait for its dialling slot past a window's end
    (or the number be listed, or the consent withdrawn, meanwhile).
    """
    if is_on_dnc(lead.phone, campaign):
        return Refusal(Outcome.SKIPPED_DNC, Lead.Status.DO_NOT_CALL)
    if not consent.permits(lead=lead, campaign=campaign, rules=rules.consent):
        return Refusal(Outcome.SKIPPED_CONSENT, Lead.Status.NO_CONSENT)
    opening = windows.next_opening(
        lead=lead, campaign=campaign, rules=rules.calling, now=now, placing=placing
    )
    if opening is not None:
        return Refusal(Outcome.SKIPPED_HOURS, Lead.Status.SCHEDULED, opening)
    return None


def _skip(lead: Lead, campaign: Campaign, refusal: Refusal, now: dt.datetime) -> None:
    attempt = CallAttempt(campaign=campaign, lead=lead, outcome=refusal.outcome, ended_at=now)
    attempt.full_clean()
    attempt.save()
    lead.status, lead.last_outcome = refusal.lead_status, refusal.outcome
    lead.next_attempt_at = refusal.next_attempt_at or lead.next_attempt_at
    lead.save(update_fields=["status", "next_attempt_at", "last_outcome", "updated_at"])
    _to_timeline(attempt)


def _claim_one(
    lead: Lead,
    campaign: Campaign,
    rules: DialRules,
    now: dt.datetime,
    agent: AgentProfile | None,
) -> CallAttempt | None:
    """Compliance at dial time, then the attempt; None when the lead may not be rung now."""
    refusal = dial_refusal(lead=lead, campaign=campaign, rules=rules, now=now)
    if refusal is not None:
        _skip(lead, campaign, refusal, now)
        return None
    attempt = CallAttempt(campaign=campaign, lead=lead, agent=agent or lead.callback_agent)
    attempt.full_clean()
    attempt.save()
    lead.status, lead.attempts = Lead.Status.DIALING, lead.attempts + 1
    lead.save(update_fields=["status", "attempts", "updated_at"])
    return attempt


@transaction.atomic
def leads_claim(
    *,
    campaign: Campaign,
    limit: int,
    agent: AgentProfile | None = None,
    lead_id: int | None = None,
) -> list[CallAttempt]:
    """Claim up to `limit` due leads for dialling, each with a pending CallAttempt.

    SKIP LOCKED lets pacers of the same campaign claim side by side without waiting or
    taking the same lead; the partial unique constraint on open attempts backs it up.
    Do-Not-Call (checked now, whatever the lead was at import), consent, calling hours and
    the campaign's dates are decided here, in the claiming transaction.
    """
    now = timezone.now()
    if limit <= 0 or not _in_dates(campaign, now):
        return []
    rules = DialRules.load()
    due = selectors.due_leads(campaign, now).select_related("customer")
    if lead_id is not None:
        due = due.filter(pk=lead_id)
    claimed: list[CallAttempt] = []
    seen: list[int] = []
    while len(claimed) < limit and len(seen) < limit * SCAN_PER_LINE:
        batch = list(
            due.exclude(pk__in=seen).select_for_update(skip_locked=True, of=("self",))[
                : limit - len(claimed)
            ]
        )
        if not batch:
            break
        for lead in batch:
            seen.append(lead.pk)
            attempt = _claim_one(lead, campaign, rules, now, agent)
            if attempt is not None:
                claimed.append(attempt)
    return claimed


# --- Placing the call ------------------------------------------------------------------


def attempt_place(*, attempt_id: int) -> None:
    """Place a claimed attempt's call, once: a redelivered task finds it already placed."""
    with transaction.atomic():
        marked = CallAttempt.objects.filter(
            pk=attempt_id, placed_at__isnull=True, ended_at__isnull=True
        ).update(placed_at=timezone.now())
    if not marked:
        return
    attempt = CallAttempt.objects.select_related("campaign", "lead__customer").get(pk=attempt_id)
    campaign = attempt.campaign
    # Listed while the call waited for its slot (an opt-out, a registry load), consent
    # withdrawn, or its window closed meanwhile: the claim's answer is asked again.
    refusal = dial_refusal(
        lead=attempt.lead,
        campaign=campaign,
        rules=DialRules.load(),
        now=timezone.now(),
        placing=attempt_id,
    )
    if refusal is not None:
        _refused_since_claim(attempt_id, refusal)
        return
    leave_message = campaign.machine_handling == Campaign.MachineHandling.LEAVE_MESSAGE
    try:
        sid = gateway.call_place(
            to=attempt.lead.phone,
            from_=campaign.caller_id,
            url=url("attempt_answer", attempt),
            status_callback=url("attempt_status", attempt),
            # Waiting for the beep is only worth it when a message is to be left.
            machine_detection="DetectMessageEnd" if leave_message else "Enable",
            amd_callback=url("attempt_amd", attempt),
            timeout=campaign.ring_seconds,
        )
    except Exception:
        logger.exception("Could not place the call of attempt %s", attempt_id)
        attempt_end(attempt_id=attempt_id, outcome=Outcome.FAILED)
        return
    CallAttempt.objects.filter(pk=attempt_id, call_sid="").update(call_sid=sid)


@transaction.atomic
def _refused_since_claim(attempt_id: int, refusal: Refusal) -> None:
    """The claimed call is not placed after all: the attempt is a skip, not a call."""
    attempt = _locked(attempt_id)
    if attempt is None:  # read by the caller a moment ago; gone only if deleted since
        raise CallAttempt.DoesNotExist(f"Call attempt {attempt_id} no longer exists.")
    # Never placed after all: it does not count among the campaign's dialled calls.
    attempt.outcome, attempt.ended_at, attempt.placed_at = refusal.outcome, timezone.now(), None
    attempt.save(update_fields=["outcome", "ended_at", "placed_at"])
    lead = Lead.objects.select_for_update().get(pk=attempt.lead_id)
    lead.status, lead.last_outcome = refusal.lead_status, refusal.outcome
    lead.attempts = max(0, lead.attempts - 1)
    lead.next_attempt_at = refusal.next_attempt_at or lead.next_attempt_at
    lead.save(update_fields=["status", "attempts", "last_outcome", "next_attempt_at", "updated_at"])
    _to_timeline(attempt)


# --- What Twilio tells us --------------------------------------------------------------


def _locked(attempt_id: int) -> CallAttempt | None:
    return (
        CallAttempt.objects.select_for_update(of=("self",))
        .select_related("campaign", "campaign__queue", "lead", "lead__customer")
        .filter(pk=attempt_id)
        .first()
    )


def _link(attempt: CallAttempt, call: Call | None) -> None:
    """Tie the attempt to its Call (also for late callbacks of a reaped attempt)."""
    if call is None or attempt.call_id == call.pk:
        return
    attempt.call, attempt.call_sid = call, call.sid
    attempt.save(update_fields=["call", "call_sid"])
    lead = attempt.lead
    if lead.customer_id and call.customer_id is None:
        # The agent's screen shows the lead's customer, and the call lands on their timeline.
        Call.objects.filter(pk=call.pk).update(customer=lead.customer)
        call.customer = lead.customer


@transaction.atomic
def attempt_status(*, attempt_id: int, params: Mapping[str, str]) -> None:
    """A status callback of the lead's call: ringing, answered, or its end."""
    attempt = _locked(attempt_id)
    if attempt is None:
        return
    _link(attempt, Call.objects.filter(sid=params.get("CallSid", "")).first())
    if attempt.ended_at is not None:
        return
    status = params.get("CallStatus", "")
    if status == "ringing" and attempt.outcome == Outcome.PENDING:
        attempt.outcome = Outcome.RINGING
        attempt.save(update_fields=["outcome"])
    elif status in TERMINAL_STATUSES:
        _finish(attempt, TERMINAL.get(status))


def _served(attempt: CallAttempt) -> QueueEntry | None:
    """The queue entry in which an agent talked with the lead, if any."""
    if attempt.call_id is None:
        return None
    return (
        QueueEntry.objects.filter(call_id=attempt.call_id, connected_at__isnull=False)
        .order_by("connected_at")
        .first()
    )


def _finish(attempt: CallAttempt, failure: str | None) -> None:
    """The call is over: settle the attempt's outcome, then what becomes of the lead."""
    now = timezone.now()
    served = _served(attempt)
    if failure is not None:
        attempt.outcome = failure
    elif served is not None and attempt.outcome != Outcome.MACHINE:
        attempt.outcome = Outcome.COMPLETED
        attempt.connected_at = attempt.connected_at or served.connected_at
        attempt.agent_id = served.served_by_id
    elif attempt.outcome in (Outcome.PENDING, Outcome.RINGING):
        attempt.outcome = Outcome.HUMAN if attempt.answered_at else Outcome.NO_ANSWER
    attempt.ended_at = now
    attempt.save()
    _lead_after(attempt, now)
    _to_timeline(attempt)


def _lead_after(attempt: CallAttempt, now: dt.datetime) -> None:
    """Retry later, give up, or done. A lead someone already decided on is left alone."""
    lead = Lead.objects.select_for_update().get(pk=attempt.lead_id)
    if lead.status != Lead.Status.DIALING:
        return  # a disposition, an opt-out or an agentless answer came first
    campaign = attempt.campaign
    lead.last_outcome = attempt.outcome
    if attempt.outcome in (Outcome.COMPLETED, Outcome.CONNECTED):
        lead.status = Lead.Status.COMPLETED
    elif lead.attempts >= campaign.max_attempts:
        lead.status = Lead.Status.EXHAUSTED
    else:
        minutes = getattr(campaign, RETRY_MINUTES.get(attempt.outcome, "retry_failed_minutes"))
        lead.status = Lead.Status.SCHEDULED
        lead.next_attempt_at = now + dt.timedelta(minutes=minutes)
    lead.save(update_fields=["status", "last_outcome", "next_attempt_at", "updated_at"])


def attempt_end(*, attempt_id: int, outcome: str) -> None:
    """Close an attempt with `outcome` (the call could not be placed, or was lost)."""
    with transaction.atomic():
        attempt = _locked(attempt_id)
        if attempt is not None and attempt.ended_at is None:
            _finish(attempt, outcome)


def _to_timeline(attempt: CallAttempt) -> None:
    """Every attempt, dialled or skipped, on the customer's timeline."""
    customer = attempt.lead.customer
    if customer is None:
        return
    crm_services.interaction_record(
        customer=customer,
        kind=Interaction.Kind.CALL,
        direction=Interaction.Direction.OUTBOUND,
        summary=f"Campaign {attempt.campaign.name}: {attempt.get_outcome_display()}",
        body=f"Attempt {attempt.lead.attempts} of {attempt.campaign.max_attempts}"
        + (f"; disposition {attempt.disposition}" if attempt.disposition else ""),
        source=attempt,
    )


# --- The answered call -----------------------------------------------------------------


def _say(response: twiml.Document | twiml.Prompt, text: str) -> None:
    twiml.say(response, text, language="en-US")


@transaction.atomic
def attempt_answered(*, attempt_id: int, call: Call) -> twiml.Document:
    """The lead picked up (a person or a machine: AMD tells us later). What they hear."""
    response = twiml.document()
    attempt = _locked(attempt_id)
    if attempt is None or attempt.ended_at is not None:
        return twiml.hang_up(response)
    _link(attempt, call)
    attempt.answered_at = attempt.answered_at or timezone.now()
    attempt.outcome = Outcome.HUMAN
    attempt.save(update_fields=["answered_at", "outcome"])
    campaign = attempt.campaign
    if campaign.dial_mode == Mode.AGENTLESS:
        return _agentless_prompt(attempt, response)
    queue = campaign.queue
    if queue is None:  # the ACD holds callers only in a queue (entries require one)
        raise LookupError(f"Campaign {campaign.pk} has no queue for its answered calls.")
    # The caller is treated as live at once (async AMD): the 2-second clock is running.
    waiting.dialled_call_enqueue(
        call=call,
        queue=queue,
        priority=OUTBOUND_PRIORITY,
        agent_id=attempt.agent_id,
        recording_policy=campaign.recording_policy,
    )
    return waiting.queue_document(
        response,
        queue,
        wait_url=url("attempt_hold", attempt),
        action=url("attempt_left", attempt),
    )


@transaction.atomic
def attempt_hold(
    *, attempt_id: int, call: Call | None, params: Mapping[str, str]
) -> twiml.Document:
    """The answered lead's wait for an agent, a second at a time, at most 2 seconds.

    Twilio's QueueTime is the clock; past the limit with no agent connected, the call is
    abandoned: the lead leaves the queue for the safe-harbor message.
    """
    response = twiml.document()
    entry = waiting.note_queue_sid(call=call, params=params)
    waited = params.get("QueueTime", "")
    if (int(waited) if waited.isdigit() else 0) < ABANDON_SECONDS or entry is None:
        return twiml.pause(response, 1)
    attempt = _locked(attempt_id)
    if attempt is None or attempt.connected_at is not None or call is None:
        return twiml.pause(response, 1)
    attempt.outcome, attempt.is_abandoned = Outcome.ABANDONED, True
    attempt.save(update_fields=["outcome", "is_abandoned"])
    waiting.dialled_call_abandoned(call=call, entry=entry)
    return twiml.leave(response)


@transaction.atomic
def attempt_left_queue(
    *, attempt_id: int, call: Call | None, params: Mapping[str, str]
) -> twiml.Document:
    """The lead left the queue: to an agent, abandoned (safe harbor), or hung up."""
    result = params.get("QueueResult", "")
    attempt = _locked(attempt_id)
    if attempt is not None and result == "redirected" and attempt.connected_at is None:
        attempt.outcome, attempt.connected_at = Outcome.CONNECTED, timezone.now()
        entry = _served(attempt)
        attempt.agent_id = entry.served_by_id if entry else attempt.agent_id
        attempt.save(update_fields=["outcome", "connected_at", "agent"])
    response = twiml.document()
    if result == "leave" and attempt is not None and attempt.is_abandoned:
        return _safe_harbor(attempt, response)
    waiting.queue_left(call=call, result=result)
    return twiml.hang_up(response)


def _key_prompt(
    attempt: CallAttempt,
    response: twiml.Document,
    *,
    message: str,
    action: str,
    timeout: int,
    then_say: str = "",
) -> twiml.Document:
    """Say `message` while listening for one key (sent to the `action` webhook); hang up."""
    keys = twiml.prompt(response, keys=1, timeout=timeout, action=url(action, attempt))
    _say(keys, message)
    return twiml.hang_up(response, message=then_say)


def _safe_harbor(attempt: CallAttempt, response: twiml.Document) -> twiml.Document:
    return _key_prompt(
        attempt,
        response,
        message=attempt.campaign.safe_harbor_message,
        action="attempt_opt_out",
        timeout=5,
    )


@transaction.atomic
def attempt_amd(*, attempt_id: int, answered_by: str) -> None:
    """The machine-detection verdict. A machine is not a live answer: never abandoned.

    The verdict may come after an agent was connected (the lead is treated as live at
    once): the call is then taken from the agent to leave the message.
    """
    attempt = _locked(attempt_id)
    if attempt is None:
        return
    kind = answered_by.split("_")[0]
    if kind not in CallAttempt.AnsweredBy.values:
        kind = CallAttempt.AnsweredBy.UNKNOWN
    attempt.answered_by = kind
    fields = ["answered_by"]
    machine = kind in (CallAttempt.AnsweredBy.MACHINE, CallAttempt.AnsweredBy.FAX)
    if machine and attempt.ended_at is None:
        attempt.outcome, attempt.is_abandoned = Outcome.MACHINE, False
        fields += ["outcome", "is_abandoned"]
        call = attempt.call
        if call is not None:
            waiting.caller_left_queue(call=call, result="hangup")
            target = url("attempt_machine", attempt)
            transaction.on_commit(lambda: gateway.call_redirect(sid=call.sid, url=target))
    attempt.save(update_fields=fields)


def machine_response(*, attempt_id: int) -> twiml.Document:
    """On a machine: leave the campaign's message after the beep, or just hang up."""
    attempt = CallAttempt.objects.select_related("campaign").filter(pk=attempt_id).first()
    campaign = attempt.campaign if attempt else None
    leaves_message = (
        campaign is not None and campaign.machine_handling == Campaign.MachineHandling.LEAVE_MESSAGE
    )
    message = campaign.machine_message if campaign is not None and leaves_message else ""
    return twiml.hang_up(twiml.document(), message=message)


def _opt_out(attempt: CallAttempt, response: twiml.Document) -> twiml.Document:
    dnc_add(phone=attempt.lead.phone, source=DncSource.AGENTLESS_OPT_OUT, reason="Pressed 9")
    Lead.objects.filter(pk=attempt.lead_id).update(
        status=Lead.Status.DO_NOT_CALL, last_outcome="opted_out", updated_at=timezone.now()
    )
    return twiml.hang_up(response, message="You will not be called again. Goodbye.")


@transaction.atomic
def attempt_opt_out(*, attempt_id: int, digits: str) -> twiml.Document:
    """A key pressed during the safe-harbor message: 9 adds the number to our DNC list."""
    response = twiml.document()
    attempt = _locked(attempt_id)
    if attempt is not None and digits == OPT_OUT_DIGIT:
        return _opt_out(attempt, response)
    return twiml.hang_up(response)


# --- Agentless -------------------------------------------------------------------------


def _agentless_prompt(attempt: CallAttempt, response: twiml.Document) -> twiml.Document:
    return _key_prompt(
        attempt,
        response,
        message=attempt.campaign.agentless_message,
        action="attempt_agentless",
        timeout=6,
        then_say="Goodbye.",
    )


def _lead_done(attempt: CallAttempt, *, disposition: str) -> None:
    attempt.outcome, attempt.disposition = Outcome.COMPLETED, disposition
    attempt.save(update_fields=["outcome", "disposition"])
    Lead.objects.filter(pk=attempt.lead_id).update(
        status=Lead.Status.COMPLETED,
        disposition=disposition,
        last_outcome=Outcome.COMPLETED,
        updated_at=timezone.now(),
    )


@transaction.atomic
def agentless_input(*, attempt_id: int, call: Call, digits: str) -> twiml.Document:
    """1 confirms, 2 asks for a person (the campaign's queue), 9 opts out."""
    response = twiml.document()
    attempt = _locked(attempt_id)
    if attempt is None:
        return twiml.hang_up(response)
    campaign = attempt.campaign
    if digits == "1":
        _lead_done(attempt, disposition="confirmed")
        return twiml.hang_up(response, message="Thank you, that is confirmed. Goodbye.")
    if digits == "2" and campaign.queue is not None:
        _say(response, waiting.HOLD_FOR_AGENT)
        return waiting.enqueue_document(call, campaign.queue, response)
    if digits == OPT_OUT_DIGIT:
        return _opt_out(attempt, response)
    return _agentless_prompt(attempt, response)


# --- Safety net ------------------------------------------------------------------------


def attempts_reap() -> int:
    """Settle attempts a crash or lost callbacks left open; returns how many.

    Never placed (no `placed_at`, claim older than the booking horizon): no call exists,
    so the lead is due again and the attempt does not count. Placed but silent past its
    ring time plus a margin, never answered: Twilio stops ringing after `ring_seconds`,
    so a call that exists has ended by now, or was answered (and we would have heard);
    it is closed as failed and the lead retried. The margin covers Twilio holding calls
    over the account's calls-per-second limit before ringing them.
    """
    now = timezone.now()
    reaped = 0
    open_ = CallAttempt.objects.filter(
        ended_at__isnull=True,
        answered_at__isnull=True,
        outcome__in=[Outcome.PENDING, Outcome.RINGING],
    )
    for attempt_id in open_.filter(placed_at__isnull=True, created_at__lt=now - UNPLACED_AFTER)[
        :500
    ].values_list("pk", flat=True):
        reaped += _unclaim(attempt_id)
    # Campaigns ring at least 15 s: younger attempts cannot be due yet.
    placed = open_.filter(placed_at__lt=now - MIN_RING - REAP_MARGIN).order_by("placed_at")
    for attempt in placed.select_related("campaign")[:500]:
        ring = dt.timedelta(seconds=attempt.campaign.ring_seconds)
        # placed_at is set: the filter above compared it.
        if attempt.placed_at is not None and attempt.placed_at < now - ring - REAP_MARGIN:
            attempt_end(attempt_id=attempt.pk, outcome=Outcome.FAILED)
            reaped += 1
    return reaped


@transaction.atomic
def _unclaim(attempt_id: int) -> int:
    attempt = (
        CallAttempt.objects.select_for_update(skip_locked=True)
        .filter(pk=attempt_id, placed_at__isnull=True, ended_at__isnull=True)
        .first()
    )
    if attempt is None:
        return 0
    # Closing it also stops a late worker from placing it (attempt_place needs it open).
    attempt.outcome, attempt.ended_at = Outcome.FAILED, timezone.now()
    attempt.save(update_fields=["outcome", "ended_at"])
    lead = Lead.objects.select_for_update().get(pk=attempt.lead_id)
    if lead.status == Lead.Status.DIALING:
        lead.status, lead.next_attempt_at = Lead.Status.SCHEDULED, attempt.ended_at
        lead.attempts = max(0, lead.attempts - 1)
        lead.save(update_fields=["status", "next_attempt_at", "attempts", "updated_at"])
    return 1


# --- The agent's disposition -----------------------------------------------------------


@transaction.atomic
def attempt_disposition(
    *,
    entry: QueueEntry,
    agent: AgentProfile,
    disposition: Disposition,
    callback_at: dt.datetime | None,
) -> bool:
    """What the agent's wrap-up means for the lead; False if the call was no campaign's.

    A callback is the agent's own: the pacer dials it when they are free and it rings
    them. Do-Not-Call numbers are listed by the wrap-up itself; the lead only follows.
    """
    attempt = (
        CallAttempt.objects.select_for_update()
        .filter(call_id=entry.call_id)
        .order_by("-id")
        .first()
        if entry.call_id
        else None
    )
    if attempt is None:
        return False
    attempt.disposition = disposition.code
    attempt.save(update_fields=["disposition"])
    lead = Lead.objects.select_for_update().get(pk=attempt.lead_id)
    lead.disposition = disposition.code
    if disposition.adds_to_dnc:
        lead.status = Lead.Status.DO_NOT_CALL
    elif callback_at is not None:
        lead.status, lead.next_attempt_at = Lead.Status.SCHEDULED, callback_at
        lead.last_outcome, lead.callback_agent = CALLBACK, agent
    else:
        lead.status = Lead.Status.COMPLETED
    lead.full_clean()
    lead.save()
    return True


# --- Preview dialing from the desk -----------------------------------------------------


def _preview_lead_check(*, agent: AgentProfile, lead: Lead, verb: str) -> None:
    """Only the agents of a preview campaign act on its leads, whatever the action."""
    if (
        lead.campaign.dial_mode != Mode.PREVIEW
        or not lead.campaign.agents.filter(pk=agent.pk).exists()
    ):
        raise ValidationError({"__all__": [f"This lead is not yours to {verb}."]})


# What the agent is told when the claim refuses the lead they chose, by the skip recorded.
PREVIEW_REFUSALS: dict[str, str] = {
    Outcome.SKIPPED_DNC: "This number is on a Do-Not-Call list: it is not dialled.",
    Outcome.SKIPPED_CONSENT: "The customer has not given the consent this campaign needs "
    "to call this number: it is not dialled.",
    Outcome.SKIPPED_HOURS: "It is outside this lead's calling hours: it waits for them.",
}


def preview_dial(*, agent: AgentProfile, lead: Lead) -> CallAttempt:
    """The agent chose to dial the lead they previewed: claim it for them, then call.

    The same claim as the pacer's (Do-Not-Call, consent, hours, dates, not taken
    meanwhile), committed on its own: a refusal's skip is kept, as the pacer's is.
    """
    _preview_lead_check(agent=agent, lead=lead, verb="dial")
    slots = rate.dial_slots(1)
    if not slots:
        raise ValidationError({"__all__": ["Every line is busy; try again in a moment."]})
    claimed = leads_claim(campaign=lead.campaign, limit=1, agent=agent, lead_id=lead.pk)
    if not claimed:
        skipped = Lead.objects.filter(pk=lead.pk).values_list("last_outcome", flat=True).first()
        refusal = PREVIEW_REFUSALS.get(skipped or "", "This lead cannot be dialled now.")
        raise ValidationError({"__all__": [refusal]})
    from ..tasks import attempt_place

    attempt_id, delay = claimed[0].pk, slots[0]
    transaction.on_commit(lambda: attempt_place.apply_async(args=(attempt_id,), countdown=delay))
    return claimed[0]


@transaction.atomic
def preview_skip(*, agent: AgentProfile, lead: Lead) -> Lead:
    """The agent passed on a previewed lead: it goes to the back, not lost or counted."""
    lead = Lead.objects.select_for_update().select_related("campaign").get(pk=lead.pk)
    _preview_lead_check(agent=agent, lead=lead, verb="skip")
    if lead.status not in (Lead.Status.NEW, Lead.Status.SCHEDULED):
        raise ValidationError({"__all__": ["This lead is no longer waiting."]})
    lead.status = Lead.Status.SCHEDULED
    lead.next_attempt_at = timezone.now() + dt.timedelta(
        minutes=lead.campaign.retry_no_answer_minutes
    )
    lead.last_outcome = "skipped"
    lead.full_clean()
    lead.save()
    return lead
