"""The campaign API: what each role may do, and 400s that name the field."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from campaigns.models import LeadImport, ScrubbedLead
from crm.models import DncList
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


def test_leads_say_when_the_scrub_stopped_them(api_as, supervisor, campaign):
    stopped, waiting = LeadFactory(campaign=campaign), LeadFactory(campaign=campaign)
    at = timezone.now()
    ScrubbedLead.objects.create(lead=stopped, stopped_at=at)
    rows = api_as(supervisor).get(f"/api/campaigns/{campaign.pk}/leads/").data["results"]
    shown = {row["id"]: row["scrub_stopped_at"] for row in rows}
    assert shown[waiting.pk] is None
    assert shown[stopped.pk] is not None
    assert shown[stopped.pk].replace("Z", "+00:00") == at.isoformat()


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
    assert report.status_code == 200 and "bad number" in b"".join(report.streaming_content).decode()


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


def test_schema_builds_with_the_campaign_endpoints(api_as, manager):
    response = api_as(manager).get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/dnc/check/" in response.content


# Committing for real: the import is queued (and, eager in tests, runs) when the upload
# commits, before the answer is built.
@pytest.mark.django_db(transaction=True)
def test_upload_answers_with_the_import_as_saved_and_queued(api_as, supervisor, campaign):
    response = api_as(supervisor).post(
        f"/api/campaigns/{campaign.pk}/leads/",
        {"file": upload(), "mapping": json.dumps({"Tel": "phone", "Name": "name"})},
        format="multipart",
    )
    assert response.status_code == 202
    assert response.data["mapping"] == {"Tel": "phone", "Name": "name"}
    saved = LeadImport.objects.get()
    assert (response.data["status"], response.data["imported"]) == (saved.status, saved.imported)
    assert response.data["status"] == "done"


def test_an_overlong_csv_field_is_a_400_not_a_500(api_as, supervisor, campaign):
    content = b"Tel," + b"x" * 200_000 + b"\n2125550101,y\n"
    response = api_as(supervisor).post(
        f"/api/campaigns/{campaign.pk}/leads/",
        {"file": SimpleUploadedFile("x.csv", content), "mapping": '{"Tel": "phone"}'},
        format="multipart",
    )
    assert response.status_code == 400
    assert "longer than 131,072 characters" in " ".join(response.data["file"])


def test_an_upload_over_the_size_limit_is_a_400(api_as, supervisor, campaign, settings):
    settings.LEAD_IMPORT_MAX_UPLOAD_SIZE = 10
    response = api_as(supervisor).post(
        f"/api/campaigns/{campaign.pk}/leads/",
        {"file": upload(), "mapping": '{"Tel": "phone"}'},
        format="multipart",
    )
    assert response.status_code == 400
    assert "larger than" in " ".join(response.data["file"])
    assert not LeadImport.objects.exists()
