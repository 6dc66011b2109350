"""The agent desktop: presence, and the screen-pop of the caller offered."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.urls import reverse

from callcenter.asgi import application
from crm import services as crm_services
from telephony import acd
from telephony.models import AgentProfile, Call, Queue, QueueEntry

pytestmark = pytest.mark.django_db

DESK = "/telephony/desk/"


@pytest.fixture
def desk_agent(agent):
    return AgentProfile.objects.create(user=agent, client_identity="alex", state="offline")


def test_only_agents_with_a_profile_have_a_desk(client_as, supervisor):
    response = client_as(supervisor).get(DESK)
    assert response.status_code == 403


def test_navigation_offers_the_desk_to_agents(client_as, desk_agent):
    assert 'href="/telephony/desk/"' in client_as(desk_agent.user).get("/").content.decode()


def test_agent_goes_available_then_on_break(client_as, desk_agent):
    client = client_as(desk_agent.user)
    response = client.post(
        reverse("telephony:desk_presence"), {"state": "available"}, headers={"HX-Request": "true"}
    )
    assert response.content.decode().strip().startswith('<section class="card" id="desk-state"')
    assert ">Available<" in response.content.decode()
    client.post(reverse("telephony:desk_presence"), {"state": "not_ready", "reason": "lunch"})
    desk_agent.refresh_from_db()
    assert (desk_agent.state, desk_agent.reason) == ("not_ready", "lunch")
    assert desk_agent.state_changes.count() == 2


def test_not_ready_without_reason_is_a_form_error(client_as, desk_agent):
    response = client_as(desk_agent.user).post(
        reverse("telephony:desk_presence"), {"state": "not_ready"}, headers={"HX-Request": "true"}
    )
    assert "Say why you are not ready" in response.content.decode()
    desk_agent.refresh_from_db()
    assert desk_agent.state == "offline"


def test_bogus_state_is_a_form_error(client_as, desk_agent):
    response = client_as(desk_agent.user).post(
        reverse("telephony:desk_presence"), {"state": "on_call"}, headers={"HX-Request": "true"}
    )
    assert 'class="errorlist' in response.content.decode()


def test_offered_call_pops_the_customer_and_the_ivr_journey(client_as, desk_agent):
    ava = crm_services.customer_create(
        name="Ava Chen", account_number="AC-100042", phone_numbers=[{"number": "4155550142"}]
    )
    crm_services.case_create(customer=ava, actor=None, subject="Refund pending")
    call = Call.objects.create(
        sid="CA" + "1" * 32,
        direction="inbound",
        from_number="+14155550142",
        to_number="+18005550100",
        customer=ava,
        identified_by="caller_id",
        ivr_inputs=[{"node": "main-menu", "digits": "1", "label": "Billing"}],
    )
    QueueEntry.objects.create(queue=Queue.objects.create(name="Billing"), call=call, customer=ava)
    acd.agent_set_state(agent=desk_agent, state="available")
    acd.route()
    page = (
        client_as(desk_agent.user)
        .get(DESK, {"panel": "desk-call"}, headers={"HX-Request": "true"})
        .content.decode()
    )
    assert page.strip().startswith('<section class="card" id="desk-call"')
    assert "Incoming call" in page
    assert "Ava Chen" in page and "AC-100042" in page
    assert "Billing" in page and "Refund pending" in page
    assert "caller ID" in page


@pytest.mark.django_db(transaction=True)
async def test_desk_hears_of_its_own_state_changes(desk_agent):
    communicator = WebsocketCommunicator(
        application,
        "/ws/desk/",
        headers=[(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")],
    )
    communicator.scope["user"] = desk_agent.user
    connected, _ = await communicator.connect()
    assert connected
    await database_sync_to_async(acd.agent_set_state)(agent=desk_agent, state="available")
    assert await communicator.receive_json_from(timeout=2) == {"event": "desk-changed"}
    await communicator.disconnect()
    await sync_to_async(connections.close_all)()
