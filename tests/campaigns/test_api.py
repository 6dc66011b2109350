"""The campaign and Do-Not-Call API: what each role may do, and 400s that name the field."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from campaigns import selectors, services
from campaigns.models import DncChange, DncList, LeadImport
from telephony.models import AgentProfile, Queue
from tests.factories import CallAttemptFactory, CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    DncList.objects.create(name="National", kind="national", as_of=timezone.localdate())
    return CampaignFactory(name="Winter offers", queue=Queue.objects.create(name="Sales"))


def test_supervisor_lists_campaigns_with_their_figures(api_as, supervisor, campaign):
    LeadFactory(campaign=campaign)
    response = api_as(supervisor).get("/api/campaigns/")
    assert response.status_code == 200
    (row,) = response.data["results"]
    assert row["name"] == "Winter offers"
    assert row["counters"]["leads_left"] == 1
    assert row["counters"]["abandonment_rate"] is None


def test_agent_sees_only_the_campaigns_they_work_on(api_as, agent, campaign):
    other = CampaignFactory(name="Not mine")
    profile = AgentProfile.objects.create(user=agent, client_identity="alex")
    campaign.agents.add(profile)
    client = api_as(agent)
    names = [row["name"] for row in client.get("/api/campaigns/").data["results"]]
    assert names == ["Winter offers"]
    assert client.get(f"/api/campaigns/{other.pk}/").status_code == 404


def test_agent_sees_only_the_leads_they_called_or_must_call_back(api_as, agent, campaign):
    profile = AgentProfile.objects.create(user=agent, client_identity="alex")
    campaign.agents.add(profile)
    called = CallAttemptFactory(campaign=campaign, lead__campaign=campaign, agent=profile).lead
    promised = LeadFactory(campaign=campaign, callback_agent=profile)
    LeadFactory(campaign=campaign)
    response = api_as(agent).get(f"/api/campaigns/{campaign.pk}/leads/")
    assert response.status_code == 200
    assert {row["id"] for row in response.data["results"]} == {called.pk, promised.pk}


def test_qa_and_outsiders_see_no_campaigns(api_as, qa_analyst, outsider, campaign):
    for user in (qa_analyst, outsider):
        assert api_as(user).get("/api/campaigns/").status_code == 403


def test_controls_move_the_campaign(api_as, supervisor, campaign):
    client = api_as(supervisor)
    response = client.post(f"/api/campaigns/{campaign.pk}/start/")
    assert response.status_code == 200 and response.data["status"] == "running"
    assert client.post(f"/api/campaigns/{campaign.pk}/pause/").data["status"] == "paused"
    assert client.post(f"/api/campaigns/{campaign.pk}/resume/").data["status"] == "running"
    assert client.post(f"/api/campaigns/{campaign.pk}/stop/").data["status"] == "stopped"
    response = client.post(f"/api/campaigns/{campaign.pk}/start/")
    assert response.status_code == 400
    assert "cannot move" in response.data["status"][0]


def test_agents_cannot_control_campaigns(api_as, agent, campaign):
    profile = AgentProfile.objects.create(user=agent, client_identity="alex")
    campaign.agents.add(profile)
    assert api_as(agent).post(f"/api/campaigns/{campaign.pk}/start/").status_code == 403


def test_leads_filter_by_status_and_phone_in_any_format(api_as, supervisor, campaign):
    ann = LeadFactory(campaign=campaign, phone="+12125550101")
    LeadFactory(campaign=campaign, status="completed")
    client = api_as(supervisor)
    url = f"/api/campaigns/{campaign.pk}/leads/"
    assert [r["id"] for r in client.get(url, {"phone": "(212) 555-0101"}).data["results"]] == [
        ann.pk
    ]
    assert client.get(url, {"status": "completed"}).data["count"] == 1
    response = client.get(url, {"phone": "banana"})
    assert response.status_code == 400 and "phone" in response.data


def upload(rows: bytes = b"Tel,Name\n2125550101,Ann\n12,Bad\n"):
    return SimpleUploadedFile("leads.csv", rows, content_type="text/csv")


def test_upload_returns_the_import_and_it_runs(
    api_as, supervisor, campaign, django_capture_on_commit_callbacks
):
    client = api_as(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/campaigns/{campaign.pk}/leads/",
            {"file": upload(), "mapping": json.dumps({"Tel": "phone", "Name": "name"})},
            format="multipart",
        )
    assert response.status_code == 202
    status = client.get(f"/api/lead-imports/{response.data['id']}/").data
    assert (status["status"], status["imported"], status["rejected"]) == ("done", 1, 1)
    report = client.get(f"/api/lead-imports/{response.data['id']}/report/")
    assert report.status_code == 200 and "bad number" in report.content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"file": None, "mapping": '{"Tel": "phone"}'}, "file"),
        ({"file": "x", "mapping": "{}"}, "file"),
        ({"mapping": "not json"}, "mapping"),
        ({"mapping": '{"Nope": "phone"}'}, "mapping"),
        ({"mapping": '{"Tel": "phone"}', "default_time_zone": "Mars/Base"}, "default_time_zone"),
    ],
)
def test_bad_uploads_are_400s_naming_the_field(api_as, supervisor, campaign, data, field):
    payload = {"file": upload(), **data}
    if payload["file"] is None:
        del payload["file"]
    response = api_as(supervisor).post(
        f"/api/campaigns/{campaign.pk}/leads/", payload, format="multipart"
    )
    assert response.status_code == 400
    assert field in response.data
    assert not LeadImport.objects.exists()


def test_agents_cannot_upload_leads(api_as, agent, campaign):
    profile = AgentProfile.objects.create(user=agent, client_identity="alex")
    campaign.agents.add(profile)
    response = api_as(agent).post(
        f"/api/campaigns/{campaign.pk}/leads/",
        {"file": upload(), "mapping": '{"Tel": "phone"}'},
        format="multipart",
    )
    assert response.status_code == 403


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
    own = DncList.objects.create(name="Winter list", kind="campaign", campaign=campaign)
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


def test_schema_builds_with_the_campaign_endpoints(api_as, manager):
    response = api_as(manager).get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/dnc/check/" in response.content
