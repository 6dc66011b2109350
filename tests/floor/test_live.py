"""The wallboard's websocket: who may open it, and a burst of changes as few notices."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.db import connections, transaction

from telephony.acd import presence
from telephony.models import AgentProfile
from tests.factories import UserFactory
from tests.sockets import page_socket

pytestmark = pytest.mark.django_db(transaction=True)


async def _notices(communicator, seconds: float) -> list[dict]:
    heard = []
    while not await communicator.receive_nothing(timeout=seconds):
        heard.append(await communicator.receive_json_from())
    return heard


async def test_a_burst_of_agent_moves_reaches_the_wallboard_as_a_few_notices(supervisor):
    communicator = page_socket("/ws/floor/", supervisor)
    connected, _ = await communicator.connect()
    assert connected

    def burst() -> None:
        agents = [
            AgentProfile.objects.create(
                user=UserFactory.create(username=f"a{n}"), client_identity=f"a{n}"
            )
            for n in range(50)
        ]
        for agent in agents:
            with transaction.atomic():
                presence.agent_set_state(agent=agent, state="not_ready", reason="break")

    await sync_to_async(burst)()
    heard = await _notices(communicator, 1.0)
    # The first at once, the last of the burst when its window ends: never one per move.
    assert heard and set(map(str, heard)) == {str({"event": "floor-changed"})}
    assert len(heard) < 10
    await communicator.disconnect()
    await sync_to_async(connections.close_all)()


async def test_the_last_change_of_a_burst_is_always_told(supervisor):
    communicator = page_socket("/ws/floor/", supervisor)
    await communicator.connect()
    agent = await AgentProfile.objects.acreate(
        user=await sync_to_async(UserFactory.create)(username="alex"), client_identity="alex"
    )

    def move(state: str) -> None:
        with transaction.atomic():
            presence.agent_set_state(agent=agent, state=state, reason="break")

    await sync_to_async(move)("available")
    assert await communicator.receive_json_from(timeout=2) == {"event": "floor-changed"}
    await sync_to_async(move)("not_ready")  # within the window: held back, then sent
    assert await communicator.receive_json_from(timeout=2) == {"event": "floor-changed"}
    await communicator.disconnect()
    await sync_to_async(connections.close_all)()


@pytest.mark.parametrize("persona", ["agent", "qa_analyst", "outsider"])
async def test_others_may_not_open_the_wallboards_socket(persona, request):
    user = await sync_to_async(request.getfixturevalue)(persona)
    communicator = page_socket("/ws/floor/", user)
    connected, code = await communicator.connect()
    assert not connected and code == 4403
