"""The wallboard's actions and /api/monitor/: a supervisor listens, whispers and barges on
a live call through the simulator's conference; agents' states, a caller sent to an agent,
notes to a desk; who may do each; bad input."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from telephony.acd import presence
from telephony.models import (
    AgentProfile,
    DeskMessage,
    MonitoringSession,
    Queue,
    QueueEntry,
    Team,
)
from telephony.monitoring.services import supervisor_client
from telephony.simulator import CalledParty, CallerScript
from tests.factories import UserFactory
from tests.floor.conftest import billing_agent
from tests.telephony.conftest import OUR_NUMBER

# Routing and ringing run after commit, as in production: these tests commit.
pytestmark = pytest.mark.django_db(transaction=True)

DESK = reverse("telephony:desk")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def team(supervisor):
    """The supervisor's team serves the Billing queue."""
    team = Team.objects.create(name="Billing team")
    team.supervisors.add(supervisor)
    team.queues.add(Queue.objects.get(name="Billing"))
    return team


@pytest.fixture
def talking(clocked_simulator, support_line, ava, team):
    """Alex (on the supervisor's team) is talking with Ava, 30 s in."""
    sim = clocked_simulator
    alex = billing_agent("alex")
    alex.teams.add(team)
    sim.register_client("alex", CalledParty(answer="human", ring_seconds=2, talk_seconds=900))
    sim.set_party("+14155550142", CalledParty())
    sim_call = sim.dial_in(from_="+14155550142", to=OUR_NUMBER, script=CallerScript(inputs=["1"]))
    sim.run(30)
    entry = QueueEntry.objects.get(call__sid=sim_call.sid)
    assert entry.status == "connected" and entry.served_by == alex
    return sim, alex, entry


def _leg(sim, call_sid: str):
    """The simulator's participant for a leg, wherever it is, or None."""
    for conference in sim.conferences.values():
        if call_sid in conference.participants:
            return conference.participants[call_sid]
    return None


def _desk_call(client_as, agent: AgentProfile) -> str:
    page = client_as(agent.user).get(DESK, {"panel": "desk-call"}, headers=HTMX)
    return page.content.decode()


def test_supervisor_listens_whispers_barges_and_leaves_through_the_conference(
    talking, supervisor, api_as, client_as
):
    sim, alex, entry = talking
    identity = supervisor_client(supervisor).removeprefix("client:")
    sim.register_client(identity, CalledParty(answer="human", ring_seconds=2, talk_seconds=3600))
    api = api_as(supervisor)

    # Listen: a muted leg hears the caller and the agent; nobody hears it.
    started = api.post("/api/monitor/", {"call": entry.call.sid, "mode": "listen"}, format="json")
    assert started.status_code == 201, started.content
    session = MonitoringSession.objects.get(pk=started.json()["id"])
    assert session.reached_at == f"client:{identity}" and session.agent == alex
    sim.run(20)
    session.refresh_from_db()
    assert session.joined_at is not None
    supervisor_leg = _leg(sim, session.leg_sid)
    agent_leg, caller_leg = _leg(sim, entry.agent_call_sid), _leg(sim, entry.caller_call_sid)
    conference = supervisor_leg.conference
    assert supervisor_leg.muted and not supervisor_leg.coaching
    assert set(conference.heard_by(supervisor_leg)) == {agent_leg, caller_leg}
    assert supervisor_leg not in conference.heard_by(agent_leg)
    assert supervisor_leg not in conference.heard_by(caller_leg)
    # The queue's policy does not tell agents of a silent listener.
    assert "monitoring" not in _desk_call(client_as, alex)

    # Whisper, from the wallboard: the simulator's conference shows a coaching leg that
    # only the agent hears.
    wallboard = client_as(supervisor)
    answer = wallboard.post(
        reverse("floor:monitor"), {"agent": alex.pk, "mode": "whisper"}, headers=HTMX
    )
    assert answer.status_code == 200 and "Whispering on" in answer.content.decode()
    sim.run(30)
    assert supervisor_leg.coaching and not supervisor_leg.muted
    assert supervisor_leg.call_sid_to_coach == entry.agent_call_sid
    assert supervisor_leg in conference.heard_by(agent_leg)
    assert supervisor_leg not in conference.heard_by(caller_leg)
    assert "is coaching you" in _desk_call(client_as, alex)

    # Barge: everyone hears the supervisor.
    barged = api.post("/api/monitor/", {"call": entry.call.sid, "mode": "barge"}, format="json")
    assert barged.status_code == 200 and barged.json()["mode"] == "barge"
    sim.run(40)
    assert not supervisor_leg.coaching and not supervisor_leg.muted
    assert supervisor_leg in conference.heard_by(agent_leg)
    assert supervisor_leg in conference.heard_by(caller_leg)
    assert "has joined the call" in _desk_call(client_as, alex)

    # Leave: the supervisor's leg hangs up, the conversation goes on.
    left = api.post("/api/monitor/", {"call": entry.call.sid, "mode": "leave"}, format="json")
    assert left.status_code == 200 and left.json()["ended_at"] is not None
    sim.run(5)
    assert _leg(sim, session.leg_sid) is None
    assert sim.calls[session.leg_sid].status == "completed"
    assert _leg(sim, entry.caller_call_sid) is caller_leg and _leg(sim, entry.agent_call_sid)
    entry.refresh_from_db()
    assert entry.status == "connected"
    assert "monitoring" not in _desk_call(client_as, alex)

    # The audit: who, which call, each mode from when, how long.
    session.refresh_from_db()
    assert (session.supervisor, session.call, session.mode) == (supervisor, entry.call, "barge")
    changes = list(session.mode_changes.values_list("mode", flat=True))
    assert changes == ["listen", "whisper", "barge"]
    times = [change.at for change in session.mode_changes.all()]
    assert times == sorted(times) and times[0] == session.started_at
    # Joined 2 s after the start (the softphone rang), then 20 + 30 + 40 s on the call.
    assert session.duration_seconds == 20 + 30 + 40 - 2


def test_silent_listening_is_shown_where_the_queues_policy_says(
    talking, supervisor, api_as, client_as
):
    sim, alex, entry = talking
    Queue.objects.filter(pk=entry.queue_id).update(show_silent_monitoring=True)
    identity = supervisor_client(supervisor).removeprefix("client:")
    sim.register_client(identity, CalledParty(answer="human", ring_seconds=1, talk_seconds=3600))
    api_as(supervisor).post(
        "/api/monitor/", {"call": entry.call.sid, "mode": "listen"}, format="json"
    )
    assert "is listening to the call" not in _desk_call(client_as, alex)  # still ringing
    sim.run(5)
    assert "is listening to the call" in _desk_call(client_as, alex)


def test_supervisor_joins_from_a_phone_and_the_call_ending_ends_the_session(
    talking, supervisor, api_as
):
    sim, _alex, entry = talking
    sim.set_party("+12125550177", CalledParty(answer="human", ring_seconds=3, talk_seconds=3600))
    answer = api_as(supervisor).post(
        "/api/monitor/",
        {"call": entry.call.sid, "mode": "whisper", "phone_number": "(212) 555-0177"},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    session = MonitoringSession.objects.get()
    assert session.reached_at == "+12125550177"
    sim.run(10)
    assert _leg(sim, session.leg_sid).coaching
    sim.hang_up(entry.caller_call_sid)  # Ava hangs up: the conference ends
    sim.run(5)
    session.refresh_from_db()
    assert session.ended_at is not None and session.duration_seconds == 7


# --- Who may ------------------------------------------------------------------------------


def test_a_supervisor_monitors_only_their_teams_calls(talking, api_as, client_as):
    _sim, alex, entry = talking
    stranger = UserFactory.create(username="other-supervisor")
    stranger.groups.add(Group.objects.get(name="Supervisor"))
    answer = api_as(stranger).post(
        "/api/monitor/", {"call": entry.call.sid, "mode": "listen"}, format="json"
    )
    assert answer.status_code == 403
    page = client_as(stranger).post(reverse("floor:monitor"), {"agent": alex.pk, "mode": "listen"})
    # Alex is not among the agents this supervisor may pick.
    assert page.status_code == 200 and "Select a valid choice" in page.content.decode()
    assert not MonitoringSession.objects.exists()


def test_a_manager_monitors_any_call(talking, manager, api_as):
    _sim, _alex, entry = talking
    answer = api_as(manager).post(
        "/api/monitor/", {"call": entry.call.sid, "mode": "listen"}, format="json"
    )
    assert answer.status_code == 201
    assert MonitoringSession.objects.get().supervisor == manager


@pytest.mark.parametrize("persona", ["agent", "qa_analyst", "outsider"])
def test_other_roles_may_not_monitor(persona, request, api_as, client_as):
    user = request.getfixturevalue(persona)
    answer = api_as(user).post("/api/monitor/", {"call": "CA" + "1" * 32, "mode": "listen"})
    assert answer.status_code == 403
    assert client_as(user).post(reverse("floor:monitor"), {"mode": "listen"}).status_code == 403


def test_monitoring_needs_signing_in(api_client):
    answer = api_client.post("/api/monitor/", {"call": "CA" + "1" * 32, "mode": "listen"})
    assert answer.status_code in (401, 403)


# --- Bad input ----------------------------------------------------------------------------


def test_monitor_refuses_bad_input_with_field_messages(talking, supervisor, api_as):
    _sim, _alex, entry = talking
    api = api_as(supervisor)
    cases = [
        ({"mode": "listen"}, "call"),
        ({"call": "CA" + "0" * 32, "mode": "listen"}, "call"),
        ({"call": entry.call.sid, "mode": "shout"}, "mode"),
        (
            {"call": entry.call.sid, "mode": "listen", "phone_number": "not a number"},
            "phone_number",
        ),
        ({"call": entry.call.sid, "mode": "leave"}, "mode"),  # not monitoring it
    ]
    for body, field in cases:
        answer = api.post("/api/monitor/", body, format="json")
        assert answer.status_code == 400, body
        assert field in answer.json(), (body, answer.json())
    assert not MonitoringSession.objects.exists()


def test_a_call_not_with_an_agent_cannot_be_monitored(
    clocked_simulator, support_line, team, supervisor, api_as, client_as
):
    sim = clocked_simulator
    waiting = sim.dial_in(from_="+14155550142", to=OUR_NUMBER, script=CallerScript(inputs=["1"]))
    sim.run(20)  # in the Billing queue, nobody to take it
    answer = api_as(supervisor).post(
        "/api/monitor/", {"call": waiting.sid, "mode": "listen"}, format="json"
    )
    assert answer.status_code == 400 and "call" in answer.json()
    idle = billing_agent("idle")
    idle.teams.add(team)
    page = client_as(supervisor).post(
        reverse("floor:monitor"), {"agent": idle.pk, "mode": "listen"}
    )
    assert "This agent is not on a call." in page.content.decode()


# --- Agents' states, a caller sent to an agent, notes --------------------------------------


@pytest.fixture
def floor_team(support_line, team):
    alex = billing_agent("alex", state="not_ready")
    alex.teams.add(team)
    bea = billing_agent("bea", state="not_ready")  # on nobody's team
    return alex, bea


def test_supervisor_changes_their_agents_state_with_a_reason_and_logs_them_out(
    floor_team, supervisor, client_as
):
    alex, _bea = floor_team
    client = client_as(supervisor)
    refused = client.post(
        reverse("floor:agent_state"), {"agent": alex.pk, "state": "not_ready"}, headers=HTMX
    )
    assert "Say why you are not ready." in refused.content.decode()
    client.post(
        reverse("floor:agent_state"),
        {"agent": alex.pk, "state": "not_ready", "reason": "training"},
        headers=HTMX,
    )
    alex.refresh_from_db()
    assert (alex.state, alex.reason) == ("not_ready", "training")
    assert alex.state_changes.last().reason == "training"
    answer = client.post(reverse("floor:agent_log_out"), {"agent": alex.pk}, headers=HTMX)
    assert "is logged out" in answer.content.decode()
    alex.refresh_from_db()
    assert alex.state == "offline"


def test_supervisor_acts_only_on_their_teams_agents(floor_team, supervisor, manager, client_as):
    _alex, bea = floor_team
    for url, body in [
        (reverse("floor:agent_state"), {"agent": bea.pk, "state": "available"}),
        (reverse("floor:agent_log_out"), {"agent": bea.pk}),
        (reverse("floor:desk_note"), {"agent": bea.pk, "body": "Hello"}),
    ]:
        page = client_as(supervisor).post(url, body, headers=HTMX).content.decode()
        assert "Select a valid choice" in page
    bea.refresh_from_db()
    assert bea.state == "not_ready" and not DeskMessage.objects.exists()
    client_as(manager).post(reverse("floor:agent_log_out"), {"agent": bea.pk}, headers=HTMX)
    bea.refresh_from_db()
    assert bea.state == "offline"


def test_floor_actions_are_for_supervisors_and_managers(floor_team, agent, client_as):
    alex, _bea = floor_team
    for name in ("agent_state", "agent_log_out", "desk_note", "caller_send", "monitor"):
        assert (
            client_as(agent).post(reverse(f"floor:{name}"), {"agent": alex.pk}).status_code == 403
        )


def test_a_note_reaches_the_agents_desk(floor_team, supervisor, client_as):
    alex, _bea = floor_team
    empty = client_as(supervisor).post(
        reverse("floor:desk_note"), {"agent": alex.pk, "body": "   "}, headers=HTMX
    )
    assert "This field is required." in empty.content.decode()
    client_as(supervisor).post(
        reverse("floor:desk_note"), {"agent": alex.pk, "body": "Take lunch at 1"}, headers=HTMX
    )
    (note,) = DeskMessage.objects.all()
    assert (note.agent, note.sender) == (alex, supervisor)
    desk = client_as(alex.user).get(DESK, {"panel": "desk-state"}, headers=HTMX)
    assert "Take lunch at 1" in desk.content.decode()


def test_a_waiting_caller_is_sent_to_the_chosen_agent(
    clocked_simulator, support_line, ava, team, supervisor, client_as
):
    sim = clocked_simulator
    alex = billing_agent("alex", state="not_ready")
    # Chris is free but lacks the Billing queue's skill: routing alone never rings him.
    chris = AgentProfile.objects.create(
        user=UserFactory.create(username="chris"), client_identity="chris"
    )
    presence.agent_set_state(agent=chris, state="available")
    for member in (alex, chris):
        member.teams.add(team)
    sim.register_client("chris", CalledParty(answer="human", ring_seconds=2, talk_seconds=60))
    sim_call = sim.dial_in(from_="+14155550142", to=OUR_NUMBER, script=CallerScript(inputs=["1"]))
    sim.run(20)
    entry = QueueEntry.objects.get(call__sid=sim_call.sid)
    assert entry.status == "waiting"

    client = client_as(supervisor)
    busy = client.post(
        reverse("floor:caller_send"), {"entry": entry.pk, "agent": alex.pk}, headers=HTMX
    )
    assert f"{alex} is not available." in busy.content.decode()
    sent = client.post(
        reverse("floor:caller_send"), {"entry": entry.pk, "agent": chris.pk}, headers=HTMX
    )
    assert f"Ringing {chris} for the caller." in sent.content.decode()
    sim.run(10)
    entry.refresh_from_db()
    assert (entry.status, entry.served_by) == ("connected", chris)
    assert sim_call.application_errors == []
    again = client.post(
        reverse("floor:caller_send"), {"entry": entry.pk, "agent": chris.pk}, headers=HTMX
    )
    assert "Select a valid choice" in again.content.decode()  # no longer in line


def test_the_supervisors_browser_softphone_gets_a_token_with_twilio(
    supervisor, client_as, settings
):
    settings.TWILIO_SIMULATED = False
    settings.TWILIO_API_KEY_SID = "SK" + "1" * 32
    settings.TWILIO_API_KEY_SECRET = "an-api-key-secret-of-32-bytes-at-least"
    client = client_as(supervisor)
    answer = client.get(reverse("floor:softphone_token"))
    assert answer.status_code == 200
    assert answer.json()["identity"] == supervisor_client(supervisor).removeprefix("client:")
    page = client.get(reverse("floor:wallboard")).content.decode()
    assert "floor_softphone.js" in page and 'data-softphone="twilio"' in page
