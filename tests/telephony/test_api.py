"""The telephony API: agents and their state, queues with live figures, calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from telephony.models import AgentProfile, AgentSkill, Call, Queue, QueueEntry, QueueSkill, Skill

pytestmark = pytest.mark.django_db


@pytest.fixture
def alex(agent):
    profile = AgentProfile.objects.create(user=agent, client_identity="alex", state="offline")
    AgentSkill.objects.create(agent=profile, skill=Skill.objects.create(name="billing"), level=7)
    return profile


def test_agents_list_with_state_and_skills(api_as, supervisor, alex):
    data = api_as(supervisor).get("/api/agents/").data["results"]
    assert data[0]["state"] == "offline"
    assert data[0]["skills"] == [{"skill": "billing", "level": 7}]


def test_agent_changes_own_state(api_as, alex):
    response = api_as(alex.user).post(
        f"/api/agents/{alex.pk}/state/", {"state": "available"}, format="json"
    )
    assert response.status_code == 200
    assert response.data["state"] == "available"


def test_agent_cannot_change_a_colleagues_state(api_as, other_agent, alex):
    response = api_as(other_agent).post(
        f"/api/agents/{alex.pk}/state/", {"state": "available"}, format="json"
    )
    assert response.status_code == 403
    alex.refresh_from_db()
    assert alex.state == "offline"


def test_supervisor_sets_an_agent_not_ready(api_as, supervisor, alex):
    response = api_as(supervisor).post(
        f"/api/agents/{alex.pk}/state/",
        {"state": "not_ready", "reason": "meeting"},
        format="json",
    )
    assert response.status_code == 200
    assert (response.data["state"], response.data["reason"]) == ("not_ready", "meeting")


@pytest.mark.parametrize(
    "payload", [{"state": "on_call"}, {"state": "not_ready"}, {"state": "flying"}, {}]
)
def test_illegal_state_changes_are_400s(api_as, alex, payload):
    response = api_as(alex.user).post(f"/api/agents/{alex.pk}/state/", payload, format="json")
    assert response.status_code == 400


def test_queue_live_figures(api_as, supervisor, alex):
    queue = Queue.objects.create(name="Billing")
    QueueSkill.objects.create(queue=queue, skill=Skill.objects.get(name="billing"))
    QueueEntry.objects.create(queue=queue)
    QueueEntry.objects.create(queue=queue)
    live = api_as(supervisor).get(f"/api/queues/{queue.pk}/").data["live"]
    assert live["waiting"] == 2
    assert live["longest_wait_seconds"] >= 0
    assert live["agents_by_state"]["offline"] == 1


def test_calls_filtered(api_as, supervisor):
    Call.objects.create(sid="CA" + "1" * 32, direction="inbound", from_number="+1", to_number="+2")
    Call.objects.create(
        sid="CA" + "2" * 32, direction="outbound-api", from_number="+1", to_number="+2"
    )
    data = api_as(supervisor).get("/api/calls/", {"direction": "inbound"}).data
    assert [c["sid"] for c in data["results"]] == ["CA" + "1" * 32]


def test_agents_cannot_list_calls(api_as, agent):
    assert api_as(agent).get("/api/calls/").status_code == 403


def _entry(queue, *, waited, status, connected=None, kind="call", call=None):
    start = timezone.now() - timedelta(minutes=30)
    return QueueEntry.objects.create(
        queue=queue,
        call=call,
        kind=kind,
        status=status,
        waiting_since=start,
        connected_at=start + timedelta(seconds=connected) if connected is not None else None,
        ended_at=start + timedelta(seconds=waited),
    )


@time_machine.travel(datetime(2026, 3, 4, 15, 0, tzinfo=UTC), tick=False)
def test_queue_figures_of_today(api_as, supervisor, settings):
    settings.SHORT_ABANDON_SECONDS = 5
    queue = Queue.objects.create(name="Billing")
    _entry(queue, waited=200, status="done", connected=20)
    _entry(queue, waited=300, status="done", connected=40)
    _entry(queue, waited=60, status="abandoned")
    _entry(queue, waited=3, status="abandoned")  # a short abandon
    yesterday = _entry(queue, waited=60, status="abandoned")
    QueueEntry.objects.filter(pk=yesterday.pk).update(
        waiting_since=timezone.now() - timedelta(days=1)
    )
    today = api_as(supervisor).get(f"/api/queues/{queue.pk}/").data["today"]
    assert today == {
        "answered": 2,
        "abandoned": 1,
        "short_abandoned": 1,
        "average_wait_seconds": 30,
    }


def test_a_queue_with_no_calls_today_has_no_average_wait(api_as, supervisor):
    queue = Queue.objects.create(name="Quiet")
    today = api_as(supervisor).get(f"/api/queues/{queue.pk}/").data["today"]
    assert today["answered"] == 0 and today["average_wait_seconds"] is None


def test_calls_say_what_became_of_their_place_in_the_queue(api_as, supervisor):
    queue = Queue.objects.create(name="Billing")
    outcomes = {}
    for n, (kind, status, expected) in enumerate(
        [
            ("callback", "waiting", "callback"),
            ("call", "abandoned", "abandoned"),
            ("call", "done", "answered"),
            ("call", "overflowed", "voicemail"),
        ]
    ):
        call = Call.objects.create(
            sid=f"CA{n:032d}",
            direction="inbound",
            from_number="+1",
            to_number="+2",
            queue_result="hangup",
        )
        _entry(queue, waited=60, status=status, kind=kind, call=call)
        outcomes[call.sid] = expected
    Call.objects.create(sid="CA" + "9" * 32, direction="inbound", from_number="+1", to_number="+2")
    outcomes["CA" + "9" * 32] = None
    data = api_as(supervisor).get("/api/calls/").data["results"]
    assert {c["sid"]: c["queue_outcome"] for c in data} == outcomes
