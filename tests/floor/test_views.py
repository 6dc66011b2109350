"""The wallboard page: scoped to the supervisor's teams, filters, TV mode, the snapshot."""

from __future__ import annotations

import pytest

from telephony.models import AgentProfile, Queue, Team
from tests.factories import UserFactory


@pytest.fixture
def floor(db, supervisor):
    billing = Queue.objects.create(name="Billing")
    general = Queue.objects.create(name="General")
    mine = Team.objects.create(name="Billing team")
    mine.supervisors.add(supervisor)
    mine.queues.add(billing)
    alex = AgentProfile.objects.create(
        user=UserFactory.create(username="alex", first_name="Alex"),
        client_identity="alex",
        state="available",
    )
    alex.teams.add(mine)
    bea = AgentProfile.objects.create(
        user=UserFactory.create(username="bea", first_name="Bea"),
        client_identity="bea",
        state="not_ready",
        reason="lunch",
    )
    return {"billing": billing, "general": general, "alex": alex, "bea": bea}


def test_a_supervisor_sees_their_team_and_its_queues(client_as, supervisor, floor):
    page = client_as(supervisor).get("/floor/").content.decode()
    assert f'id="queue-{floor["billing"].pk}"' in page
    assert f'id="queue-{floor["general"].pk}"' not in page
    assert f'id="agent-{floor["alex"].pk}"' in page and f'id="agent-{floor["bea"].pk}"' not in page
    assert 'data-live-url="/ws/floor/"' in page


def test_the_manager_filters_by_state_and_the_snapshot_comes_alone(client_as, manager, floor):
    client = client_as(manager)
    page = client.get("/floor/", {"state": "not_ready"}).content.decode()
    assert f'id="agent-{floor["bea"].pk}"' in page and "(lunch)" in page
    assert f'id="agent-{floor["alex"].pk}"' not in page
    partial = client.get("/floor/", {"state": "not_ready"}, headers={"HX-Request": "true"})
    text = partial.content.decode()
    assert text.lstrip().startswith('<div id="snapshot"') and "<html" not in text


def test_tv_mode_is_the_board_alone(client_as, manager, floor):
    page = client_as(manager).get("/floor/", {"tv": "1"}).content.decode()
    assert 'class="tv"' in page and 'class="topbar"' not in page
    assert 'id="wallboard-filters"' not in page and 'id="queues"' in page


@pytest.mark.parametrize("persona", ["agent", "qa_analyst", "outsider"])
def test_others_may_not_see_the_wallboard(client_as, persona, request, floor):
    assert client_as(request.getfixturevalue(persona)).get("/floor/").status_code == 403
