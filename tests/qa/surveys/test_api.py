"""/api/surveys/ and /api/fcr/: who sees which answers and figures, filters, bad input."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return sorted(row["id"] for row in response.json()["results"])


def test_an_agent_sees_only_their_own_survey_answers(api_as, agent, surveyed):
    assert _ids(api_as(agent).get("/api/surveys/")) == [surveyed["alex"].pk]
    response = api_as(agent).get(f"/api/surveys/{surveyed['bea'].pk}/")
    assert response.status_code == 404


def test_a_supervisor_sees_their_teams_answers(api_as, supervisor, surveyed):
    assert _ids(api_as(supervisor).get("/api/surveys/")) == [surveyed["alex"].pk]


def test_qa_analysts_and_managers_see_all(api_as, qa_analyst, manager, surveyed):
    everyone = sorted(s.pk for s in surveyed.values())
    assert _ids(api_as(qa_analyst).get("/api/surveys/")) == everyone
    assert _ids(api_as(manager).get("/api/surveys/")) == everyone


def test_someone_without_a_role_sees_nothing(api_as, outsider, api_client, surveyed):
    assert api_as(outsider).get("/api/surveys/").status_code == 403
    assert api_as(outsider).get("/api/fcr/").status_code == 403
    api_client.force_authenticate(None)
    assert api_client.get("/api/fcr/").status_code in (401, 403)


def test_answers_carry_the_score_and_filter_by_low_csat(api_as, manager, surveyed):
    response = api_as(manager).get("/api/surveys/", {"score_max": 2})
    (row,) = response.json()["results"]
    assert (row["id"], row["score"], row["answers"][0]["via"]) == (surveyed["bea"].pk, 2, "keys")
    bad = api_as(manager).get("/api/surveys/", {"score_max": 9})
    assert bad.status_code == 400 and "score_max" in bad.json()


def test_fcr_lists_each_contact_with_its_outcome(api_as, manager, surveyed):
    response = api_as(manager).get("/api/fcr/", {"from": "2026-11-01", "to": "2026-11-03"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["fcr_contacts"], body["fcr_resolved"], body["fcr"]) == (2, 2, 100.0)
    assert body["window_days"] == 7 and body["definition"].startswith("Resolved")
    assert {c["outcome"] for c in body["contacts"]} == {"resolved"}


def test_fcr_is_narrowed_to_the_users_scope(api_as, agent, supervisor, surveyed):
    params = {"from": "2026-11-01", "to": "2026-11-03"}
    alex = surveyed["alex"].agent_id
    for user in (agent, supervisor):
        contacts = api_as(user).get("/api/fcr/", params).json()["contacts"]
        assert [c["agent"] for c in contacts] == [alex]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-11-03", "to": "2026-11-01"}, "to"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-01-01", "to": "2026-12-31"}, "to"),
        ({"queue": "99999999999999999999"}, "queue"),
        ({"agent": "abc"}, "agent"),
    ],
)
def test_fcr_bad_input_is_a_400_by_field(api_as, manager, params, field):
    response = api_as(manager).get("/api/fcr/", params)
    assert response.status_code == 400
    assert field in response.json()
