"""Do-Not-Call: lists, checks, additions and removals with their audit, registry files."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns import selectors as campaign_selectors
from campaigns import services as campaign_services
from campaigns.models import Lead, ScrubbedLead
from crm import selectors, services
from crm.models import DncChange, DncList, DncRegistryNumber
from tests.factories import CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def national():
    return DncList.objects.create(
        name="National registry", kind="national", as_of=timezone.localdate()
    )


@pytest.mark.parametrize(
    "typed", ["+14155550142", "(415) 555-0142", "415.555.0142", "1 415 555 0142", "4155550142"]
)
def test_a_number_added_in_one_format_is_found_in_another(typed, supervisor):
    services.dnc_add(phone="415-555-0142", source="manual", by=supervisor)
    from crm.phones import normalize_phone

    assert selectors.is_on_dnc(normalize_phone(typed))


def test_add_is_audited_once_and_idempotent(supervisor):
    first = services.dnc_add(phone="4155550142", source="api", reason="asked", by=supervisor)
    again = services.dnc_add(phone="+14155550142", source="api", by=supervisor)
    assert first.pk == again.pk
    assert first.dnc_list.kind == "internal" and first.added_by == supervisor
    change = DncChange.objects.get()
    assert (change.action, change.source, change.reason, change.by) == (
        "add",
        "api",
        "asked",
        supervisor,
    )


def test_bad_number_is_refused_with_a_message():
    with pytest.raises(ValidationError) as error:
        services.dnc_add(phone="12", source="manual")
    assert "not a valid phone number" in error.value.messages[0]


def test_removal_needs_a_reason_and_is_audited(manager):
    services.dnc_add(phone="4155550142", source="manual")
    with pytest.raises(ValidationError) as error:
        services.dnc_remove(phone="4155550142", reason=" ", by=manager)
    assert "reason" in error.value.message_dict
    assert selectors.is_on_dnc("+14155550142")
    services.dnc_remove(phone="(415) 555-0142", reason="Customer asked to be called", by=manager)
    assert not selectors.is_on_dnc("+14155550142")
    removal = DncChange.objects.get(action="remove")
    assert removal.by == manager and removal.reason == "Customer asked to be called"


def test_removing_a_number_not_listed_says_so(manager):
    with pytest.raises(ValidationError) as error:
        services.dnc_remove(phone="4155550142", reason="x", by=manager)
    assert "phone" in error.value.message_dict


def test_adding_stops_the_leads_not_yet_dialled():
    waiting = LeadFactory(phone="+14155550142")
    finished = LeadFactory(phone="+14155550142", status="completed")
    services.dnc_add(phone="4155550142", source="manual")
    waiting.refresh_from_db()
    finished.refresh_from_db()
    assert (waiting.status, finished.status) == ("do_not_call", "completed")


def test_which_lists_bind_which_campaign(national):
    mine, other = CampaignFactory(), CampaignFactory()
    own = DncList.objects.create(name="Mine", kind="campaign")
    shared = DncList.objects.create(name="Partner list", kind="campaign")
    mine.dnc_lists.add(own, shared)
    other.dnc_lists.add(shared)
    services.dnc_add(phone="4155550101", source="manual", dnc_list=own)
    services.dnc_add(phone="4155550102", source="manual", dnc_list=shared)
    services.dnc_add(phone="4155550103", source="registry", dnc_list=national)
    services.dnc_add(phone="4155550104", source="manual")
    for number in ("+14155550101", "+14155550102", "+14155550103", "+14155550104"):
        assert campaign_selectors.is_on_dnc(number, mine)
    assert not campaign_selectors.is_on_dnc("+14155550101", other)
    assert campaign_selectors.is_on_dnc("+14155550102", other)
    assert not campaign_selectors.is_on_dnc("+14155550105", mine)
    assert campaign_selectors.dnc_numbers_among(["+14155550101", "+14155550105"], mine) == {
        "+14155550101"
    }


def test_the_check_is_one_query(django_assert_num_queries):
    campaign = CampaignFactory()
    with django_assert_num_queries(1):
        campaign_selectors.is_on_dnc("+14155550142", campaign)


def _registry_load(national, data: bytes, as_of=dt.date(2026, 11, 20)) -> dict:
    return services.dnc_registry_import(dnc_list=national, handle=io.BytesIO(data), as_of=as_of)


def _registry_numbers(national) -> set[str]:
    return set(DncRegistryNumber.objects.filter(dnc_list=national).values_list("phone", flat=True))


def test_registry_file_loads_both_line_formats_and_replaces_its_area_codes(national):
    _registry_load(national, b"212,5550100\n305,5550100\n")
    data = b"415,5550142\n415,5550143\r\n4155550144\nnot a number\n\n415,5550142\n212,5550199\n"
    result = _registry_load(national, data)
    # 212-555-0100 left the registry; 305 is not in this file, so it stays.
    assert _registry_numbers(national) == {
        "+14155550142",
        "+14155550143",
        "+14155550144",
        "+12125550199",
        "+13055550100",
    }
    assert result == {"skipped": 1, "area_codes": 2, "lines": 5}
    national.refresh_from_db()
    assert national.as_of == dt.date(2026, 11, 20)


def test_loading_the_same_registry_file_again_changes_nothing(national):
    data = b"".join(b"415,555%04d\n" % n for n in range(0, 3000, 7))
    _registry_load(national, data)
    first = _registry_numbers(national)
    _registry_load(national, data)
    assert _registry_numbers(national) == first and len(first) == len(range(0, 3000, 7))


def test_a_block_boundary_does_not_split_a_number(national, monkeypatch):
    monkeypatch.setattr(services, "REGISTRY_BLOCK_BYTES", 5)
    _registry_load(national, b"415,5550142\n4155550143")
    assert _registry_numbers(national) == {"+14155550142", "+14155550143"}


def test_registry_numbers_bind_checks_and_the_campaign_scrub(national):
    _registry_load(national, b"415,5550142\n")
    campaign = CampaignFactory()
    listed = LeadFactory(campaign=campaign, phone="+14155550142")
    free = LeadFactory(campaign=campaign, phone="+14155550143")
    assert campaign_selectors.is_on_dnc("+14155550142", campaign)
    assert [d.pk for d in selectors.dnc_lists_with(phone="+14155550142")] == [national.pk]
    assert campaign_services.campaign_leads_scrub(campaign=campaign) == 1
    assert list(ScrubbedLead.objects.values_list("lead", flat=True)) == [listed.pk]
    listed, free = Lead.objects.get(pk=listed.pk), Lead.objects.get(pk=free.pk)
    assert (listed.status_shown, free.status_shown) == ("Do not call (scrub)", "New")
    # A resume scrubs again: the lead already stopped is not stopped twice.
    assert campaign_services.campaign_leads_scrub(campaign=campaign) == 0
    assert ScrubbedLead.objects.count() == 1


def test_the_scrub_leaves_leads_already_dialled_to_their_outcome(national):
    _registry_load(national, b"415,5550142\n415,5550143\n")
    campaign = CampaignFactory()
    LeadFactory(campaign=campaign, phone="+14155550142", status="completed")
    waiting = LeadFactory(campaign=campaign, phone="+14155550143", status="scheduled")
    assert campaign_services.campaign_leads_scrub(campaign=campaign) == 1
    assert list(ScrubbedLead.objects.values_list("lead", flat=True)) == [waiting.pk]
    counters = campaign_selectors.campaign_counters(campaign=campaign)
    assert (counters["leads_total"], counters["leads_left"]) == (2, 0)


def test_the_scrub_honours_campaign_lists_only_for_their_campaigns():
    partner = DncList.objects.create(name="Partner", kind="campaign")
    services.dnc_add(phone="4155550150", source="manual", dnc_list=partner)
    services.dnc_add(phone="4155550151", source="manual")  # internal: binds every campaign
    mine, other = CampaignFactory(), CampaignFactory()
    mine.dnc_lists.add(partner)
    for campaign in (mine, other):
        for phone in ("+14155550150", "+14155550151", "+14155550152"):
            LeadFactory(campaign=campaign, phone=phone)
    # dnc_add already stopped leads existing then; these came later, as from a file.
    assert campaign_services.campaign_leads_scrub(campaign=mine) == 2
    assert campaign_services.campaign_leads_scrub(campaign=other) == 1
    stopped = set(ScrubbedLead.objects.values_list("lead__campaign", "lead__phone"))
    assert stopped == {
        (mine.pk, "+14155550150"),
        (mine.pk, "+14155550151"),
        (other.pk, "+14155550151"),
    }


def test_deleting_a_list_deletes_its_registry_numbers(national):
    _registry_load(national, b"415,5550142\n")
    services.dnc_lists_delete(dnc_lists=DncList.objects.filter(pk=national.pk))
    assert not DncRegistryNumber.objects.exists()


def test_registry_files_go_only_into_national_lists():
    with pytest.raises(ValidationError):
        services.dnc_registry_import(
            dnc_list=services.dnc_internal_list(),
            handle=io.BytesIO(b""),
            as_of=timezone.localdate(),
        )


def test_registry_task_loads_an_uploaded_file_and_deletes_it(national, settings, tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from crm import tasks

    name = default_storage.save("dnc-registry/415.txt", ContentFile(b"415,5550142\n"))
    tasks.dnc_registry_import.delay(national.pk, name, "2026-11-25")
    assert selectors.is_on_dnc("+14155550142")
    assert not default_storage.exists(name)


def test_national_copy_older_than_31_days_is_a_warning(national):
    today = timezone.localdate()
    assert selectors.national_dnc_warning(today=today) == ""
    assert "32 days old" in selectors.national_dnc_warning(today=today + dt.timedelta(days=32))
    DncList.objects.filter(kind="national").delete()
    assert "No copy" in selectors.national_dnc_warning()


def test_a_campaign_list_stops_only_the_leads_it_binds():
    mine, other, sharing = CampaignFactory(), CampaignFactory(), CampaignFactory()
    own = DncList.objects.create(name="Mine", kind="campaign")
    mine.dnc_lists.add(own)
    sharing.dnc_lists.add(own)
    leads = [LeadFactory(campaign=c, phone="+14155550142") for c in (mine, other, sharing)]
    services.dnc_add(phone="4155550142", source="manual", dnc_list=own)
    for lead in leads:
        lead.refresh_from_db()
    assert [lead.status for lead in leads] == ["do_not_call", "new", "do_not_call"]


def test_there_is_exactly_one_internal_dnc_list():
    assert DncList.objects.filter(kind="internal").count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        DncList.objects.create(name="Another internal", kind="internal")


def test_the_check_without_a_campaign_is_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        selectors.is_on_dnc("+14155550142", extra_lists=DncList.objects.filter(kind="campaign"))
