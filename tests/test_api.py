"""Project-wide API policy: ids out of range or not numbers are bad input, never a 500; who
reads the schema and docs."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

TOO_BIG = "99999999999999999999"  # past any integer column: SQLite raised OverflowError


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/api/agents/?teams={TOO_BIG}", "teams"),
        (f"/api/cases/?owner={TOO_BIG}", "owner"),
        (f"/api/calls/?queue={TOO_BIG}", "queue"),
        (f"/api/interactions/?customer={TOO_BIG}", "customer"),
        (f"/api/lead-imports/?campaign={TOO_BIG}", "campaign"),
        (f"/api/dnc/?dnc_list={TOO_BIG}", "dnc_list"),
        ("/api/agents/?teams=-99999999999999999999", "teams"),
    ],
)
def test_an_out_of_range_id_filter_is_a_400_naming_the_field(api_as, manager, path, field):
    manager.is_superuser = True
    manager.save()
    response = api_as(manager).get(path)
    assert response.status_code == 400
    assert field in response.data


def test_an_out_of_range_import_batch_is_a_400(api_as, supervisor):
    campaign = CampaignFactory()
    response = api_as(supervisor).get(
        f"/api/campaigns/{campaign.pk}/leads/", {"import_batch": TOO_BIG}
    )
    assert response.status_code == 400
    assert "import_batch" in response.data


@pytest.mark.parametrize("pk", ["false", TOO_BIG, "-1"])
def test_a_campaign_id_that_names_no_row_is_a_404(api_as, supervisor, pk):
    assert api_as(supervisor).get(f"/api/campaigns/{pk}/leads/").status_code == 404


def test_anonymous_visitors_cannot_read_the_schema(client):
    assert client.get("/api/schema/").status_code == 403


def test_anonymous_visitors_of_the_docs_are_sent_to_sign_in(client):
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_signed_in_users_read_schema_and_docs(client_as, outsider):
    client = client_as(outsider)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_a_setting_opens_schema_and_docs_to_anyone(client, settings):
    settings.API_DOCS_PUBLIC = True
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_token_requests_are_throttled_by_address(api_client, agent, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "sign_in": "5/minute"}
    # An address of its own, so no other test's requests count.
    address = {"REMOTE_ADDR": "192.0.2.10"}
    answers = [
        api_client.post(
            "/api/auth/token/", {"username": "agent", "password": "guess"}, **address
        ).status_code
        for _ in range(5)
    ]
    assert answers == [400] * 5
    right = api_client.post(
        "/api/auth/token/", {"username": "agent", "password": "s3cret-pass"}, **address
    )
    assert right.status_code == 429
    assert "token" not in right.data


def test_a_made_up_forwarded_address_does_not_escape_the_token_throttle(
    api_client, agent, settings
):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "sign_in": "3/minute"}
    answers = [
        api_client.post(
            "/api/auth/token/",
            {"username": "nobody", "password": "guess"},
            REMOTE_ADDR="192.0.2.11",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(4)
    ]
    assert answers == [400, 400, 400, 429]


def test_api_requests_are_throttled_per_user(api_as, agent, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "user": "3/minute"}
    # Ids come back after a rollback: forget what an earlier user of this id was counted.
    cache.delete(f"throttle_user_{agent.pk}")
    client = api_as(agent)
    assert [client.get("/api/customers/").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_an_api_path_no_url_matches_is_a_json_404(api_as, supervisor):
    response = api_as(supervisor).get("/api/queues/1.5/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
