"""Lead import: CSV and Excel, column mapping, E.164, time zones, every reject reason."""

from __future__ import annotations

import codecs
import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
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


def test_a_batch_takes_about_the_same_statements_for_ten_rows_or_a_hundred(
    campaign, world, supervisor
):
    # Customers are created and linked together per batch, not row by row (row by row
    # would be hundreds more; SQLite alone splits the inserts at its parameter limit).
    def statements(rows: int) -> int:
        lines = [["Tel", "Full name"]] + [
            [f"+131255{len(str(rows))}{i:04d}", "N"] for i in range(rows)
        ]
        lead_import = services.lead_import_create(
            campaign=campaign, file=csv_file(lines), by=supervisor, mapping={"Tel": "phone"}
        )
        with CaptureQueriesContext(connection) as queries:
            services.lead_import_run(lead_import_id=lead_import.pk)
        assert LeadImport.objects.get(pk=lead_import.pk).imported == rows
        return len(queries)

    assert statements(100) <= statements(10) + 10


def test_statistics_are_refreshed_as_the_import_doubles_its_leads(
    run, campaign, supervisor, monkeypatch
):
    monkeypatch.setattr(services, "IMPORT_BATCH_SIZE", 2)
    monkeypatch.setattr(services, "STATISTICS_REFRESH_FIRST", 2)
    lines = [["Tel"]] + [[f"+1312555{i:04d}"] for i in range(9)]
    with CaptureQueriesContext(connection) as queries:
        result = run(campaign, csv_file(lines), supervisor, mapping={"Tel": "phone"})
    assert result.imported == 9
    analyzed = [q["sql"] for q in queries if q["sql"].startswith("ANALYZE")]
    # At 2 and 4 and 8 leads (the last batch of one row is past every refresh).
    expected = 3 if connection.vendor == "postgresql" else 0
    assert len(analyzed) == expected
    assert all("campaigns_lead" in sql and "crm_phonenumber" in sql for sql in analyzed)


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


# --- Hardening: rows, streams, resumes -----------------------------------------------------


def test_rejected_rows_are_stored_as_rows_not_rewritten_per_batch(
    run, campaign, supervisor, monkeypatch
):
    monkeypatch.setattr(services, "IMPORT_BATCH_SIZE", 2)
    rows = [["Tel"], ["12"], ["13"], ["2125550101"], ["14"], ["15"]]
    result = run(campaign, csv_file(rows), supervisor, mapping={"Tel": "phone"})
    assert (result.imported, result.rejected) == (1, 4)
    rejections = list(result.rejections.values_list("row", "values"))
    assert rejections == [(2, ["12"]), (3, ["13"]), (5, ["14"]), (6, ["15"])]
    assert not hasattr(result, "report")


@pytest.mark.parametrize(
    ("fields", "cells", "reason"),
    [
        ({"Tel": "phone", "Mail": "email"}, ["2125550101", "ann@"], "is not an email address"),
        ({"Tel": "phone", "Mail": "email"}, ["2125550101", "n/a"], "“n/a” is not an email"),
        ({"Tel": "phone", "Who": "name"}, ["2125550101", "x" * 300], "300 characters long"),
    ],
)
def test_a_bad_row_is_rejected_with_a_readable_reason_and_the_rest_imports(
    run, campaign, supervisor, monkeypatch, fields, cells, reason
):
    monkeypatch.setattr(services, "IMPORT_BATCH_SIZE", 2)
    header = list(fields)
    rows = [header, ["2125550102", *cells[1:]], cells, ["2125550103", *cells[1:]]]
    rows[1][1] = rows[3][1] = "ann@example.com" if "email" in fields.values() else "Ann"
    result = run(campaign, csv_file(rows), supervisor, mapping=fields)
    assert result.status == "done", result.error
    assert (result.imported, result.rejected) == (2, 1)
    rejection = result.rejections.get()
    assert rejection.row == 3 and reason in rejection.reason
    assert "{" not in rejection.reason and "[" not in rejection.reason
    assert not Customer.objects.filter(phone_numbers__number="+12125550101").exists()


def test_customer_validation_errors_become_rejections_in_plain_words(run, campaign, supervisor):
    # 254 characters is the most an email column holds; the address itself is well formed.
    long_email = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + ".com"
    rows = [["Tel", "Mail"], ["2125550101", long_email], ["2125550102", ""]]
    result = run(campaign, csv_file(rows), supervisor, mapping={"Tel": "phone", "Mail": "email"})
    assert result.status == "done", result.error
    assert result.imported == 1
    reason = result.rejections.get().reason
    assert reason.startswith("email: ") and "characters" in reason and "{" not in reason


def test_a_single_row_excel_file_with_a_long_name_rejects_the_row(run, campaign, supervisor):
    result = run(
        campaign,
        xlsx_file([["Tel", "Name"], ["2125550101", "N" * 300]]),
        supervisor,
        mapping={"Tel": "phone", "Name": "name"},
    )
    assert result.status == "done", result.error
    assert (result.imported, result.rejected) == (0, 1)
    assert not Customer.objects.exists()


def test_a_phone_with_an_extension_is_rejected_not_cut(run, campaign, supervisor):
    rows = [["Tel"], ["+1 (415) 555-2026 ext. 9"]]
    result = run(campaign, csv_file(rows), supervisor, mapping={"Tel": "phone"})
    assert result.imported == 0
    assert "extensions cannot be dialled" in result.rejections.get().reason


def _encoded(text: str, encoding: str) -> bytes:
    if encoding == "utf-16-le":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    if encoding == "utf-16-be":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    return text.encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "cp1252"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_encoding_and_delimiter_are_detected(run, campaign, supervisor, encoding, delimiter):
    text = delimiter.join(["Tel", "Name"]) + "\r\n" + delimiter.join(["2125550101", "Zoë"]) + "\r\n"
    upload = SimpleUploadedFile("leads.csv", _encoded(text, encoding))
    result = run(campaign, upload, supervisor, mapping={"Tel": "phone", "Name": "name"})
    assert result.imported == 1
    assert campaign.leads.get().name == "Zoë"


def test_the_csv_reader_streams_instead_of_reading_the_whole_file():
    class Counting(io.BytesIO):
        largest = 0

        def read(self, size=-1):
            Counting.largest = max(Counting.largest, size if size >= 0 else 10**9)
            return super().read(size)

        def read1(self, size=-1):
            return self.read(size if size >= 0 else 64 * 1024)

        def readinto(self, buffer):
            Counting.largest = max(Counting.largest, len(buffer))
            return super().readinto(buffer)

    content = b"Tel\n" + b"2125550101\n" * 200_000  # over 2 MB
    columns, rows = importing.read(Counting(content), kind="csv")
    assert columns == ["Tel"] and sum(1 for _ in rows) == 200_000
    assert Counting.largest < 1024 * 1024


def test_an_overlong_field_in_the_header_is_refused_at_upload(campaign, supervisor):
    content = b"Tel," + b"x" * 200_000 + b"\n2125550101,y\n"
    with pytest.raises(ValidationError) as error:
        services.lead_import_create(
            campaign=campaign, file=SimpleUploadedFile("big.csv", content), by=supervisor
        )
    assert "longer than 131,072 characters" in " ".join(error.value.message_dict["file"])


def test_an_overlong_field_in_a_row_fails_the_import_with_a_reason(run, campaign, supervisor):
    content = b"Tel,Name\n2125550101,Ann\n2125550102," + b"x" * 200_000 + b"\n"
    result = run(campaign, SimpleUploadedFile("big.csv", content), supervisor, mapping=MAPPING_TEL)
    assert result.status == "failed"
    assert "Line 3 has a value longer than" in result.error
    assert not campaign.leads.exists()  # refused while counting, before any batch


MAPPING_TEL = {"Tel": "phone"}


def test_uploads_over_the_size_limit_are_refused(campaign, supervisor, settings):
    settings.LEAD_IMPORT_MAX_UPLOAD_SIZE = 1024
    content = b"Tel\n" + b"2125550101\n" * 200
    with pytest.raises(ValidationError) as error:
        services.lead_import_create(
            campaign=campaign, file=SimpleUploadedFile("big.csv", content), by=supervisor
        )
    assert "larger than" in " ".join(error.value.message_dict["file"])
    assert not LeadImport.objects.exists()


def test_a_redelivered_run_continues_after_the_last_committed_batch(
    run, campaign, supervisor, monkeypatch
):
    monkeypatch.setattr(services, "IMPORT_BATCH_SIZE", 2)
    rows = [["Tel"], ["2125550101"], ["12"], ["2125550102"], ["2125550101"], ["2125550103"]]
    real = services._import_batch
    calls = []

    def dies_on_the_second_batch(lead_import, batch, seen):
        calls.append(len(batch))
        if len(calls) == 2:
            raise SystemExit("worker killed")  # not an Exception: the run does not finish
        real(lead_import, batch, seen)

    monkeypatch.setattr(services, "_import_batch", dies_on_the_second_batch)
    with pytest.raises(SystemExit):
        run(campaign, csv_file(rows), supervisor, mapping=MAPPING_TEL)
    lead_import = LeadImport.objects.get()
    assert (lead_import.status, lead_import.processed_rows) == ("running", 2)
    monkeypatch.setattr(services, "_import_batch", real)
    result = services.lead_import_run(lead_import_id=lead_import.pk)  # the redelivery
    assert result.status == "done"
    assert (result.processed_rows, result.imported, result.duplicates) == (5, 3, 1)
    assert result.rejections.get(row=5).reason == "duplicate in the file (row 2)"
    assert campaign.leads.count() == 3
    assert result.attempts == 2


def test_a_finished_import_run_again_changes_nothing(run, campaign, supervisor):
    result = run(campaign, csv_file(ROWS), supervisor)
    again = services.lead_import_run(lead_import_id=result.pk)
    assert (again.imported, again.processed_rows) == (result.imported, result.processed_rows)
    assert again.rejections.count() == result.rejections.count()


def test_a_second_run_of_the_same_batch_stops_instead_of_importing_twice(
    run, campaign, supervisor, monkeypatch
):
    rows = [["Tel"], ["2125550101"], ["2125550102"]]
    real = services._import_batch

    def another_run_commits_first(lead_import, batch, seen):
        other = LeadImport.objects.get(pk=lead_import.pk)
        real(other, batch, dict(seen))
        real(lead_import, batch, seen)

    monkeypatch.setattr(services, "_import_batch", another_run_commits_first)
    run(campaign, csv_file(rows), supervisor, mapping=MAPPING_TEL)
    result = LeadImport.objects.get()
    assert (result.processed_rows, result.imported, result.duplicates) == (2, 2, 0)
    assert campaign.leads.count() == 2


def test_the_sweep_resumes_stale_imports_and_fails_them_after_the_limit(
    run, campaign, supervisor, settings, monkeypatch
):
    from datetime import timedelta

    from django.utils import timezone

    from campaigns import tasks

    settings.LEAD_IMPORT_MAX_ATTEMPTS = 2
    lead_import = services.lead_import_create(
        campaign=campaign, file=csv_file(ROWS), by=supervisor, mapping=MAPPING
    )  # its task is lost: never run
    long_ago = timezone.now() - timedelta(seconds=settings.LEAD_IMPORT_STALE_AFTER + 1)
    LeadImport.objects.filter(pk=lead_import.pk).update(
        status="running", attempts=1, progressed_at=long_ago, created_at=long_ago
    )
    fresh = services.lead_import_create(
        campaign=CampaignFactory(), file=csv_file(ROWS), by=supervisor, mapping=MAPPING
    )
    LeadImport.objects.filter(pk=fresh.pk).update(status="running", progressed_at=timezone.now())
    queued = []
    monkeypatch.setattr(tasks.lead_import_run, "delay", queued.append)
    assert tasks.lead_imports_sweep() == 1
    assert queued == [lead_import.pk]
    resumed = services.lead_import_run(lead_import_id=lead_import.pk)
    assert resumed.status == "done"
    assert resumed.imported == lead_import.campaign.leads.count() == 6

    LeadImport.objects.filter(pk=lead_import.pk).update(status="running", progressed_at=long_ago)
    failed = services.lead_import_run(lead_import_id=lead_import.pk)
    assert failed.status == "failed"
    assert "interrupted 2 times" in failed.error


def test_the_report_neutralizes_formulas(run, campaign, supervisor):
    rows = [["Tel", "Name"], ["12", '=HYPERLINK("http://evil","x")'], ["", "@SUM(A1)"]]
    result = run(campaign, csv_file(rows), supervisor, mapping={"Tel": "phone", "Name": "name"})
    report = list(csv.reader(services.lead_import_report_lines(lead_import=result)))
    assert report[1][3] == '\'=HYPERLINK("http://evil","x")'
    assert report[2][3] == "'@SUM(A1)"


def test_the_sweep_also_finds_a_running_import_that_never_recorded_progress(campaign, supervisor):
    from datetime import timedelta

    from django.utils import timezone

    lead_import = services.lead_import_create(
        campaign=campaign, file=csv_file(ROWS), by=supervisor, mapping=MAPPING
    )
    long_ago = timezone.now() - timedelta(seconds=3600)
    LeadImport.objects.filter(pk=lead_import.pk).update(
        status="running", progressed_at=None, created_at=long_ago
    )
    assert services.lead_imports_sweep() == [lead_import.pk]
