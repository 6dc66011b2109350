"""The supervisor's campaign pages: list, controls, live figures, lead import steps."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from campaigns import selectors
from campaigns.models import CallAttempt, LeadImport
from crm.models import DncList
from telephony.models import AgentProfile, AgentSkill, Disposition, Queue, QueueSkill, Skill
from tests.factories import CallAttemptFactory, CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    return CampaignFactory(name="Winter offers", queue=Queue.objects.create(name="Sales"))


@pytest.fixture
def registry_copy():
    return DncList.objects.create(name="National", kind="national", as_of=timezone.localdate())


def test_outsiders_and_agents_off_the_campaign_do_not_see_it(client_as, agent, outsider, campaign):
    AgentProfile.objects.create(user=agent, client_identity="alex")
    assert client_as(outsider).get(reverse("campaigns:campaign_list")).status_code == 403
    listing = client_as(agent).get(reverse("campaigns:campaign_list"))
    assert listing.status_code == 200 and "Winter offers" not in listing.content.decode()
    assert client_as(agent).get(campaign.get_absolute_url()).status_code == 404
    for user in (agent, outsider):
        client = client_as(user)
        response = client.post(
            reverse("campaigns:campaign_control", args=[campaign.pk]), {"action": "start"}
        )
        assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.status == "draft"


def test_navigation_offers_campaigns_to_supervisors_and_agents(
    client_as, supervisor, agent, outsider
):
    AgentProfile.objects.create(user=agent, client_identity="alex")
    assert 'href="/campaigns/"' in client_as(supervisor).get("/").content.decode()
    assert 'href="/campaigns/"' in client_as(agent).get("/").content.decode()
    assert 'href="/campaigns/"' not in client_as(outsider).get("/").content.decode()


def test_an_agent_sees_their_campaign_read_only(client_as, agent, campaign):
    profile = AgentProfile.objects.create(user=agent, client_identity="alex")
    campaign.agents.add(profile)
    client = client_as(agent)
    assert "Winter offers" in client.get(reverse("campaigns:campaign_list")).content.decode()
    page = client.get(campaign.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="counters"' in html and 'value="start"' not in html and 'id="imports"' not in html


def test_the_campaign_page_lists_its_leads_a_page_at_a_time(client_as, supervisor, campaign):
    for i in range(30):
        LeadFactory(campaign=campaign, name=f"Lead number {i:02d}")
    client = client_as(supervisor)
    first = client.get(campaign.get_absolute_url()).content.decode()
    second = client.get(campaign.get_absolute_url() + "?page=2").content.decode()
    assert "Lead number 00" in first and "Lead number 29" not in first
    assert "Lead number 29" in second and "Page 2 of 2" in second


def test_the_campaign_page_says_when_every_lead_is_outside_its_window(
    client_as, supervisor, campaign
):
    LeadFactory(campaign=campaign, phone="+12125550123", time_zones=["America/New_York"])
    client = client_as(supervisor)
    # 03:00 in New York.
    with time_machine.travel(dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC), tick=False):
        night = client.get(campaign.get_absolute_url()).content.decode()
    with time_machine.travel(dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC), tick=False):
        day = client.get(campaign.get_absolute_url()).content.decode()
    assert "outside their calling window now" in night
    assert "outside their calling window now" not in day


def test_supervisor_sees_the_list_and_the_page(client_as, supervisor, campaign):
    client = client_as(supervisor)
    assert "Winter offers" in client.get(reverse("campaigns:campaign_list")).content.decode()
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert 'id="counters"' in page and 'hx-trigger="every 5s"' in page
    assert 'value="start"' in page and 'value="pause"' not in page


def test_start_pause_resume_stop(client_as, supervisor, campaign, registry_copy):
    client = client_as(supervisor)
    url = reverse("campaigns:campaign_control", args=[campaign.pk])
    htmx = {"HX-Request": "true"}
    page = client.post(url, {"action": "start"}, headers=htmx).content.decode()
    assert page.lstrip().startswith('<div id="campaign-panel">')
    assert 'value="pause"' in page and 'value="stop"' in page
    campaign.refresh_from_db()
    assert campaign.status == "running" and campaign.started_at is not None
    client.post(url, {"action": "pause"}, headers=htmx)
    page = client.post(url, {"action": "start"}, headers=htmx).content.decode()
    campaign.refresh_from_db()
    assert campaign.status == "running"
    client.post(url, {"action": "pause"}, headers=htmx)
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert 'value="resume"' in page and 'value="start"' not in page
    client.post(url, {"action": "resume"})
    response = client.post(url, {"action": "stop"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == "stopped" and campaign.stopped_at is not None


def test_an_illegal_move_is_shown_not_made(client_as, supervisor, campaign):
    page = client_as(supervisor).post(
        reverse("campaigns:campaign_control", args=[campaign.pk]),
        {"action": "pause"},
        headers={"HX-Request": "true"},
    )
    assert "A draft campaign cannot move" in page.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == "draft"


def test_sales_campaign_will_not_start_without_a_current_registry_copy(
    client_as, supervisor, campaign
):
    DncList.objects.create(
        name="Old", kind="national", as_of=timezone.localdate() - dt.timedelta(40)
    )
    client = client_as(supervisor)
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert "40 days old" in page and "cannot start" in page
    response = client.post(
        reverse("campaigns:campaign_control", args=[campaign.pk]),
        {"action": "start"},
        headers={"HX-Request": "true"},
    )
    assert "Sales campaigns cannot start" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == "draft"


def test_other_kinds_start_with_only_the_warning(client_as, supervisor, campaign):
    campaign.kind = "reminder"
    campaign.save()
    client_as(supervisor).post(
        reverse("campaigns:campaign_control", args=[campaign.pk]), {"action": "start"}
    )
    campaign.refresh_from_db()
    assert campaign.status == "running"


def test_counters_are_computed_from_attempts(
    client_as, supervisor, campaign, django_assert_num_queries
):
    sale = Disposition.objects.create(code="sale", label="Sale", is_conversion=True)
    Disposition.objects.create(code="no-sale", label="No sale")
    campaign.dispositions.add(sale)
    now = timezone.now()
    ended = {"placed_at": now, "ended_at": now}
    human = {"answered_by": "human", "answered_at": now, **ended}
    for _ in range(3):
        CallAttemptFactory(
            campaign=campaign,
            lead=LeadFactory(campaign=campaign, status="completed"),
            outcome="completed",
            disposition="sale",
            **human,
        )
    CallAttemptFactory(
        campaign=campaign,
        lead=LeadFactory(campaign=campaign, status="completed"),
        outcome="completed",
        disposition="no-sale",
        **human,
    )
    CallAttemptFactory(
        campaign=campaign,
        lead=LeadFactory(campaign=campaign, status="scheduled"),
        outcome="abandoned",
        is_abandoned=True,
        **human,
    )
    CallAttemptFactory(
        campaign=campaign,
        lead=LeadFactory(campaign=campaign, status="scheduled"),
        outcome="machine",
        answered_by="machine",
        placed_at=now,
        ended_at=now,
    )
    CallAttemptFactory(
        campaign=campaign,
        lead=LeadFactory(campaign=campaign, status="dialing"),
        outcome="ringing",
        placed_at=now,
    )
    CallAttemptFactory(
        campaign=campaign,
        lead=LeadFactory(campaign=campaign, status="dialing"),
        outcome="connected",
        answered_by="",  # no machine detection in this mode: still a live answer
        answered_at=now,
        placed_at=now,
    )
    old = CallAttemptFactory(
        campaign=campaign,
        lead=LeadFactory(campaign=campaign, status="completed"),
        outcome="abandoned",
        is_abandoned=True,
        **human,
    )
    CallAttempt.objects.filter(pk=old.pk).update(answered_at=now - dt.timedelta(days=31))
    LeadFactory(campaign=campaign)  # not dialled yet

    from campaigns.selectors import campaign_counters

    with django_assert_num_queries(2):  # one aggregate over attempts, one over leads
        campaign_counters(campaign=campaign)
    response = client_as(supervisor).get(reverse("campaigns:campaign_counters", args=[campaign.pk]))
    page = response.content.decode()
    assert page.lstrip().startswith('<section class="card" id="counters"')

    def figure(name):
        return page.split(f'id="{name}">')[1].split("<")[0]

    assert figure("count-dialed") == "9"
    assert figure("count-ringing") == "1"
    assert figure("count-connected") == "1"
    assert figure("count-abandoned") == "2"
    assert figure("count-contacts") == "7"
    assert figure("count-conversions") == "3"
    # In the last 30 days: 1 abandoned of 6 live answers (the machine does not count).
    assert figure("abandonment-rate") == "16.67%"
    assert 'class="over"' in page
    assert figure("count-leads-left") == "5"  # 2 scheduled, 2 dialling, 1 new


def test_import_upload_mapping_progress_and_report(
    client_as, supervisor, campaign, django_capture_on_commit_callbacks
):
    client = client_as(supervisor)
    upload = SimpleUploadedFile(
        "winter.csv", b"Phone,Customer,Notes\n2125550101,Ann Lee,vip\n12,Bad,\n"
    )
    response = client.post(
        reverse("campaigns:lead_import_upload", args=[campaign.pk]), {"file": upload}
    )
    lead_import = LeadImport.objects.get()
    assert response.status_code == 302 and response["Location"] == lead_import.get_absolute_url()
    page = client.get(lead_import.get_absolute_url()).content.decode()
    assert 'id="mapping"' in page
    assert '<option value="phone" selected>' in page  # guessed from "Phone"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            lead_import.get_absolute_url(),
            {"column_0": "phone", "column_1": "name", "column_2": "", "default_time_zone": ""},
        )
    assert response.status_code == 302
    partial = client.get(lead_import.get_absolute_url(), headers={"HX-Request": "true"})
    partial = partial.content.decode()
    assert partial.lstrip().startswith('<section class="card narrow" id="import-progress"')
    assert "every 2s" not in partial  # finished: the page stops polling
    assert 'id="imported">1<' in partial and 'id="rejected">1<' in partial
    report = client.get(reverse("campaigns:import_report", args=[lead_import.pk]))
    assert report["Content-Type"] == "text/csv"
    assert "bad number" in b"".join(report.streaming_content).decode()
    lead = campaign.leads.get()
    assert (lead.name, lead.data) == ("Ann Lee", {"Notes": "vip"})


def test_upload_of_a_wrong_file_is_a_form_error(client_as, supervisor, campaign):
    response = client_as(supervisor).post(
        reverse("campaigns:lead_import_upload", args=[campaign.pk]),
        {"file": SimpleUploadedFile("leads.pdf", b"%PDF")},
    )
    assert "Upload a .csv or .xlsx file." in response.content.decode()
    assert not LeadImport.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Tel," + b"x" * 200_000 + b"\n", "longer than 131,072 characters"),
        (b"x" * 2000, "larger than"),
    ],
)
def test_an_unreadable_or_too_large_file_is_a_form_error(
    client_as, supervisor, campaign, settings, content, message
):
    settings.LEAD_IMPORT_MAX_UPLOAD_SIZE = 1000 if message == "larger than" else 10**8
    response = client_as(supervisor).post(
        reverse("campaigns:lead_import_upload", args=[campaign.pk]),
        {"file": SimpleUploadedFile("leads.csv", content)},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not LeadImport.objects.exists()


def test_a_failed_import_page_says_why(client_as, supervisor, campaign):
    lead_import = LeadImport.objects.create(
        campaign=campaign,
        file="x.csv",
        original_name="x.csv",
        mapping={"a": "phone"},
        status="failed",
        error="The import was interrupted 3 times and stopped after row 501 of 900.",
    )
    page = client_as(supervisor).get(lead_import.get_absolute_url()).content.decode()
    assert "interrupted 3 times" in page


def test_a_running_import_page_polls(client_as, supervisor, campaign):
    lead_import = LeadImport.objects.create(
        campaign=campaign,
        file="x.csv",
        original_name="x.csv",
        mapping={"a": "phone"},
        status="running",
        total_rows=10,
        processed_rows=4,
    )
    page = client_as(supervisor).get(lead_import.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 2s"' in page and 'value="40"' in page


def test_the_page_names_campaign_agents_the_queue_would_never_offer_a_call(
    client_as, supervisor, agent, other_agent, campaign
):
    sales, spanish = Skill.objects.create(name="sales"), Skill.objects.create(name="spanish")
    QueueSkill.objects.create(queue=campaign.queue, skill=sales, min_level=3)
    QueueSkill.objects.create(queue=campaign.queue, skill=spanish, min_level=1)
    qualified = AgentProfile.objects.create(user=agent, client_identity="alex")
    AgentSkill.objects.create(agent=qualified, skill=sales, level=5)
    AgentSkill.objects.create(agent=qualified, skill=spanish, level=1)
    novice = AgentProfile.objects.create(user=other_agent, client_identity="bea")
    AgentSkill.objects.create(agent=novice, skill=sales, level=2)  # below the minimum
    AgentSkill.objects.create(agent=novice, skill=spanish, level=9)
    campaign.agents.set([qualified, novice])

    assert selectors.agents_without_queue_skills(campaign) == [novice]
    page = client_as(supervisor).get(campaign.get_absolute_url()).content.decode()
    assert "Bea Novak cannot take this campaign" in page
    assert "Alex Kim" not in page

    AgentSkill.objects.filter(agent=novice, skill=sales).update(level=3)
    assert selectors.agents_without_queue_skills(campaign) == []
    page = client_as(supervisor).get(campaign.get_absolute_url()).content.decode()
    assert 'id="skills-warning"' not in page
