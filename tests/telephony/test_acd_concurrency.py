"""Routing under concurrency on PostgreSQL: many routers, arrivals and presence changes at once.

Each thread has its own database connection, so these are concurrent PostgreSQL sessions,
as several web and worker processes would be.
"""

from __future__ import annotations

import random
import threading
from collections import Counter

from telephony.acd import offers, presence, routing
from telephony.models import AgentProfile, Queue, QueueEntry
from tests.concurrency import on_postgresql_only, run_at_once
from tests.factories import UserFactory

pytestmark = on_postgresql_only("row locks with SKIP LOCKED need PostgreSQL")

ROUNDS = 3
THREADS = 8


def test_many_routers_never_double_offer_and_skip_no_one():
    queue = Queue.objects.create(name="Concurrent")
    agents = [
        AgentProfile.objects.create(
            user=UserFactory(username=f"a{i}"), client_identity=f"a{i}", state="available"
        )
        for i in range(40)
    ]
    pairings: list[routing.Pairing] = []
    lock = threading.Lock()

    def arrivals(n: int):
        def work():
            for _ in range(n):
                QueueEntry.objects.create(queue=queue, priority=random.randint(0, 3))

        return work

    def router():
        for _ in range(30):
            found = routing.route(limit=5)
            with lock:
                pairings.extend(found)

    def flapper(agent: AgentProfile):
        def work():
            for _ in range(5):
                try:
                    presence.agent_set_state(agent=agent, state="not_ready", reason="break")
                    presence.agent_set_state(agent=agent, state="available")
                except Exception:  # noqa: S110
                    pass  # offered meanwhile: an agent cannot leave a ringing offer

        return work

    for _ in range(ROUNDS):
        run_at_once(
            [arrivals(20) for _ in range(3)]
            + [router for _ in range(THREADS)]
            + [flapper(a) for a in agents[:5]]
        )
    # One last pass with everyone settled, as the periodic safety-net run would do.
    pairings.extend(routing.route(limit=500))

    entry_counts = Counter(p.entry_id for p in pairings)
    assert max(entry_counts.values()) == 1, "a caller was offered to two agents"
    agent_counts = Counter(p.agent_id for p in pairings)
    assert max(agent_counts.values()) == 1, "an agent was offered two callers"
    offered = QueueEntry.objects.filter(status="offered")
    assert offered.count() == len(pairings)
    for entry in offered:
        assert AgentProfile.objects.filter(current_entry=entry).count() == 1
    free_agents = AgentProfile.objects.filter(state="available", current_entry__isnull=True)
    waiting = QueueEntry.objects.filter(status="waiting")
    # No one is skipped: callers still wait only if every agent is busy.
    assert not (free_agents.exists() and waiting.exists())
    assert offered.count() + waiting.count() == ROUNDS * 60


def test_missed_offers_and_abandons_racing_the_router_keep_the_books_straight():
    queue = Queue.objects.create(name="Race")
    agents = [
        AgentProfile.objects.create(
            user=UserFactory(username=f"b{i}"), client_identity=f"b{i}", state="available"
        )
        for i in range(10)
    ]
    entries = [QueueEntry.objects.create(queue=queue) for _ in range(30)]
    routing.route()

    def misser():
        for entry in entries[::2]:
            offers.offer_missed(entry_id=entry.pk)

    def abandoner():
        for entry in entries[1::3]:
            offers.entry_abandoned(entry_id=entry.pk)

    def router():
        for _ in range(20):
            routing.route(limit=5)

    def returner():
        for agent in agents:
            agent.refresh_from_db()
            if agent.state == "not_ready":
                presence.agent_set_state(agent=agent, state="available")

    run_at_once([misser, abandoner, router, router, returner, router])
    for agent in AgentProfile.objects.all():
        holding = agent.current_entry
        if holding is not None:
            assert agent.state == "offered"
            assert holding.status == "offered"
        else:
            assert agent.state != "offered"
    for entry in QueueEntry.objects.filter(status="offered"):
        assert AgentProfile.objects.filter(current_entry=entry).count() == 1
