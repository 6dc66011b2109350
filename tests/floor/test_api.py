"""The realtime API: the wallboard's snapshots, scoped like the page."""

from __future__ import annotations

import pytest

from telephony.models import AgentProfile, Queue, Team
from tests.factories import UserFactory


@pytest.fixture
def floor(db, supervisor):
    """Two teams: the supervisor's answers Billing; the other General."""
    billing = Queue.objects.create(name="Billing")
    general = Queue.objects.create(name="General")
    mine = Team.objects.create(name="Billing team")
    mine.supervisors.add(supervisor)
    mine.queues.add(billing)
    theirs = Team.objects.create(name="General team")
    theirs.queues.add(general)
    alex = AgentProfile.objects.create(
        user=UserFactory.create(username="alex"), client_identity="alex", state="available"
    )
    alex.teams.add(mine)
    bea = AgentProfile.objects.create(
        user=UserFactory.create(username="bea"),
        client_identity="bea",
        state="not_ready",
        reason="lunch",
    )
    bea.teams.add(theirs)
    return {"billing": billing, "general": general, "alex": alex, "bea": bea, "team": mine}


def test_a_supervisor_sees_their_teams_queues_and_agents(api_as, supervisor, floor):
    client = api_as(supervisor)
    queues = client.get("/api/realtime/queues/").json()
    assert [q["name"] for q in queues] == ["Billing"]
    assert queues[0]["offered"] == 0 and queues[0]["service_level_colour"] == "none"
    agents = client.get("/api/realtime/agents/").json()
    assert [a["id"] for a in agents] == [floor["alex"].pk]
    assert agents[0]["state"] == "available"


def test_a_manager_sees_the_whole_floor(api_as, manager, floor):
    client = api_as(manager)
    assert [q["name"] for q in client.get("/api/realtime/queues/").json()] == ["Billing", "General"]
    agents = client.get("/api/realtime/agents/", {"state": "not_ready"}).json()
    assert [(a["id"], a["reason"]) for a in agents] == [(floor["bea"].pk, "lunch")]
    by_team = client.get("/api/realtime/agents/", {"team": floor["team"].pk}).json()
    assert [a["id"] for a in by_team] == [floor["alex"].pk]


def test_agents_by_queue_are_those_qualified_for_a_queue_the_user_sees(api_as, supervisor, floor):
    client = api_as(supervisor)
    ids = [
        a["id"] for a in client.get("/api/realtime/agents/", {"queue": floor["billing"].pk}).json()
    ]
    assert ids == [floor["alex"].pk]
    # General is not theirs: nobody.
    assert client.get("/api/realtime/agents/", {"queue": floor["general"].pk}).json() == []


def test_bad_filters_are_refused_with_field_messages(api_as, manager, floor):
    response = api_as(manager).get("/api/realtime/agents/", {"state": "asleep", "team": "x"})
    assert response.status_code == 400
    assert set(response.json()) >= {"state", "team"}


@pytest.mark.parametrize("persona", ["agent", "qa_analyst", "outsider"])
def test_others_may_not_read_the_floor(api_as, persona, request, floor):
    client = api_as(request.getfixturevalue(persona))
    assert client.get("/api/realtime/queues/").status_code == 403
    assert client.get("/api/realtime/agents/").status_code == 403
