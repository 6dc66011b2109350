"""The reports page, its exports and the calls behind a figure."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from reports import services

from .conftest import at

pytestmark = pytest.mark.django_db
PARAMS = {"report": "queues", "from": "2026-05-04", "to": "2026-05-04", "interval": "hour"}


@pytest.fixture
def history(records):
    support, alex = records.queue(), records.agent("alex")
    ten = at("2026-05-04 10:00:00")
    records.answered(support, joined=ten, wait=5, talk=60, agent=alex)
    records.left(support, joined=ten + timedelta(minutes=50), wait=30)
    records.left(support, joined=ten + timedelta(minutes=70), wait=2)
    services.intervals_rebuild(start=ten, end=ten + timedelta(hours=3))
    return {"support": support, "alex": alex}


def test_the_page_shows_the_table_with_definitions(client_as, manager, history):
    response = client_as(manager).get("/reports/", PARAMS)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="report-table"' in page
    assert "Answered within the queue&#x27;s threshold" in page  # beside service level
    assert "2026-05-04T10:00+00:00" in page and "2026-05-04T11:00+00:00" in page


def test_bad_input_shows_form_errors(client_as, manager):
    response = client_as(manager).get("/reports/", {**PARAMS, "from": "2026-05-05"})
    assert response.status_code == 400
    assert "Must come after From." in response.content.decode()


def test_csv_export_has_the_rows_of_the_page(client_as, manager, history):
    response = client_as(manager).get("/reports/", {**PARAMS, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["Period", "Queue", "Offered", "Answered"]
    assert [(r[0], r[1], r[2], r[3]) for r in rows[1:]] == [
        ("2026-05-04T10:00+00:00", "Support", "2", "1"),
        ("2026-05-04T11:00+00:00", "Support", "1", "0"),
    ]


def test_xlsx_export_has_the_rows_of_the_page(client_as, manager, history):
    response = client_as(manager).get("/reports/", {**PARAMS, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Period", "Queue", "Offered")
    assert [r[:4] for r in rows[1:]] == [
        ("2026-05-04T10:00+00:00", "Support", 2, 1),
        ("2026-05-04T11:00+00:00", "Support", 1, 0),
    ]


def test_drill_down_lists_the_calls_behind_a_figure(client_as, manager, history):
    response = client_as(manager).get(
        "/reports/calls/",
        {
            "report": "queues",
            "figure": "abandoned",
            "owner": history["support"].pk,
            "interval": "hour",
            "period_start": "2026-05-04T10:00:00+00:00",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<tr>") == 2  # heading and the one abandon after the threshold
    assert "Abandoned" in page


def test_drill_down_refuses_figures_outside_the_users_scope(client_as, supervisor, history):
    response = client_as(supervisor).get(
        "/reports/calls/",
        {
            "report": "queues",
            "figure": "offered",
            "owner": history["support"].pk,
            "interval": "hour",
            "period_start": "2026-05-04T10:00:00+00:00",
        },
    )
    assert response.status_code == 403


def test_outsider_may_not_open_reports(client_as, outsider):
    assert client_as(outsider).get("/reports/").status_code == 403
