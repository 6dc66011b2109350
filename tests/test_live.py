"""Live notices reach open pages from any process: a Celery worker, beat, another web host.

With Redis that is Redis's job; the embedded mode relays group messages through SQLite
(callcenter.layers). Either way, a notice sent by a separate process reaches the page.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections

from callcenter.asgi import application
from telephony.acd import desk_group
from telephony.models import AgentProfile

pytestmark = pytest.mark.django_db(transaction=True)

SEND_FROM_ANOTHER_PROCESS = """
import django
django.setup()
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
async_to_sync(get_channel_layer().group_send)(
    {group!r}, {{"type": "page.notice", "event": "desk-changed"}}
)
"""


async def test_a_notice_sent_by_another_process_reaches_the_page(agent):
    profile = await AgentProfile.objects.acreate(user=agent, client_identity="alex")
    communicator = WebsocketCommunicator(
        application,
        "/ws/desk/",
        headers=[(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")],
    )
    communicator.scope["user"] = agent
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_nothing(timeout=0.5)

    script = SEND_FROM_ANOTHER_PROCESS.format(group=desk_group(profile.pk))
    sent = await sync_to_async(subprocess.run)(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert sent.returncode == 0, sent.stderr

    assert await communicator.receive_json_from(timeout=5) == {"event": "desk-changed"}
    await communicator.disconnect()
    await sync_to_async(connections.close_all)()
