"""A worker dying between claim and dial, and lost callbacks: the reaper, never a double dial."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from twilio.request_validator import RequestValidator

from campaigns import tasks
from campaigns.dialer import services as dialer
from campaigns.models import CallAttempt, Lead
from telephony.simulator import CalledParty
from tests.campaigns.dialer.conftest import NY_NUMBER

pytestmark = pytest.mark.django_db(transaction=True)


def _calls_to(simulator, number: str) -> int:
    return sum(1 for call in simulator.calls.values() if call.to == number)


def test_a_crash_after_the_claim_is_recovered_by_the_reaper_without_a_double_dial(
    simulator, monday, make_agent, make_campaign, make_lead, monkeypatch
):
    alex = make_agent("alex", simulator=simulator)
    campaign = make_campaign(agents=[alex])
    lead = make_lead(campaign)
    simulator.set_party(NY_NUMBER, CalledParty(answer="busy"))

    def killed(*args, **kwargs):
        raise RuntimeError("worker killed")

    with monkeypatch.context() as patch:
        patch.setattr(tasks.attempt_place, "apply_async", killed)
        with pytest.raises(RuntimeError):
            tasks.campaign_pace(campaign.pk)
    lost = CallAttempt.objects.get(lead=lead)
    assert (lost.outcome, lost.placed_at) == ("pending", None)
    # While the claim is young the reaper leaves it (its slot may still be ahead).
    assert dialer.attempts_reap() == 0
    tasks.campaign_pace(campaign.pk)
    assert _calls_to(simulator, NY_NUMBER) == 0  # the lead is still claimed: not dialled

    monday.shift(dialer.UNPLACED_AFTER + dt.timedelta(seconds=1))
    assert dialer.attempts_reap() == 1
    lead.refresh_from_db()
    assert (lead.status, lead.attempts) == ("scheduled", 0)
    # The lost task delivered late (acks_late) finds its attempt closed: no call.
    tasks.attempt_place(lost.pk)
    assert _calls_to(simulator, NY_NUMBER) == 0
    tasks.campaign_pace(campaign.pk)
    simulator.run(60)
    assert _calls_to(simulator, NY_NUMBER) == 1
    lead.refresh_from_db()
    assert (lead.attempts, lead.last_outcome) == (1, "busy")


def test_a_placed_call_whose_callbacks_never_come_is_closed_after_its_ring_time(
    simulator, monday, make_agent, make_campaign, make_lead, monkeypatch, client
):
    alex = make_agent("alex", simulator=simulator)
    campaign = make_campaign(agents=[alex])
    lead = make_lead(campaign)
    # Twilio never hears of it: the gateway call "succeeds" but nothing reaches the app.
    monkeypatch.setattr(dialer.gateway, "call_place", lambda **kwargs: "CA" + "0" * 32)
    tasks.campaign_pace(campaign.pk)
    attempt = CallAttempt.objects.get(lead=lead)
    assert attempt.placed_at is not None and attempt.call_sid == "CA" + "0" * 32
    monday.shift(dt.timedelta(seconds=campaign.ring_seconds))
    assert dialer.attempts_reap() == 0  # it could still be ringing
    monday.shift(dialer.REAP_MARGIN + dt.timedelta(seconds=1))
    assert dialer.attempts_reap() == 1
    attempt.refresh_from_db()
    assert attempt.outcome == "failed" and attempt.ended_at is not None
    lead.refresh_from_db()
    assert (lead.status, lead.attempts) == ("scheduled", 1)

    # The call did exist after all: its callback, late, still finds the attempt by its URL.
    path = reverse("dialer:attempt_status", args=[attempt.pk])
    params = {
        "CallSid": "CA" + "2" * 32,
        "AccountSid": settings.TWILIO_ACCOUNT_SID,
        "From": campaign.caller_id,
        "To": NY_NUMBER,
        "CallStatus": "completed",
        "Direction": "outbound-api",
    }
    signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(
        settings.PUBLIC_BASE_URL + path, params
    )
    response = client.post(path, params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 204
    attempt.refresh_from_db()
    assert attempt.call.sid == "CA" + "2" * 32
    lead.refresh_from_db()
    assert lead.status == "scheduled"  # settled once: the late news changes nothing else


def test_an_answered_call_is_never_reaped(simulator, monday, make_agent, make_campaign, make_lead):
    alex = make_agent("alex", simulator=simulator)
    campaign = make_campaign(agents=[alex])
    lead = make_lead(campaign)
    simulator.set_party(NY_NUMBER, CalledParty(answer="human", ring_seconds=3, talk_seconds=900))
    tasks.campaign_pace(campaign.pk)
    simulator.run(60)
    monday.shift(dt.timedelta(minutes=10))
    assert dialer.attempts_reap() == 0
    assert Lead.objects.get(pk=lead.pk).status == "dialing"
