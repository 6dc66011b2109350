"""Lead import: CSV and Excel, column mapping, E.164, time zones, every reject reason."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from campaigns import importing, services
from campaigns.models import Lead, LeadImport
from crm import services as crm_services
from crm.models import Customer
from tests.factories import CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db

MAPPING = {"Tel": "phone", "Full name": "name", "TZ": "time_zone", "Acct": "account_number"}
ROWS = [
    ["Tel", "Full name", "TZ", "Acct", "Plan"],
    ["(212) 555-0101", "Ann Lee", "", "", "gold"],  # New York
    ["+1 415 555 0102", "Bo Park", "America/Denver", "", ""],  # the file's zone wins
    ["415 555 0103", "Cy Diaz", "Mars/Olympus", "", ""],  # not a zone: the number's
    ["12", "Bad Number", "", "", ""],
    ["", "No Number", "", "", ""],
    ["212-555-0101", "Ann Again", "", "", ""],  # same number as row 2
    ["305 555 0104", "On The List", "", "", ""],
    ["800 555 0105", "Toll Free", "", "", ""],  # the plan gives no single zone
    ["617 555 0106", "Known Customer", "", "", ""],
    ["", "", "", "", ""],  # blank rows are not rows
]


def csv_file(rows, name="leads.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(), content_type="text/csv")


def xlsx_file(rows, name="leads.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    for row in rows:
        book.worksheets[0].append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


@pytest.fixture
def campaign():
    return CampaignFactory()


@pytest.fixture
def world(supervisor):
    crm_services.dnc_add(phone="3055550104", source="manual")
    return crm_services.customer_create(
        name="Dana Known", account_number="AC-777", phone_numbers=[{"number": "6175550106"}]
    )


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Upload and map a file; the import task runs (eagerly) when the upload commits."""

    def upload(campaign, upload, by, mapping=MAPPING, **kwargs) -> LeadImport:
        with django_capture_on_commit_callbacks(execute=True):
            lead_import = services.lead_import_create(
                campaign=campaign, file=upload, by=by, mapping=mapping, **kwargs
            )
        lead_import.refresh_from_db()
        return lead_import

    return upload


@pytest.mark.parametrize("make_file", [csv_file, xlsx_file])
def test_valid_rows_import_and_every_other_row_is_reported(
    run, make_file, campaign, world, supervisor
):
    result = run(campaign, make_file(ROWS), supervisor)
    assert result.status == "done"
    assert (result.total_rows, result.processed_rows) == (9, 9)
    assert (result.imported, result.duplicates, result.rejected) == (5, 1, 3)
    reasons = dict(result.rejections.values_list("row", "reason"))
    assert reasons[5].startswith("bad number")
    assert reasons[6] == "missing phone number"
    assert reasons[7] == "duplicate in the file (row 2)"
    assert reasons[8] == "on DNC"
    leads = {lead.phone: lead for lead in campaign.leads.all()}
    assert set(leads) == {
        "+12125550101",
        "+14155550102",
        "+14155550103",
        "+18005550105",
        "+16175550106",
    }
    assert leads["+12125550101"].time_zones == ["America/New_York"]
    assert leads["+12125550101"].data == {"Plan": "gold"}
    assert leads["+14155550102"].time_zones == ["America/Denver"]
    assert leads["+14155550103"].time_zones == ["America/Los_Angeles"]
    assert len(leads["+18005550105"].time_zones) > 1  # ambiguous: dialling uses them all
    assert leads["+16175550106"].customer == world
    assert leads["+12125550101"].customer.is_lead
    assert leads["+12125550101"].customer.name == "Ann Lee"
    assert leads["+12125550101"].import_batch == result


def test_reimporting_the_same_file_adds_nothing(run, campaign, world, supervisor):
    run(campaign, csv_file(ROWS), supervisor)
    customers = Customer.objects.count()
    again = run(campaign, csv_file(ROWS), supervisor)
    assert again.imported == 0
    assert again.duplicates == 6  # five already in the campaign, one twice in the file
    assert campaign.leads.count() == 5
    assert Customer.objects.count() == customers
    reasons = list(again.rejections.values_list("reason", flat=True))
    assert reasons.count("already in the campaign") == 5


def test_existing_lead_of_another_campaign_is_no_duplicate(run, campaign, supervisor):
    LeadFactory(phone="+12125550101")
    result = run(campaign, csv_file(ROWS[:2]), supervisor)
    assert result.imported == 1


def test_account_number_matches_the_customer_first(run, campaign, world, supervisor):
    rows = [["Tel", "Acct"], ["2125550199", "ac-777"]]
    run(campaign, csv_file(rows), supervisor, mapping={"Tel": "phone", "Acct": "account_number"})
    lead = campaign.leads.get()
    assert lead.customer == world and lead.data == {"account_number": "ac-777"}


def test_without_any_time_zone_the_row_is_rejected_unless_a_default_is_given(
    run, campaign, supervisor
):
    rows = [["Tel"], ["+870 773 111 632"]]  # a satellite phone: no time zone
    result = run(campaign, csv_file(rows), supervisor, mapping={"Tel": "phone"})
    assert result.rejected == 1
    assert result.rejections.get().reason.startswith("time zone unknown")
    again = run(
        campaign,
        csv_file(rows),
        supervisor,
        mapping={"Tel": "phone"},
        default_time_zone="Europe/London",
    )
    assert again.imported == 1
    assert campaign.leads.get().time_zones == ["Europe/London"]


def test_progress_counts_every_batch(run, campaign, supervisor, monkeypatch):
    monkeypatch.setattr(services, "IMPORT_BATCH_SIZE", 2)
    seen = []
    real = services._import_batch

    def spy(lead_import, batch, known):
        real(lead_import, batch, known)
        seen.append(LeadImport.objects.get(pk=lead_import.pk).processed_rows)

    monkeypatch.setattr(services, "_import_batch", spy)
    run(campaign, csv_file(ROWS), supervisor)
    assert seen == [2, 4, 6, 8, 9]


def test_report_csv_has_the_reason_and_the_original_values(run, campaign, world, supervisor):
    result = run(campaign, csv_file(ROWS), supervisor)
    report = list(csv.reader(services.lead_import_report_lines(lead_import=result)))
    assert report[0] == ["row", "reason", "Tel", "Full name", "TZ", "Acct", "Plan"]
    assert ["8", "on DNC", "305 555 0104", "On The List", "", "", ""] in report
    assert len(report) == 1 + 4


def test_mapping_is_checked_against_the_file(campaign, supervisor):
    lead_import = services.lead_import_create(campaign=campaign, file=csv_file(ROWS), by=supervisor)
    assert lead_import.status == "pending"
    with pytest.raises(ValidationError) as error:
        services.lead_import_start(
            lead_import=lead_import, mapping={"Nope": "phone", "Full name": "salary"}
        )
    problems = " ".join(error.value.message_dict["mapping"])
    assert "no column Nope" in problems and "Unknown fields salary" in problems
    with pytest.raises(ValidationError) as error:
        services.lead_import_start(lead_import=lead_import, mapping={"Full name": "name"})
    assert "Map a column to phone" in " ".join(error.value.message_dict["mapping"])
    assert not Lead.objects.exists()


def test_guessed_mapping_finds_the_usual_names():
    assert importing.guess_mapping(["Phone Number", "Name", "Timezone", "Other"]) == {
        "Phone Number": "phone",
        "Name": "name",
        "Timezone": "time_zone",
    }


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("leads.pdf", b"%PDF", "Upload a .csv or .xlsx file."),
        ("leads.csv", b"", "The file is empty."),
        ("leads.csv", b"a,a\n1,2\n", "Two columns have the same name"),
        ("leads.xlsx", b"not a workbook", "not a readable Excel file"),
    ],
)
def test_unusable_files_are_refused_at_upload(campaign, supervisor, name, content, message):
    with pytest.raises(ValidationError) as error:
        services.lead_import_create(
            campaign=campaign, file=SimpleUploadedFile(name, content), by=supervisor
        )
    assert message in " ".join(error.value.message_dict["file"])
    assert not LeadImport.objects.exists()


def test_excel_numbers_typed_as_numbers_are_read_as_phone_numbers(run, campaign, supervisor):
    result = run(
        campaign,
        xlsx_file([["Tel"], [2125550101], [2125550102.0]]),
        supervisor,
        mapping={"Tel": "phone"},
    )
    assert result.imported == 2


def test_a_refused_mapping_leaves_no_file_behind(campaign, supervisor):
    from pathlib import Path

    from django.core.files.storage import default_storage

    with pytest.raises(ValidationError):
        services.lead_import_create(
            campaign=campaign,
            file=csv_file(ROWS, name="orphan-check.csv"),
            by=supervisor,
            mapping={"Nope": "phone"},
        )
    assert not LeadImport.objects.exists()
    assert not list(Path(default_storage.location).rglob("orphan-check*"))
