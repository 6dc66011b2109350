"""The agent is told live: their open desk hears of a submitted evaluation."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from qa.evaluations import services
from telephony.models import AgentProfile, Queue
from tests.qa.evaluations.conftest import ended_call, make_card, question_ids
from tests.sockets import desk_socket

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_agents_desk_hears_a_submitted_evaluation(agent, qa_analyst):
    def score_a_call() -> None:
        queue = Queue.objects.create(name="Billing")
        card = make_card(queues=[queue])
        evaluation = services.evaluation_start(call=ended_call(agent, queue), analyst=qa_analyst)
        services.evaluation_save(
            evaluation_id=evaluation.pk,
            by=qa_analyst,
            answers=dict(zip(question_ids(card), (1, 1, 5, 10), strict=True)),
            submit=True,
        )

    await AgentProfile.objects.acreate(user=agent, client_identity=agent.username)
    communicator = await desk_socket(agent)
    await sync_to_async(score_a_call)()
    assert await communicator.receive_json_from(timeout=10) == {"event": "evaluations-changed"}
    await communicator.disconnect()
    await sync_to_async(connections.close_all)()
