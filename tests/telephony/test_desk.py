"""The agent desktop: presence, and the screen-pop of the caller offered."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import jwt
import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from crm import services as crm_services
from crm.models import Customer
from telephony.acd import offers, presence, routing, wrap_up
from telephony.desk import selectors
from telephony.models import AgentProfile, Call, Disposition, Queue, QueueEntry
from tests.sockets import desk_socket
from tests.telephony.conftest import call_ended_for

pytestmark = pytest.mark.django_db

DESK = "/telephony/desk/"


@pytest.fixture
def desk_agent(agent):
    return AgentProfile.objects.create(user=agent, client_identity="alex", state="offline")


def test_only_agents_with_a_profile_have_a_desk(client_as, supervisor):
    response = client_as(supervisor).get(DESK)
    assert response.status_code == 403
    # The page says why, not only that it is refused.
    assert "Only agents with an agent profile have a desktop." in response.content.decode()


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


def test_the_state_selector_agrees_with_the_badge(client_as, desk_agent):
    client = client_as(desk_agent.user)
    AgentProfile.objects.filter(pk=desk_agent.pk).update(state="not_ready", reason="lunch")
    panel = client.get(DESK, {"panel": "desk-state"}).content.decode()
    assert '<option value="not_ready" selected>' in panel
    assert '<option value="lunch" selected>' in panel
    # Ringing is not a state an agent picks: the selector asks instead of saying "Available".
    AgentProfile.objects.filter(pk=desk_agent.pk).update(state="offered", reason="")
    panel = client.get(DESK, {"panel": "desk-state"}).content.decode()
    assert ">Ringing<" in panel
    assert '<option value="" selected>Change to…</option>' in panel
    assert '<option value="available" selected>' not in panel


def test_choosing_no_state_while_ringing_is_a_form_error(client_as, desk_agent):
    AgentProfile.objects.filter(pk=desk_agent.pk).update(state="offered")
    response = client_as(desk_agent.user).post(
        reverse("telephony:desk_presence"), {"state": ""}, headers={"HX-Request": "true"}
    )
    assert "This field is required." in response.content.decode()
    desk_agent.refresh_from_db()
    assert desk_agent.state == "offered"


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
    presence.agent_set_state(agent=desk_agent, state="available")
    routing.route()
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


def _caller_for(agent: AgentProfile) -> QueueEntry:
    """A caller waiting, and `agent` available for them: the router's next offer."""
    # Available first: becoming available routes (after commit), and nobody waits yet.
    presence.agent_set_state(agent=agent, state="available")
    call = Call.objects.create(sid="CA" + "3" * 32, from_number="+14155550142")
    return QueueEntry.objects.create(queue=Queue.objects.create(name="Billing"), call=call)


def test_offer_made_while_the_desk_is_read_shows_with_its_accept(
    client_as, desk_agent, monkeypatch
):
    """The view has read the agent when the router offers them a caller: the panel still
    shows agent and offer as of one moment, so the screen-pop comes with its Accept form."""
    _caller_for(desk_agent)
    read_desk = selectors.agent_desk

    def offered_meanwhile(*, agent):
        routing.route()
        return read_desk(agent=agent)

    monkeypatch.setattr(selectors, "agent_desk", offered_meanwhile)
    page = (
        client_as(desk_agent.user)
        .get(DESK, {"panel": "desk-call"}, headers={"HX-Request": "true"})
        .content.decode()
    )
    assert "Incoming call" in page and '<form id="offer"' in page


def _offered(agent: AgentProfile) -> QueueEntry:
    """A caller offered to `agent`, the leg that rings them not placed yet."""
    entry = _caller_for(agent)
    routing.route()
    return entry


def test_accept_shows_once_the_softphone_rings(client_as, desk_agent):
    """The leg ringing the agent is placed after the offer shows, and the simulated
    softphone can only answer it once it rings: Accept waits for that."""
    entry = _offered(desk_agent)
    desk = client_as(desk_agent.user)

    def panel() -> str:
        response = desk.get(DESK, {"panel": "desk-call"}, headers={"HX-Request": "true"})
        return response.content.decode()

    assert '<form id="offer"' in panel() and 'value="accept"' not in panel()
    leg = Call.objects.create(
        sid="CA" + "5" * 32, direction="outbound-api", to_number="client:alex"
    )
    QueueEntry.objects.filter(pk=entry.pk).update(agent_call_sid=leg.sid)
    assert 'value="accept"' not in panel()
    Call.objects.filter(pk=leg.pk).update(twilio_status="ringing")
    assert 'value="accept"' in panel()


@pytest.mark.django_db(transaction=True)
async def test_desk_hears_of_its_own_state_changes(desk_agent):
    communicator = await desk_socket(desk_agent.user)
    await database_sync_to_async(presence.agent_set_state)(agent=desk_agent, state="available")
    assert await communicator.receive_json_from(timeout=2) == {"event": "desk-changed"}
    await communicator.disconnect()
    await sync_to_async(connections.close_all)()


@pytest.mark.django_db(transaction=True)
async def test_desk_hears_when_its_softphone_rings(desk_agent):
    entry = await database_sync_to_async(_offered)(desk_agent)
    communicator = await desk_socket(desk_agent.user)
    while not await communicator.receive_nothing(timeout=1):
        await communicator.receive_json_from()  # the offer's own notices
    await database_sync_to_async(offers.agent_leg_status)(
        entry_id=entry.pk, params={"CallStatus": "ringing"}
    )
    assert await communicator.receive_json_from(timeout=2) == {"event": "desk-changed"}
    await communicator.disconnect()
    await sync_to_async(connections.close_all)()


@pytest.fixture
def wrapping_up(desk_agent):
    """Alex has just finished a billing call with Ava (agent, entry, ava, sale)."""
    ava = crm_services.customer_create(
        name="Ava Chen", account_number="AC-100042", phone_numbers=[{"number": "4155550142"}]
    )
    queue = Queue.objects.create(name="Billing", wrap_up_seconds=30)
    sale = Disposition.objects.create(code="resolved", label="Resolved")
    queue.dispositions.add(sale)
    Disposition.objects.create(code="other-queue", label="Not for this queue")
    entry = call_ended_for(desk_agent, queue=queue, customer=ava, sid="CA" + "2" * 32)
    desk_agent.refresh_from_db()
    return SimpleNamespace(agent=desk_agent, entry=entry, ava=ava, sale=sale)


def test_wrap_up_form_is_shown_after_the_call(client_as, wrapping_up):
    w = wrapping_up
    page = client_as(w.agent.user).get(DESK).content.decode()
    assert "Wrap-up" in page and 'id="wrap-up"' in page
    assert "Resolved" in page and "Not for this queue" not in page


def test_wrap_up_records_disposition_note_case_and_callback(client_as, wrapping_up):
    w = wrapping_up
    case = crm_services.case_create(customer=w.ava, actor=None, subject="Refund")
    crm_services.case_transition(case=case, actor=w.agent.user, status="open")
    response = client_as(w.agent.user).post(
        reverse("telephony:desk_wrap_up"),
        {
            "disposition": w.sale.pk,
            "notes": "Explained the refund timing",
            "case_subject": "Follow up on refund",
            "case": case.pk,
            "case_status": "resolved",
            "case_resolution": "Refund confirmed",
            "callback_at": "2099-01-05T10:00",
            "next_state": "not_ready",
            "reason": "break",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    w.agent.refresh_from_db()
    assert (w.agent.state, w.agent.reason) == ("not_ready", "break")
    assert Call.objects.get(pk=w.entry.call_id).disposition == "resolved"
    assert w.ava.interactions.filter(kind="note", body="Explained the refund timing").exists()
    assert w.ava.cases.filter(subject="Follow up on refund", owner=w.agent.user).exists()
    case.refresh_from_db()
    assert case.status == "resolved"
    callback = QueueEntry.objects.get(kind="callback")
    assert callback.callback_number == "+14155550142"
    assert callback.not_before.year == 2099


def test_a_case_opened_in_wrap_up_takes_the_queues_category(client_as, wrapping_up):
    w = wrapping_up
    Queue.objects.filter(pk=w.entry.queue_id).update(case_category="billing")
    client_as(w.agent.user).post(
        reverse("telephony:desk_wrap_up"),
        {"disposition": w.sale.pk, "case_subject": "Double charge", "next_state": "available"},
    )
    assert w.ava.cases.get(subject="Double charge").category == "billing"


@pytest.fixture
def on_a_call(desk_agent):
    """Alex has answered a caller routed from the Billing queue; returns the entry."""
    queue = Queue.objects.create(name="Billing")
    call = Call.objects.create(
        sid="CA" + "5" * 32, direction="inbound", from_number="+14155550177", to_number="+1800"
    )
    entry = QueueEntry.objects.create(queue=queue, call=call, caller_call_sid=call.sid)
    presence.agent_set_state(agent=desk_agent, state="available")
    routing.route()
    offers.offer_accepted(entry_id=entry.pk)
    return entry


def test_call_notes_are_a_group_of_their_own(client_as, desk_agent, on_a_call):
    page = client_as(desk_agent.user).get(DESK).content.decode()
    # Not a bare label trailing the transfer controls: a fieldset with its own legend.
    notes = page[page.index('<form id="call-notes"') :]
    assert notes.index("<fieldset>") < notes.index("Call notes</label></legend>")


def test_bad_wrap_up_saves_nothing(client_as, wrapping_up):
    w = wrapping_up
    other = Disposition.objects.get(code="other-queue")
    response = client_as(w.agent.user).post(
        reverse("telephony:desk_wrap_up"),
        {
            "disposition": other.pk,
            "notes": "x",
            "callback_at": "2001-01-01T10:00",
            "next_state": "available",
        },
        headers={"HX-Request": "true"},
    )
    assert 'class="errorlist' in response.content.decode()
    w.agent.refresh_from_db()
    assert w.agent.state == "wrap_up"
    assert not w.ava.interactions.filter(kind="note").exists()
    assert not QueueEntry.objects.filter(kind="callback").exists()


def test_wrap_up_time_running_out_makes_the_agent_available(wrapping_up, time_machine):
    w = wrapping_up
    w.entry.refresh_from_db()
    assert w.agent.wrap_up_until == w.entry.ended_at + dt.timedelta(seconds=30)
    time_machine.move_to(w.agent.wrap_up_until - dt.timedelta(seconds=1))
    assert wrap_up.wrap_ups_expired() == 0
    time_machine.move_to(w.agent.wrap_up_until)
    assert wrap_up.wrap_ups_expired() == 1
    w.agent.refresh_from_db()
    assert w.agent.state == "available"


def test_wrap_up_sweep_leaves_agents_who_moved_on(wrapping_up, time_machine):
    w = wrapping_up
    presence.agent_set_state(agent=w.agent, state="not_ready", reason="break")
    time_machine.move_to(w.agent.wrap_up_until + dt.timedelta(minutes=5))
    assert wrap_up.wrap_ups_expired() == 0
    w.agent.refresh_from_db()
    assert (w.agent.state, w.agent.reason) == ("not_ready", "break")


def test_a_scheduled_callback_waits_for_its_time(desk_agent, wrapping_up):
    w = wrapping_up
    later = QueueEntry.objects.create(
        queue=w.entry.queue,
        customer=w.ava,
        kind="callback",
        callback_number="+14155550142",
        not_before=timezone.now() + dt.timedelta(hours=1),
    )
    presence.agent_set_state(agent=w.agent, state="available")
    assert routing.route() == []
    later.not_before = timezone.now() - dt.timedelta(seconds=1)
    later.save()
    assert [p.entry_id for p in routing.route()] == [later.pk]


def test_call_controls_without_a_call_are_form_errors(client_as, desk_agent):
    client = client_as(desk_agent.user)
    hold = client.post(
        reverse("telephony:desk_call_control"), {"action": "hold"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "You are not on a call." in hold
    transfer = client.post(
        reverse("telephony:desk_call_control"),
        {"action": "transfer"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "Choose one colleague, number or queue to transfer to." in transfer


def test_softphone_token_lets_the_agents_browser_take_calls(client_as, desk_agent, settings):
    settings.TWILIO_SIMULATED = False
    settings.TWILIO_API_KEY_SID = "SK" + "1" * 32
    settings.TWILIO_API_KEY_SECRET = "an-api-key-secret-of-32-bytes-at-least"
    response = client_as(desk_agent.user).get(reverse("telephony:softphone_token"))
    assert response.status_code == 200
    claims = jwt.decode(
        response.json()["token"], "an-api-key-secret-of-32-bytes-at-least", algorithms=["HS256"]
    )
    assert claims["iss"] == settings.TWILIO_API_KEY_SID
    assert claims["sub"] == settings.TWILIO_ACCOUNT_SID
    assert claims["grants"] == {"identity": "alex", "voice": {"incoming": {"allow": True}}}
    assert claims["exp"] - claims["nbf"] == 3600
    page = client_as(desk_agent.user).get(DESK).content.decode()
    assert "twilio-voice-sdk-2.18.5.min.js" in page and 'data-softphone="twilio"' in page


def test_softphone_token_without_an_api_key_says_what_to_set(client_as, desk_agent, settings):
    settings.TWILIO_API_KEY_SID = ""
    response = client_as(desk_agent.user).get(reverse("telephony:softphone_token"))
    assert response.status_code == 503
    assert "TWILIO_API_KEY_SID" in response.json()["detail"]


def test_simulator_mode_desk_answers_with_its_own_button(client_as, desk_agent):
    page = client_as(desk_agent.user).get(DESK).content.decode()
    assert "twilio-voice-sdk" not in page
    assert "Softphone: simulated" in page


@pytest.fixture
def unknown_caller_offered(desk_agent):
    call = Call.objects.create(
        sid="CA" + "4" * 32,
        direction="inbound",
        from_number="+14155550177",
        to_number="+18005550100",
    )
    entry = QueueEntry.objects.create(queue=Queue.objects.create(name="Billing"), call=call)
    presence.agent_set_state(agent=desk_agent, state="available")
    routing.route()
    return entry


def test_unknown_caller_is_made_a_customer_from_the_screen_pop(
    client_as, desk_agent, unknown_caller_offered
):
    client = client_as(desk_agent.user)
    page = client.get(DESK).content.decode()
    assert "Unknown caller" in page and 'value="+14155550177"' in page
    response = client.post(
        reverse("telephony:desk_caller_create"),
        {"name": "Noor Haddad", "phone": "+14155550177", "email": ""},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "Noor Haddad" in response and "Unknown caller" not in response
    unknown_caller_offered.refresh_from_db()
    call = unknown_caller_offered.call
    call.refresh_from_db()
    assert unknown_caller_offered.customer == call.customer
    assert call.customer.name == "Noor Haddad" and call.identified_by == "agent"
    assert call.customer.phone_numbers.get().number == "+14155550177"


def test_quick_create_errors_stay_on_the_form_and_save_nothing(
    client_as, desk_agent, unknown_caller_offered
):
    response = (
        client_as(desk_agent.user)
        .post(
            reverse("telephony:desk_caller_create"),
            {"name": "", "phone": "not a number"},
            headers={"HX-Request": "true"},
        )
        .content.decode()
    )
    assert "This field is required." in response
    assert "is not a phone number" in response
    assert not Customer.objects.exists()


def test_notes_taken_during_the_call_start_the_wrap_up(client_as, desk_agent, on_a_call):
    entry = on_a_call
    client = client_as(desk_agent.user)
    assert 'name="notes"' in client.get(DESK).content.decode()

    saved = client.post(reverse("telephony:desk_call_notes"), {"notes": "Wants a refund"})
    assert saved.content == b"Saved."
    offers.conversation_ended(entry_id=entry.pk)
    page = client.get(DESK).content.decode()
    assert 'id="wrap-up"' in page and "Wants a refund</textarea>" in page


def test_notes_need_a_call(client_as, desk_agent):
    response = client_as(desk_agent.user).post(reverse("telephony:desk_call_notes"), {"notes": "x"})
    assert response.status_code == 400
    assert b"You are not on a call." in response.content
