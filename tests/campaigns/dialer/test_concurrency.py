"""Pacers racing on PostgreSQL: no lead dialled twice, none lost, the reaper never double-dials.

Each thread has its own database connection, so these are concurrent PostgreSQL sessions,
as several Celery workers would be.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest

from campaigns.dialer import services as dialer
from campaigns.models import CallAttempt, Lead
from crm.models import Customer
from tests.concurrency import on_postgresql_only, run_at_once

pytestmark = on_postgresql_only("row locks with SKIP LOCKED need PostgreSQL")

LEADS = 300
THREADS = 8


@pytest.fixture
def campaign(monday, make_campaign):
    campaign = make_campaign()
    # Customers who signed up to the campaign's calls: consent is not what races here.
    customers = Customer.objects.bulk_create(
        Customer(name=f"Lead {i}", account_number=f"AC-{900000 + i}", call_consent="written")
        for i in range(LEADS)
    )
    Lead.objects.bulk_create(
        Lead(
            campaign=campaign,
            customer=customer,
            phone=f"+1212555{i:04d}",
            time_zones=["America/New_York"],
        )
        for i, customer in enumerate(customers)
    )
    return campaign


def test_many_pacers_never_claim_a_lead_twice_and_lose_none(campaign):
    claimed: list[int] = []
    lock = threading.Lock()

    def pacer():
        while batch := dialer.leads_claim(campaign=campaign, limit=7):
            with lock:
                claimed.extend(attempt.lead_id for attempt in batch)

    run_at_once([pacer for _ in range(THREADS)])
    counts = Counter(claimed)
    assert max(counts.values()) == 1, "a lead was claimed twice"
    assert len(counts) == LEADS, "a lead was lost"
    assert Lead.objects.filter(status="dialing", attempts=1).count() == LEADS
    assert CallAttempt.objects.filter(ended_at__isnull=True).count() == LEADS


def test_the_reaper_racing_late_workers_never_lets_a_lead_be_dialled_twice(
    campaign, monday, monkeypatch
):
    placed: list[int] = []
    lock = threading.Lock()

    def call_place(**kwargs):
        with lock:
            placed.append(kwargs["to"])
        return "CA" + "1" * 32

    monkeypatch.setattr(dialer.gateway, "call_place", call_place)
    attempts = [a.pk for a in dialer.leads_claim(campaign=campaign, limit=LEADS)]
    # The workers that were to place these died; they are redelivered just as the reaper runs.
    monday.shift(dialer.UNPLACED_AFTER + dt.timedelta(seconds=1))

    def late_worker(ids):
        def work():
            for attempt_id in ids:
                dialer.attempt_place(attempt_id=attempt_id)

        return work

    def reaper():
        dialer.attempts_reap()

    run_at_once(
        [late_worker(attempts[i::4]) for i in range(4)]
        + [late_worker(attempts[::-1])]
        + [reaper for _ in range(3)]
    )
    # Then the pacers dial whatever the reaper freed.
    run_at_once([lambda: dialer.leads_claim(campaign=campaign, limit=LEADS) for _ in range(4)])
    for attempt_id in CallAttempt.objects.filter(placed_at__isnull=True).values_list(
        "pk", flat=True
    ):
        dialer.attempt_place(attempt_id=attempt_id)

    counts = Counter(placed)
    assert max(counts.values()) == 1, "a number was dialled twice"
    assert len(counts) == LEADS, "a lead was lost"
    for attempt in CallAttempt.objects.all():
        # Every attempt was either placed or reaped unplaced, never both.
        assert (attempt.call_sid != "") != (attempt.ended_at is not None)


def test_pacers_of_one_campaign_racing_dial_no_more_lines_than_free_agents(campaign, make_agent):
    campaign.agents.set([make_agent(f"agent{i}") for i in range(6)])
    placements: list[int] = []
    lock = threading.Lock()

    def pacer():
        for _ in range(5):
            found = dialer.campaign_pace(campaign_id=campaign.pk)
            with lock:
                placements.extend(attempt_id for attempt_id, _delay in found)

    run_at_once([pacer for _ in range(THREADS)])
    assert len(placements) == len(set(placements))
    # Progressive: one line per free agent, however many pacers ran at once.
    assert CallAttempt.objects.filter(ended_at__isnull=True).count() == 6
