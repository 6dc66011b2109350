"""The staffing page and its what-if calculator: answers for good input, messages for
bad input, never a 500."""

from __future__ import annotations

from telephony.models import Queue

WHAT_IF = {
    "calls": "100",
    "interval_minutes": "30",
    "aht_seconds": "180",
    "target_percent": "80",
    "threshold_seconds": "20",
    "occupancy_cap_percent": "100",
    "shrinkage_percent": "30",
    "patience_seconds": "",
}


def test_what_if_gives_the_reference_staffing_as_a_partial(client_as, manager):
    response = client_as(manager).post("/workforce/what-if/", WHAT_IF, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<td id="what-if-agents">14</td>' in body
    assert '<td id="what-if-rostered">20</td>' in body
    assert '<td id="what-if-sl">0.888</td>' in body
    assert "<html" not in body


def test_what_if_refuses_a_hundred_percent_in_zero_seconds(client_as, manager):
    bad = {**WHAT_IF, "target_percent": "100", "threshold_seconds": "0"}
    response = client_as(manager).post("/workforce/what-if/", bad)
    assert response.status_code == 400
    assert "aim below 100%" in response.content.decode()


def test_what_if_refuses_a_zero_handle_time(client_as, manager):
    response = client_as(manager).post("/workforce/what-if/", {**WHAT_IF, "aht_seconds": "0"})
    assert response.status_code == 400
    assert "at least a second" in response.content.decode()


def test_staffing_page_without_history_explains_itself(client_as, manager):
    Queue.objects.create(name="Support")
    response = client_as(manager).get("/workforce/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "no interval history yet" in body
    assert 'id="no-forecast"' in body


def test_reforecasting_without_history_is_a_message_not_an_error(client_as, manager):
    queue = Queue.objects.create(name="Support")
    client = client_as(manager)
    response = client.post("/workforce/forecast/", {"queue": queue.pk}, follow=True)
    assert response.status_code == 200
    assert "no interval history yet: nothing to forecast from" in response.content.decode()


def test_planning_is_refused_to_agents(client_as, agent):
    assert client_as(agent).get("/workforce/").status_code == 403
    assert client_as(agent).post("/workforce/what-if/", WHAT_IF).status_code == 403


def test_the_agent_desk_loads_the_schedule_panel(client_as, agent):
    from telephony.models import AgentProfile

    AgentProfile.objects.create(user=agent, client_identity="alex")
    body = client_as(agent).get("/telephony/desk/").content.decode()
    assert 'hx-get="/workforce/desk/"' in body
