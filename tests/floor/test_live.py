"""The wallboard's websockets: who may open them, a burst of changes as few notices, and
the wall displays' feed of figures."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.db import connections, transaction

from floor.consumers import FloorFiguresConsumer
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


# --- The wall displays' feed: the figures themselves ----------------------------------------


async def _figures(communicator, seconds: float = 1.0) -> list[dict]:
    heard = await _notices(communicator, seconds)
    assert {message["event"] for message in heard} <= {"floor-figures"}
    return heard


def _states(figures: dict) -> dict[int, tuple[str, str]]:
    return {a["id"]: (a["state"], a["reason"]) for a in figures["agents"]}


async def test_the_feed_sends_the_figures_on_opening_and_after_each_change(manager):
    agent = await AgentProfile.objects.acreate(
        user=await sync_to_async(UserFactory.create)(username="alex"),
        client_identity="alex",
    )
    communicator = page_socket("/ws/floor/figures/", manager)
    connected, _ = await communicator.connect()
    assert connected
    opening = await communicator.receive_json_from(timeout=5)
    assert opening["event"] == "floor-figures"
    assert list(_states(opening).values()) == [("offline", "")]
    assert isinstance(opening["queues"], list)

    def move() -> None:
        with transaction.atomic():
            presence.agent_set_state(agent=agent, state="not_ready", reason="lunch")

    await sync_to_async(move)()
    changed = await communicator.receive_json_from(timeout=5)
    assert list(_states(changed).values()) == [("not_ready", "lunch")]
    await communicator.disconnect()
    await sync_to_async(connections.close_all)()


async def test_after_a_burst_the_feeds_last_figures_are_the_floors(manager):
    communicator = page_socket("/ws/floor/figures/", manager)
    await communicator.connect()
    await communicator.receive_json_from(timeout=5)

    def burst() -> list[AgentProfile]:
        agents = [
            AgentProfile.objects.create(
                user=UserFactory.create(username=f"a{n:02d}"), client_identity=f"a{n:02d}"
            )
            for n in range(30)
        ]
        for n, agent in enumerate(agents):
            with transaction.atomic():
                presence.agent_set_state(agent=agent, state="not_ready", reason="break")
            if n % 2:
                with transaction.atomic():
                    presence.agent_set_state(agent=agent, state="available")
        return agents

    agents = await sync_to_async(burst)()
    heard = await _figures(communicator)
    # Coalesced like the notices, never one message per move, and the last one is final.
    assert 1 <= len(heard) < 10
    expected = {
        a.pk: ("available", "") if n % 2 else ("not_ready", "break") for n, a in enumerate(agents)
    }
    assert _states(heard[-1]) == expected
    await communicator.disconnect()
    await sync_to_async(connections.close_all)()


async def test_the_feed_takes_the_agents_lists_filters(manager):
    def floor() -> list[AgentProfile]:
        return [
            AgentProfile.objects.create(
                user=UserFactory.create(username=name), client_identity=name, state=state
            )
            for name, state in (("alex", "available"), ("blair", "not_ready"))
        ]

    _, blair = await sync_to_async(floor)()
    communicator = page_socket("/ws/floor/figures/?state=not_ready", manager)
    await communicator.connect()
    opening = await communicator.receive_json_from(timeout=5)
    assert [a["id"] for a in opening["agents"]] == [blair.pk]
    await communicator.disconnect()

    refused = page_socket("/ws/floor/figures/?state=asleep", manager)
    connected, code = await refused.connect()
    assert not connected and code == 4400
    await sync_to_async(connections.close_all)()


async def test_displays_told_by_one_notice_share_one_read_of_the_floor(manager, monkeypatch):
    built = []
    figures_text = FloorFiguresConsumer._figures_text

    def counted(consumer) -> str:
        built.append(consumer.channel_name)
        return figures_text(consumer)

    monkeypatch.setattr(FloorFiguresConsumer, "_figures_text", counted)
    displays = [page_socket("/ws/floor/figures/", manager) for _ in range(3)]
    for display in displays:
        await display.connect()
        await display.receive_json_from(timeout=5)
    opened = len(built)
    assert opened == 3  # each display's first figures are its own

    def move() -> None:
        agent = AgentProfile.objects.create(
            user=UserFactory.create(username="alex"), client_identity="alex"
        )
        with transaction.atomic():
            presence.agent_set_state(agent=agent, state="available")

    await sync_to_async(move)()
    told = [await display.receive_json_from(timeout=5) for display in displays]
    assert len({str(figures) for figures in told}) == 1
    assert len(built) == opened + 1
    for display in displays:
        await display.disconnect()
    await sync_to_async(connections.close_all)()


@pytest.mark.parametrize("persona", ["agent", "qa_analyst", "outsider"])
async def test_others_may_not_open_the_feed(persona, request):
    user = await sync_to_async(request.getfixturevalue)(persona)
    connected, code = await page_socket("/ws/floor/figures/", user).connect()
    assert not connected and code == 4403
