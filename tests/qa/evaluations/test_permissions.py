"""Who sees which evaluation, on the pages and in the API: an agent only their own, a
supervisor only their teams', analysts and managers all; drafts only their analyst."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qa.evaluations import services
from tests.qa.evaluations.conftest import ended_call, question_ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_evaluations(card, teams, agent, other_agent, qa_analyst):
    """Alex's (team Red, the supervisor's) and Bea's (team Blue), both submitted."""
    made = []
    for user in (agent, other_agent):
        call = ended_call(user, card.queues.get())
        evaluation = services.evaluation_start(call=call, analyst=qa_analyst)
        made.append(
            services.evaluation_save(
                evaluation_id=evaluation.pk,
                by=qa_analyst,
                answers=dict(zip(question_ids(card), (1, 1, 5, 10), strict=True)),
                submit=True,
            )
        )
    return made


def _api_ids(api, **query):
    response = api.get("/api/evaluations/", query)
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


def test_an_agent_never_sees_another_agents_evaluation(two_evaluations, agent, client_as, api_as):
    alexs, beas = two_evaluations
    client = client_as(agent)
    assert client.get(reverse("qa:evaluation", args=[alexs.pk])).status_code == 200
    assert client.get(reverse("qa:evaluation", args=[beas.pk])).status_code == 404
    listing = client.get(reverse("qa:evaluation_list")).content.decode()
    assert reverse("qa:evaluation", args=[alexs.pk]) in listing
    assert reverse("qa:evaluation", args=[beas.pk]) not in listing
    assert _api_ids(api_as(agent)) == {alexs.pk}
    assert api_as(agent).get(f"/api/evaluations/{beas.pk}/").status_code == 404
    # Nor may they act on it.
    assert client.post(reverse("qa:evaluation_acknowledge", args=[beas.pk])).status_code == 404


def test_a_supervisor_never_sees_another_teams_evaluation(
    two_evaluations, supervisor, client_as, api_as
):
    alexs, beas = two_evaluations
    client = client_as(supervisor)
    assert client.get(reverse("qa:evaluation", args=[alexs.pk])).status_code == 200
    assert client.get(reverse("qa:evaluation", args=[beas.pk])).status_code == 404
    assert _api_ids(api_as(supervisor)) == {alexs.pk}


def test_analysts_and_managers_see_all(two_evaluations, qa_analyst, manager, api_as):
    assert _api_ids(api_as(qa_analyst)) == {e.pk for e in two_evaluations}
    assert _api_ids(api_as(manager)) == {e.pk for e in two_evaluations}


def test_drafts_are_their_analysts_alone(card, teams, agent, supervisor, qa_analyst, api_as):
    call = ended_call(agent, card.queues.get())
    draft = services.evaluation_start(call=call, analyst=qa_analyst)
    assert _api_ids(api_as(agent)) == set()
    assert _api_ids(api_as(supervisor)) == set()
    assert _api_ids(api_as(qa_analyst)) == {draft.pk}


def test_outsiders_see_no_evaluations_or_scorecards(two_evaluations, outsider, api_as, client_as):
    assert api_as(outsider).get("/api/evaluations/").status_code == 403
    assert api_as(outsider).get("/api/scorecards/").status_code == 403
    assert client_as(outsider).get(reverse("qa:evaluation_list")).status_code == 403


def test_only_analysts_open_the_work_queue(agent, supervisor, qa_analyst, client_as):
    for user, status in ((agent, 403), (supervisor, 403), (qa_analyst, 200)):
        assert client_as(user).get(reverse("qa:work_queue")).status_code == status


def test_the_api_filters_by_dispute_state_and_agent(
    two_evaluations, agent, qa_analyst, api_as, card
):
    alexs, beas = two_evaluations
    services.dispute_raise(
        evaluation=alexs, by=agent, question_id=question_ids(card)[2], reason="It was solved."
    )
    api = api_as(qa_analyst)
    assert _api_ids(api, dispute_state="open") == {alexs.pk}
    assert _api_ids(api, dispute_state="none") == {beas.pk}
    assert _api_ids(api, agent=beas.agent_id) == {beas.pk}
    row = api.get(f"/api/evaluations/{alexs.pk}/").json()
    assert row["state"] == "disputed"
    assert row["disputes"][0]["state"] == "open"
    assert api.get("/api/evaluations/", {"dispute_state": "maybe"}).status_code == 400


def test_the_scorecards_api_lists_versions_with_questions(card, qa_analyst, api_as):
    [row] = api_as(qa_analyst).get("/api/scorecards/").json()["results"]
    assert (row["name"], row["version"], row["is_current"]) == ("Support", 1, True)
    assert [len(section["questions"]) for section in row["sections"]] == [2, 2]
    assert row["sections"][0]["questions"][1]["critical"] is True
