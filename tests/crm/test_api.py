import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.authtoken.models import Token

from crm import services
from crm.models import Case, Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ava():
    return services.customer_create(
        name="Ava Chen", account_number="AC-100042", phone_numbers=[{"number": "+14155550142"}]
    )


@pytest.mark.parametrize("typed", ["(415) 555-0142", "+1 415 555 0142", "415.555.0142"])
def test_customer_lookup_by_phone_in_any_format(api_as, agent, ava, typed):
    response = api_as(agent).get("/api/customers/", {"phone": typed})
    assert response.status_code == 200
    assert [c["account_number"] for c in response.data["results"]] == ["AC-100042"]
    assert response.data["results"][0]["phone_numbers"][0]["number"] == "+14155550142"


def test_lookup_with_an_invalid_phone_is_a_400(api_as, agent, ava):
    response = api_as(agent).get("/api/customers/", {"phone": "banana"})
    assert response.status_code == 400
    assert "phone" in response.data


def test_unknown_account_is_an_empty_result(api_as, agent, ava):
    response = api_as(agent).get("/api/customers/", {"account_number": "AC-404"})
    assert response.data["count"] == 0


def test_unknown_customer_is_a_404(api_as, agent):
    assert api_as(agent).get("/api/customers/999999/").status_code == 404


def test_create_customer_with_contact_points(api_as, agent):
    response = api_as(agent).post(
        "/api/customers/",
        {
            "name": "Ben Brooks",
            "tier": 2,
            "phone_numbers": [{"number": "(312) 555-0100", "label": "work"}],
            "email_addresses": [{"email": "ben@example.org"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.data["phone_numbers"][0]["number"] == "+13125550100"
    assert response.data["time_zone"] == "America/Chicago"
    assert response.data["account_number"].startswith("AC-")


def test_create_with_bad_fields_is_a_400_with_field_errors_and_saves_nothing(api_as, agent, ava):
    response = api_as(agent).post(
        "/api/customers/",
        {
            "name": "",
            "account_number": "ac-100042",
            "tier": 7,
            "time_zone": "Atlantis/Capital",
            "phone_numbers": [{"number": "+1 415"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.data) >= {"name", "account_number", "tier", "phone_numbers"}
    assert response.data["phone_numbers"][0]["number"]
    assert Customer.objects.count() == 1


def test_time_zone_error_comes_from_the_model_rules(api_as, agent):
    response = api_as(agent).post(
        "/api/customers/", {"name": "Ben", "time_zone": "Atlantis/Capital"}, format="json"
    )
    assert response.status_code == 400
    assert "time_zone" in response.data


def test_duplicate_number_in_one_payload_is_a_400_and_nothing_is_saved(api_as, agent):
    response = api_as(agent).post(
        "/api/customers/",
        {"name": "Ben", "phone_numbers": [{"number": "3125550100"}, {"number": "312-555-0100"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "phone_numbers.1.__all__" in response.data or "phone_numbers.1.number" in response.data
    assert not Customer.objects.exists()


def test_patch_customer_profile(api_as, agent, ava):
    response = api_as(agent).patch(
        f"/api/customers/{ava.pk}/", {"tier": 3, "email": "ava@new.example"}, format="json"
    )
    assert response.status_code == 200
    ava.refresh_from_db()
    assert (ava.tier, ava.email) == (3, "ava@new.example")


def test_patch_cannot_replace_contact_points(api_as, agent, ava):
    response = api_as(agent).patch(
        f"/api/customers/{ava.pk}/", {"phone_numbers": []}, format="json"
    )
    assert response.status_code == 400
    assert ava.phone_numbers.count() == 1


def test_malformed_json_is_a_400(api_as, agent):
    response = api_as(agent).generic(
        "POST", "/api/customers/", '{"name": "Ben",', content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON parse error" in response.data["detail"]


def test_oversized_body_is_a_400_and_saves_nothing(api_as, agent, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    body = json.dumps({"name": "Ben", "padding": "x" * 5_000})
    response = api_as(agent).generic(
        "POST", "/api/customers/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "larger than" in response.data["detail"]
    assert not Customer.objects.exists()


def test_overlong_field_is_a_field_error(api_as, agent):
    response = api_as(agent).post("/api/customers/", {"name": "x" * 500}, format="json")
    assert response.status_code == 400
    assert "name" in response.data


def test_form_encoded_bodies_are_refused(api_as, agent):
    response = api_as(agent).post("/api/customers/", {"name": "Ben"}, format="multipart")
    assert response.status_code == 415


# (persona, method, expected status) on /api/customers/.
API_ACCESS = [
    ("agent", "get", 200),
    ("agent", "post", 201),
    ("supervisor", "post", 201),
    ("qa_analyst", "get", 200),
    ("qa_analyst", "post", 403),
    ("manager", "post", 201),
    ("outsider", "get", 403),
    ("outsider", "post", 403),
]


@pytest.mark.parametrize(("persona", "method", "expected"), API_ACCESS)
def test_api_access_by_role(request, api_as, persona, method, expected):
    client = api_as(request.getfixturevalue(persona))
    if method == "get":
        response = client.get("/api/customers/")
    else:
        response = client.post("/api/customers/", {"name": "Ben"}, format="json")
    assert response.status_code == expected


def test_anonymous_is_refused(api_client):
    assert api_client.get("/api/customers/").status_code in (401, 403)


def test_token_authentication(api_client, agent, ava):
    token = Token.objects.create(user=agent)
    response = api_client.get("/api/customers/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response.data["count"] == 1


def test_obtain_token_with_credentials(api_client, agent):
    response = api_client.post(
        "/api/auth/token/", {"username": "agent", "password": "s3cret-pass"}, format="json"
    )
    assert response.status_code == 200
    assert response.data["token"] == Token.objects.get(user=agent).key


def test_pagination(api_as, agent):
    CustomerFactory.create_batch(60)
    page = api_as(agent).get("/api/customers/", {"page_size": 25, "page": 2}).data
    assert page["count"] == 60
    assert len(page["results"]) == 25
    assert page["next"] and page["previous"]


def test_search_filter(api_as, agent, ava):
    CustomerFactory(name="Ben Brooks")
    response = api_as(agent).get("/api/customers/", {"q": "chen"})
    assert [c["name"] for c in response.data["results"]] == ["Ava Chen"]


class TestCases:
    def test_create_and_transition(self, api_as, agent, ava):
        client = api_as(agent)
        created = client.post(
            "/api/cases/",
            {"customer": ava.pk, "subject": "Refund", "category": "billing", "priority": 3},
            format="json",
        )
        assert created.status_code == 201, created.data
        assert created.data["status"] == "new"
        assert created.data["allowed_transitions"] == ["open", "closed"]
        case_id = created.data["id"]
        moved = client.post(f"/api/cases/{case_id}/transition/", {"status": "open"}, format="json")
        assert moved.status_code == 200
        assert moved.data["status"] == "open"
        history = client.get(f"/api/cases/{case_id}/history/").data
        assert [event["kind"] for event in history] == ["created", "status"]

    def test_illegal_transition_is_a_400_with_the_reason(self, api_as, agent, ava):
        case = services.case_create(customer=ava, actor=agent, subject="Refund")
        response = api_as(agent).post(
            f"/api/cases/{case.pk}/transition/", {"status": "resolved"}, format="json"
        )
        assert response.status_code == 400
        assert "cannot become resolved" in response.data["status"][0]
        case.refresh_from_db()
        assert case.status == "new"

    def test_unknown_status_is_a_400(self, api_as, agent, ava):
        case = services.case_create(customer=ava, actor=agent, subject="Refund")
        response = api_as(agent).post(
            f"/api/cases/{case.pk}/transition/", {"status": "done"}, format="json"
        )
        assert response.status_code == 400
        assert "status" in response.data

    def test_status_is_read_only_in_patch(self, api_as, agent, ava):
        case = services.case_create(customer=ava, actor=agent, subject="Refund")
        response = api_as(agent).patch(
            f"/api/cases/{case.pk}/", {"status": "closed", "priority": 4}, format="json"
        )
        assert response.status_code == 200
        case.refresh_from_db()
        assert (case.status, case.priority) == ("new", 4)

    def test_case_cannot_move_to_another_customer(self, api_as, agent, ava):
        case = services.case_create(customer=ava, actor=agent, subject="Refund")
        other = CustomerFactory()
        response = api_as(agent).patch(
            f"/api/cases/{case.pk}/", {"customer": other.pk}, format="json"
        )
        assert response.status_code == 400

    def test_agent_cannot_assign_to_someone_else(self, api_as, agent, other_agent, ava):
        case = services.case_create(customer=ava, actor=agent, subject="Refund")
        response = api_as(agent).patch(
            f"/api/cases/{case.pk}/", {"owner": other_agent.pk}, format="json"
        )
        assert response.status_code == 403
        case.refresh_from_db()
        assert case.owner is None

    def test_agent_cannot_open_a_case_for_someone_else(self, api_as, agent, other_agent, ava):
        response = api_as(agent).post(
            "/api/cases/",
            {"customer": ava.pk, "subject": "Refund", "owner": other_agent.pk},
            format="json",
        )
        assert response.status_code == 403
        assert not Case.objects.exists()

    def test_agent_opens_a_case_for_themselves(self, api_as, agent, ava):
        response = api_as(agent).post(
            "/api/cases/",
            {"customer": ava.pk, "subject": "Refund", "owner": agent.pk},
            format="json",
        )
        assert response.status_code == 201
        assert Case.objects.get().owner == agent

    def test_supervisor_opens_a_case_for_an_agent(self, api_as, supervisor, agent, ava):
        response = api_as(supervisor).post(
            "/api/cases/",
            {"customer": ava.pk, "subject": "Refund", "owner": agent.pk},
            format="json",
        )
        assert response.status_code == 201
        assert Case.objects.get().owner == agent

    def test_a_failed_update_leaves_the_owner_as_it_was(
        self, api_as, supervisor, agent, ava, monkeypatch
    ):
        case = services.case_create(customer=ava, actor=supervisor, subject="Refund")

        def update_fails(**kwargs):
            raise ValidationError({"priority": ["Refused."]})

        monkeypatch.setattr(services, "case_update", update_fails)
        response = api_as(supervisor).patch(
            f"/api/cases/{case.pk}/", {"owner": agent.pk, "priority": 4}, format="json"
        )
        assert response.status_code == 400
        case.refresh_from_db()
        assert case.owner is None
        assert not case.events.filter(kind="assigned").exists()

    def test_qa_analyst_cannot_move_cases(self, api_as, qa_analyst, agent, ava):
        case = services.case_create(customer=ava, actor=agent, subject="Refund")
        response = api_as(qa_analyst).post(
            f"/api/cases/{case.pk}/transition/", {"status": "open"}, format="json"
        )
        assert response.status_code == 403
        assert Case.objects.get().status == "new"

    def test_filters(self, api_as, agent, ava):
        services.case_create(customer=ava, actor=agent, subject="A", priority=4)
        services.case_create(customer=ava, actor=agent, subject="B", priority=1)
        response = api_as(agent).get("/api/cases/", {"priority": 4, "customer": ava.pk})
        assert [c["subject"] for c in response.data["results"]] == ["A"]


class TestInteractions:
    def test_add_note_and_list_timeline(self, api_as, agent, ava):
        client = api_as(agent)
        created = client.post(
            "/api/interactions/",
            {"customer": ava.pk, "kind": "note", "summary": "Prefers email"},
            format="json",
        )
        assert created.status_code == 201, created.data
        assert created.data["actor"] == agent.pk
        listed = client.get("/api/interactions/", {"customer": ava.pk}).data
        assert [i["summary"] for i in listed["results"]] == ["Prefers email"]

    def test_calls_cannot_be_faked_through_the_api(self, api_as, agent, ava):
        response = api_as(agent).post(
            "/api/interactions/",
            {"customer": ava.pk, "kind": "call", "summary": "x"},
            format="json",
        )
        assert response.status_code == 400
        assert "kind" in response.data

    def test_case_entries_link_to_their_case(self, api_as, agent, ava):
        case = services.case_create(customer=ava, actor=agent, subject="Refund")
        entry = api_as(agent).get("/api/interactions/", {"customer": ava.pk}).data["results"][0]
        assert entry["source"] == {"type": "crm.case", "id": case.pk, "url": f"/cases/{case.pk}/"}

    def test_entries_cannot_be_edited(self, api_as, manager, ava, agent):
        note = services.note_add(customer=ava, author=agent, body="x")
        response = api_as(manager).patch(
            f"/api/interactions/{note.pk}/", {"summary": "y"}, format="json"
        )
        assert response.status_code == 405


def test_schema_is_openapi_3_and_lists_the_endpoints(api_as, agent):
    response = api_as(agent).get(reverse("api_schema"), {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    for path in ("/api/customers/", "/api/cases/{id}/transition/", "/api/interactions/"):
        assert path in schema["paths"]
    parameters = {p["name"] for p in schema["paths"]["/api/customers/"]["get"]["parameters"]}
    assert {"phone", "page", "page_size"} <= parameters


def test_docs_page_serves_swagger_without_a_cdn(client_as, agent):
    page = client_as(agent).get(reverse("api_docs")).content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower()


def test_a_phone_with_an_extension_is_a_400_not_a_shorter_number(api_as, agent):
    response = api_as(agent).post(
        "/api/customers/",
        {"name": "Ext Person", "phone_numbers": [{"number": "+1 (415) 555-2026 ext. 9"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "extensions cannot be dialled" in str(response.data["phone_numbers"])
    assert not Customer.objects.filter(name="Ext Person").exists()
