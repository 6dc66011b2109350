"""Dialled leads through the simulator: answered, connected, abandoned, machines, agentless."""

from __future__ import annotations

import datetime as dt

import pytest

from campaigns import tasks
from campaigns.dialer import services as dialer
from campaigns.models import CallAttempt, Campaign, Lead
from crm.models import DncEntry, DncList
from crm.services import dnc_add
from telephony.models import QueueEntry, Recording, RecordingPolicy
from telephony.simulator import CalledParty, CallerScript
from tests.campaigns.dialer.conftest import MONDAY_10AM_NY, NY_NUMBER

# Placing calls and routing run after commit, as in production: these tests commit.
pytestmark = pytest.mark.django_db(transaction=True)


def _dial(simulator, campaign, seconds: float = 120):
    tasks.campaign_pace(campaign.pk)
    simulator.run(seconds)


def _at(sim_call, kind: str):
    return next(entry.at for entry in sim_call.transcript if entry.kind == kind)


def _seconds_to_agent(sim_call) -> float:
    """From the lead's answer to joining the agent's conference, on the simulator's clock."""
    return (_at(sim_call, "conference") - _at(sim_call, "answer")).total_seconds()


def test_a_person_who_answers_is_connected_to_a_free_agent(
    simulator, monday, make_agent, make_campaign, make_lead
):
    alex = make_agent("alex", simulator=simulator)
    campaign = make_campaign(agents=[alex])
    lead = make_lead(campaign)
    simulator.set_party(NY_NUMBER, CalledParty(answer="human", ring_seconds=3, talk_seconds=30))
    _dial(simulator, campaign)
    attempt = CallAttempt.objects.get(lead=lead)
    assert attempt.outcome == "completed", attempt.outcome
    assert attempt.agent == alex and attempt.answered_by == "human"
    assert not attempt.is_abandoned
    assert _seconds_to_agent(simulator.calls[attempt.call_sid]) <= 2
    lead.refresh_from_db()
    assert (lead.status, lead.attempts) == ("completed", 1)
    assert QueueEntry.objects.get(call=attempt.call).served_by == alex
    # The customer's timeline tells of the call and the attempt, not of the agent's ring leg.
    timeline = lead.customer.interactions.order_by("occurred_at", "id")
    assert [entry.summary for entry in timeline] == [
        "Outbound call to (212) 555-0123 (30s, completed)",
        "Campaign Winter offer: Completed",
    ]


def test_no_agent_within_two_seconds_means_safe_harbor_and_an_abandoned_call(
    simulator, monday, make_agent, make_campaign, make_lead
):
    slow = make_agent("slow", simulator=simulator, ring=5)
    campaign = make_campaign(agents=[slow])
    lead = make_lead(campaign)
    simulator.set_party(NY_NUMBER, CalledParty(answer="human", ring_seconds=3, talk_seconds=30))
    _dial(simulator, campaign)
    attempt = CallAttempt.objects.get(lead=lead)
    assert (attempt.outcome, attempt.is_abandoned) == ("abandoned", True)
    sim_call = simulator.calls[attempt.call_sid]
    assert campaign.safe_harbor_message in sim_call.said
    assert (_at(sim_call, "queue-result") - _at(sim_call, "answer")).total_seconds() <= 2
    slow.refresh_from_db()
    # Rung and not answering in time is a missed offer: no more calls for Slow for now.
    assert (slow.state, slow.reason, slow.current_entry) == ("not_ready", "missed", None)
    lead.refresh_from_db()
    # Not the person's fault: they are called again later.
    assert (lead.status, lead.last_outcome) == ("scheduled", "abandoned")


def test_pressing_9_in_the_safe_harbor_message_adds_the_number_to_do_not_call(
    simulator, monday, make_agent, make_campaign, make_lead
):
    slow = make_agent("slow", simulator=simulator, ring=5)
    campaign = make_campaign(agents=[slow])
    lead = make_lead(campaign)
    simulator.set_party(
        NY_NUMBER,
        CalledParty(answer="human", ring_seconds=3, script=CallerScript(inputs=["9"])),
    )
    _dial(simulator, campaign)
    assert DncEntry.objects.filter(phone=NY_NUMBER, source="agentless_opt_out").exists()
    lead.refresh_from_db()
    assert lead.status == "do_not_call"


def test_an_answering_machine_gets_the_message_and_the_lead_a_later_retry(
    simulator, monday, make_agent, make_campaign, make_lead
):
    alex = make_agent("alex", simulator=simulator)
    campaign = make_campaign(
        agents=[alex],
        machine_handling=Campaign.MachineHandling.LEAVE_MESSAGE,
        machine_message="Please call Example Co back.",
    )
    lead = make_lead(campaign)
    simulator.set_party(NY_NUMBER, CalledParty(answer="machine", ring_seconds=3))
    _dial(simulator, campaign)
    attempt = CallAttempt.objects.get(lead=lead)
    assert (attempt.outcome, attempt.answered_by, attempt.is_abandoned) == (
        "machine",
        "machine",
        False,
    )
    assert "Please call Example Co back." in simulator.calls[attempt.call_sid].said
    lead.refresh_from_db()
    assert lead.status == "scheduled"
    assert lead.next_attempt_at == attempt.ended_at + dt.timedelta(
        minutes=campaign.retry_machine_minutes
    )


@pytest.mark.parametrize(
    ("answer", "outcome", "retry_field"),
    [
        ("busy", "busy", "retry_busy_minutes"),
        ("no-answer", "no_answer", "retry_no_answer_minutes"),
        ("failed", "failed", "retry_failed_minutes"),
    ],
)
def test_unanswered_calls_are_retried_after_the_campaign_delay_for_their_outcome(
    simulator, monday, make_agent, make_campaign, make_lead, answer, outcome, retry_field
):
    alex = make_agent("alex", simulator=simulator)
    campaign = make_campaign(agents=[alex])
    lead = make_lead(campaign)
    simulator.set_party(NY_NUMBER, CalledParty(answer=answer))
    _dial(simulator, campaign)
    attempt = CallAttempt.objects.get(lead=lead)
    assert attempt.outcome == outcome
    lead.refresh_from_db()
    assert (lead.status, lead.last_outcome) == ("scheduled", outcome)
    assert lead.next_attempt_at == attempt.ended_at + dt.timedelta(
        minutes=getattr(campaign, retry_field)
    )
    assert lead.customer.interactions.filter(summary__contains=attempt.get_outcome_display())


def test_the_last_allowed_attempt_exhausts_the_lead(
    simulator, monday, make_agent, make_campaign, make_lead
):
    alex = make_agent("alex", simulator=simulator)
    campaign = make_campaign(agents=[alex], max_attempts=2)
    lead = make_lead(campaign)
    simulator.set_party(NY_NUMBER, CalledParty(answer="busy"))
    _dial(simulator, campaign)
    Lead.objects.filter(pk=lead.pk).update(next_attempt_at=MONDAY_10AM_NY)
    _dial(simulator, campaign)
    _dial(simulator, campaign)
    lead.refresh_from_db()
    assert (lead.status, lead.attempts) == ("exhausted", 2)
    assert CallAttempt.objects.filter(lead=lead).count() == 2


def test_a_number_put_on_do_not_call_after_import_is_never_dialled(
    simulator, monday, make_agent, make_campaign, make_lead
):
    alex = make_agent("alex", simulator=simulator)
    campaign = make_campaign(agents=[alex])
    lead = make_lead(campaign)
    registry = DncList.objects.create(
        name="National", kind=DncList.Kind.NATIONAL, as_of=MONDAY_10AM_NY.date()
    )
    # Straight into the list, as a registry load does: the lead itself is untouched.
    DncEntry.objects.create(dnc_list=registry, phone=NY_NUMBER, source="registry")
    _dial(simulator, campaign)
    assert simulator.calls == {}
    lead.refresh_from_db()
    assert lead.status == "do_not_call"
    assert CallAttempt.objects.get(lead=lead).outcome == "skipped_dnc"


def test_a_number_listed_while_its_call_waits_for_a_slot_is_not_dialled(
    simulator, monday, make_agent, make_campaign, make_lead
):
    alex = make_agent("alex", simulator=simulator)
    campaign = make_campaign(agents=[alex])
    lead = make_lead(campaign)
    [(attempt_id, _delay)] = dialer.campaign_pace(campaign_id=campaign.pk)
    dnc_add(phone=NY_NUMBER, source="manual")
    tasks.attempt_place(attempt_id)
    assert simulator.calls == {}
    lead.refresh_from_db()
    assert (lead.status, lead.attempts) == ("do_not_call", 0)
    assert CallAttempt.objects.get(pk=attempt_id).outcome == "skipped_dnc"


def test_dialling_stops_when_no_campaign_agent_is_logged_in(
    simulator, monday, make_agent, make_campaign, make_lead
):
    away = make_agent("away", state="offline", simulator=simulator)
    campaign = make_campaign(agents=[away])
    lead = make_lead(campaign)
    _dial(simulator, campaign)
    assert simulator.calls == {}
    lead.refresh_from_db()
    assert lead.status == "new"


def _agentless(make_campaign, make_lead, simulator, digits: str):
    campaign = make_campaign(
        dial_mode=Campaign.DialMode.AGENTLESS,
        agentless_message="Your appointment is tomorrow at 9. Press 1 to confirm, "
        "2 to speak to someone, 9 to stop these calls.",
    )
    lead = make_lead(campaign)
    simulator.set_party(
        NY_NUMBER,
        CalledParty(
            answer="human", ring_seconds=3, talk_seconds=40, script=CallerScript(inputs=[digits])
        ),
    )
    _dial(simulator, campaign)
    lead.refresh_from_db()
    return campaign, lead, CallAttempt.objects.get(lead=lead)


def test_agentless_press_1_confirms(simulator, monday, make_campaign, make_lead):
    # No agent at all: agentless campaigns dial regardless.
    _campaign, lead, attempt = _agentless(make_campaign, make_lead, simulator, "1")
    assert (lead.status, lead.disposition) == ("completed", "confirmed")
    assert attempt.outcome == "completed"
    assert "that is confirmed" in simulator.calls[attempt.call_sid].said


def test_agentless_press_2_puts_the_person_through_to_the_campaign_queue(
    simulator, monday, make_agent, make_campaign, make_lead
):
    alex = make_agent("alex", simulator=simulator)
    campaign, lead, attempt = _agentless(make_campaign, make_lead, simulator, "2")
    entry = QueueEntry.objects.get(call=attempt.call)
    assert (entry.queue, entry.served_by) == (campaign.queue, alex)
    assert attempt.outcome == "completed"
    assert lead.status == "completed"


def test_agentless_press_9_opts_out(simulator, monday, make_campaign, make_lead):
    _campaign, lead, _attempt = _agentless(make_campaign, make_lead, simulator, "9")
    assert lead.status == "do_not_call"
    assert DncEntry.objects.filter(phone=NY_NUMBER, source="agentless_opt_out").exists()


def test_a_recorded_campaign_records_the_conversation_and_its_media_reaches_the_app(
    simulator, monday, make_agent, make_campaign, make_lead
):
    alex = make_agent("alex", simulator=simulator)
    campaign = make_campaign(agents=[alex])
    campaign.recording_policy = RecordingPolicy.objects.create(name="Sales calls")
    campaign.save()
    lead = make_lead(campaign)
    simulator.set_party(NY_NUMBER, CalledParty(answer="human", ring_seconds=3, talk_seconds=30))
    _dial(simulator, campaign)
    attempt = CallAttempt.objects.get(lead=lead)
    assert attempt.outcome == "completed", attempt.outcome
    recording = Recording.objects.get(call=attempt.call)
    # From the customer's joining the agent, not the answer: no safe-harbor wait or
    # machine in it; the customer's leg, in two channels.
    assert (recording.source, recording.status, recording.policy, recording.channels) == (
        "StartCallRecordingAPI",
        "completed",
        campaign.recording_policy,
        2,
    )
    assert recording.call_leg_sid == attempt.call.sid
    assert recording.media.state == "stored"
    # New York needs only one party's consent, and the caller ID is no line of ours with
    # words of its own: nothing is announced.
    assert attempt.call.recording_announced_at is None
    # Nothing recorded at Twilio from the answer any more.
    assert [r.source for r in simulator.recordings.values()] == ["StartCallRecordingAPI"]
