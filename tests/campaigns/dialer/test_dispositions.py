"""The agent's wrap-up decides what becomes of the lead; callbacks come back to that agent."""

from __future__ import annotations

import datetime as dt

import pytest

from campaigns import tasks
from campaigns.dialer import services as dialer
from campaigns.models import CallAttempt
from telephony.acd import wrap_up
from telephony.models import AgentProfile, Disposition, QueueEntry
from telephony.simulator import CalledParty
from tests.campaigns.dialer.conftest import MONDAY_10AM_NY, NY_NUMBER

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def talked(simulator, monday, make_agent, make_campaign, make_lead):
    """Alex talked with the lead; the call is over and Alex is wrapping up."""
    alex = make_agent("alex", simulator=simulator)
    campaign = make_campaign(agents=[alex])
    lead = make_lead(campaign)
    simulator.set_party(NY_NUMBER, CalledParty(answer="human", ring_seconds=3, talk_seconds=30))
    tasks.campaign_pace(campaign.pk)
    simulator.run(120)
    attempt = CallAttempt.objects.get(lead=lead)
    entry = QueueEntry.objects.get(call=attempt.call)
    # Wrap-up timers run at once under eager Celery; put Alex back where a person would be.
    AgentProfile.objects.filter(pk=alex.pk).update(state="wrap_up")
    alex.refresh_from_db()
    return alex, entry, lead


def _wrap_up(agent, entry, code: str, **extra) -> None:
    disposition, _ = Disposition.objects.get_or_create(code=code, defaults={"label": code})
    wrap_up.wrap_up_submit(
        agent=agent,
        entry=entry,
        disposition=disposition,
        next_state="not_ready",
        reason="break",
        **extra,
    )


def test_a_sale_completes_the_lead(talked):
    alex, entry, lead = talked
    _wrap_up(alex, entry, "sale")
    lead.refresh_from_db()
    assert (lead.status, lead.disposition) == ("completed", "sale")
    assert CallAttempt.objects.get(lead=lead).disposition == "sale"


def test_a_do_not_call_disposition_closes_the_lead(talked):
    alex, entry, lead = talked
    Disposition.objects.create(code="dnc", label="Do not call", adds_to_dnc=True)
    _wrap_up(alex, entry, "dnc")
    lead.refresh_from_db()
    assert lead.status == "do_not_call"


def test_a_callback_is_the_agents_own_and_comes_back_to_them(talked, simulator, make_agent, monday):
    alex, entry, lead = talked
    at = MONDAY_10AM_NY + dt.timedelta(hours=2)
    _wrap_up(alex, entry, "callback", callback_at=at)
    lead.refresh_from_db()
    assert (lead.status, lead.next_attempt_at, lead.callback_agent) == ("scheduled", at, alex)
    # The campaign owns the callback: the ACD does not get one of its own.
    assert not QueueEntry.objects.filter(kind="callback").exists()

    # Two hours on, a colleague who has been free longer is there, and Alex is on a break.
    bea = make_agent("bea", simulator=simulator)
    bea.campaigns.add(lead.campaign)
    monday.move_to(at)
    assert dialer.leads_claim(campaign=lead.campaign, limit=5) == []
    AgentProfile.objects.filter(pk=alex.pk).update(state="available", idle_since=at)
    tasks.campaign_pace(lead.campaign.pk)
    simulator.run(120)
    callback = CallAttempt.objects.filter(lead=lead).latest("id")
    assert callback.agent == alex
    assert QueueEntry.objects.get(call=callback.call).served_by == alex
    lead.refresh_from_db()
    assert lead.status == "completed"
