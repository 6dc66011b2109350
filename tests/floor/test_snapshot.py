"""The wallboard's snapshot: a fixed number of queries however big the floor, and shared by
the wallboards that fetch on the same notice."""

from __future__ import annotations

import time
from collections import Counter

from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from callcenter import roles
from campaigns.models import Campaign
from floor import selectors
from telephony.acd import presence
from telephony.models import AgentProfile, AgentSkill, Queue, QueueSkill, Skill
from tests.factories import CallAttemptFactory, CampaignFactory, UserFactory


def _grow_floor(*, queues: int, campaigns: int) -> None:
    """More queues, each asking for a skill of its own some agents have; more campaigns."""
    for _ in range(queues):
        index = Queue.objects.count()
        queue = Queue.objects.create(name=f"Queue {index}")
        skill = Skill.objects.create(name=f"skill-{index}")
        QueueSkill.objects.create(queue=queue, skill=skill, min_level=3)
        for level, state in ((5, "available"), (2, "available"), (4, "not_ready")):
            agent = AgentProfile.objects.create(
                user=UserFactory.create(),
                client_identity=f"agent-{index}-{level}",
                state=state,
                reason="lunch" if state == "not_ready" else "",
            )
            AgentSkill.objects.create(agent=agent, skill=skill, level=level)
    for _ in range(campaigns):
        campaign = CampaignFactory.create(status=Campaign.Status.RUNNING)
        CallAttemptFactory.create(lead__campaign=campaign)


def test_the_snapshot_costs_the_same_queries_however_many_queues_and_campaigns(
    manager, django_assert_num_queries
):
    _grow_floor(queues=1, campaigns=1)
    selectors.floor_snapshot(user=User.objects.get(pk=manager.pk))  # caches filled once
    viewer = User.objects.get(pk=manager.pk)  # its permissions not yet read
    with CaptureQueriesContext(connection) as small:
        selectors.floor_snapshot(user=viewer)

    _grow_floor(queues=6, campaigns=3)
    viewer = User.objects.get(pk=manager.pk)
    with django_assert_num_queries(len(small.captured_queries)):
        snapshot = selectors.floor_snapshot(user=viewer)

    assert len(snapshot.queues) == 7 and len(snapshot.campaigns) == 4
    # Agents by state are those Queue.qualified_agents names: the level 2 agent is not.
    for figures in snapshot.queues:
        qualified = Queue.objects.get(pk=figures.id).qualified_agents()
        assert {s: n for s, n in figures.agents_by_state.items() if n} == dict(
            Counter(qualified.values_list("state", flat=True))
        )
        assert figures.agents_by_state["available"] == 1
        assert figures.not_ready_by_reason == {"lunch": 1}


def _stamp_renewed(old: str) -> str:
    # The stamp is renewed by the notice sender's thread, as the notice goes.
    deadline = time.monotonic() + 10
    while (stamp := presence.floor_stamp()) == old and time.monotonic() < deadline:
        time.sleep(0.02)
    assert stamp != old, "the floor notice did not renew the stamp"
    return stamp


def test_wallboards_told_of_a_change_share_one_snapshot_that_shows_it(
    api_as, manager, settings, django_capture_on_commit_callbacks
):
    settings.WALLBOARD_SHARED_SNAPSHOT_SECONDS = 60
    other_manager = UserFactory.create(username="manager2")
    other_manager.groups.add(Group.objects.get(name=roles.MANAGER))
    alex = AgentProfile.objects.create(
        user=UserFactory.create(username="alex"), client_identity="alex", state="available"
    )
    old = presence.floor_stamp()
    with django_capture_on_commit_callbacks(execute=True):
        presence.agent_set_state(agent=alex, state="not_ready", reason="break")
    _stamp_renewed(old)

    first = api_as(manager).get("/api/realtime/agents/").json()
    assert [(a["id"], a["state"]) for a in first] == [(alex.pk, "not_ready")]

    # Under the same stamp another wallboard gets the same snapshot without reading the
    # floor again: a change that sends no notice does not show yet...
    AgentProfile.objects.filter(pk=alex.pk).update(reason="lunch")
    with CaptureQueriesContext(connection) as queries:
        second = api_as(other_manager).get("/api/realtime/agents/").json()
    assert second == first
    assert not [q for q in queries.captured_queries if "telephony_agentprofile" in q["sql"]]

    # ...and the next change through the ACD, with its notice, shows on every wallboard.
    stamp = presence.floor_stamp()
    with django_capture_on_commit_callbacks(execute=True):
        presence.agent_set_state(agent=alex, state="available")
    _stamp_renewed(stamp)
    for viewer in (manager, other_manager):
        agents = api_as(viewer).get("/api/realtime/agents/").json()
        assert [(a["id"], a["state"]) for a in agents] == [(alex.pk, "available")]


def test_without_a_shared_cache_each_wallboard_reads_the_floor(api_as, manager, settings):
    """The embedded mode's cache is each process's own: the worker's stamps never reach the
    web process, so nothing is shared there."""
    assert settings.WALLBOARD_SHARED_SNAPSHOT_SECONDS == 0  # tests/conftest.py, as embedded
    alex = AgentProfile.objects.create(
        user=UserFactory.create(username="alex"), client_identity="alex", state="available"
    )
    assert api_as(manager).get("/api/realtime/agents/").json()[0]["state"] == "available"
    AgentProfile.objects.filter(pk=alex.pk).update(state="not_ready", reason="lunch")
    assert api_as(manager).get("/api/realtime/agents/").json()[0]["state"] == "not_ready"
