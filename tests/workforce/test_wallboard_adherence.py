"""The wallboard's agents table marks an agent out of their scheduled activity past the
tolerance, through floor's registry (floor knows nothing of schedules)."""

from __future__ import annotations

import pytest

from telephony.models import AgentProfile
from tests.workforce.conftest import at, presence_at

State = AgentProfile.State


@pytest.mark.django_db
def test_the_wallboard_shows_since_when_an_agent_is_out_of_adherence(
    scheduled, time_machine, client_as, api_as, manager
):
    presence_at(time_machine, scheduled, at(9), State.AVAILABLE)
    presence_at(time_machine, scheduled, at(11), State.NOT_READY, "break")
    time_machine.move_to(at(11, 10), tick=False)  # on the scheduled break: adherent
    (row,) = api_as(manager).get("/api/realtime/agents/").json()
    assert row["out_of_adherence_since"] is None
    assert "out of adherence" not in client_as(manager).get("/floor/").content.decode()

    time_machine.move_to(at(11, 22), tick=False)  # 7 minutes past the break's end
    (row,) = api_as(manager).get("/api/realtime/agents/").json()
    assert row["out_of_adherence_since"] == "2026-03-02T11:15:00Z"
    page = client_as(manager).get("/floor/").content.decode()
    assert 'class="out-of-adherence">· out of adherence' in page
    assert 'data-since="2026-03-02T11:15:00+00:00"' in page
