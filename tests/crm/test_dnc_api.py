"""The Do-Not-Call API: what each role may do, and 400s that name the field."""

from __future__ import annotations

import pytest
from django.utils import timezone

from crm import selectors, services
from crm.models import DncChange, DncList
from telephony.models import Queue
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    DncList.objects.create(name="National", kind="national", as_of=timezone.localdate())
    return CampaignFactory(name="Winter offers", queue=Queue.objects.create(name="Sales"))


def test_agent_adds_a_number_to_dnc(api_as, agent):
    response = api_as(agent).post(
        "/api/dnc/", {"phone": "(415) 555-0142", "reason": "asked"}, format="json"
    )
    assert response.status_code == 201
    assert response.data["phone"] == "+14155550142" and response.data["source"] == "api"
    assert selectors.is_on_dnc("+14155550142")
    assert DncChange.objects.get().by == agent


def test_adding_a_bad_number_is_a_400_on_the_phone_field(api_as, agent):
    response = api_as(agent).post("/api/dnc/", {"phone": "12"}, format="json")
    assert response.status_code == 400
    assert "not a valid phone number" in response.data["phone"][0]


def test_agents_cannot_list_check_or_remove(api_as, agent):
    client = api_as(agent)
    assert client.get("/api/dnc/").status_code == 403
    assert client.get("/api/dnc/check/", {"phone": "4155550142"}).status_code == 403
    response = client.post(
        "/api/dnc/remove/", {"phone": "4155550142", "reason": "x"}, format="json"
    )
    assert response.status_code == 403


@pytest.mark.parametrize("typed", ["4155550142", "+1 (415) 555-0142", "1-415-555-0142"])
def test_check_in_any_format_says_which_lists(api_as, supervisor, campaign, typed):
    services.dnc_add(phone="4155550142", source="manual")
    response = api_as(supervisor).get("/api/dnc/check/", {"phone": typed})
    assert response.status_code == 200
    assert response.data["on_dnc"] is True
    assert [row["kind"] for row in response.data["lists"]] == ["internal"]


def test_check_of_a_clean_number_and_of_a_bad_one(api_as, supervisor):
    client = api_as(supervisor)
    response = client.get("/api/dnc/check/", {"phone": "4155550199"})
    assert (response.data["on_dnc"], response.data["lists"]) == (False, [])
    response = client.get("/api/dnc/check/", {"phone": "banana"})
    assert response.status_code == 400 and "phone" in response.data
    assert client.get("/api/dnc/check/").status_code == 400


def test_check_for_a_campaign_counts_its_own_list(api_as, supervisor, campaign):
    own = DncList.objects.create(name="Winter list", kind="campaign")
    campaign.dnc_lists.add(own)
    services.dnc_add(phone="4155550142", source="manual", dnc_list=own)
    client = api_as(supervisor)
    assert client.get("/api/dnc/check/", {"phone": "4155550142"}).data["on_dnc"] is False
    response = client.get("/api/dnc/check/", {"phone": "4155550142", "campaign": campaign.pk})
    assert response.data["on_dnc"] is True


def test_supervisors_cannot_remove_managers_can_with_a_reason(api_as, supervisor, manager):
    services.dnc_add(phone="4155550142", source="manual")
    payload = {"phone": "415 555 0142", "reason": "Asked to hear from us again"}
    assert api_as(supervisor).post("/api/dnc/remove/", payload, format="json").status_code == 403
    client = api_as(manager)
    response = client.post("/api/dnc/remove/", {"phone": "4155550142", "reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.data
    assert client.post("/api/dnc/remove/", payload, format="json").status_code == 204
    assert not selectors.is_on_dnc("+14155550142")
    assert DncChange.objects.get(action="remove").by == manager
    response = client.post("/api/dnc/remove/", payload, format="json")
    assert response.status_code == 400 and "phone" in response.data


def test_supervisor_lists_entries(api_as, supervisor):
    services.dnc_add(phone="4155550142", source="manual")
    response = api_as(supervisor).get("/api/dnc/")
    assert [row["phone"] for row in response.data["results"]] == ["+14155550142"]


def test_schema_describes_the_check_with_its_campaign_scope(api_as, manager):
    response = api_as(manager).get("/api/schema/", {"format": "json"})
    parameters = response.json()["paths"]["/api/dnc/check/"]["get"]["parameters"]
    assert {p["name"] for p in parameters} == {"phone", "campaign"}
