"""A manager opens a report, changes its range, sees the chart and the table, and
downloads the CSV and Excel files with the same rows."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from reports import services
from tests.reports.conftest import Records, at


@pytest.fixture
def history(transactional_db):
    records = Records()
    support, alex = records.queue(), records.agent("alex")
    for day in ("2026-05-04", "2026-05-05"):
        ten = at(f"{day} 10:00:00")
        records.answered(support, joined=ten, wait=5, talk=60, agent=alex)
        records.left(support, joined=ten + timedelta(minutes=70), wait=40)
    services.intervals_rebuild(start=at("2026-05-04 00:00:00"), end=at("2026-05-06 00:00:00"))


def _rows(page):
    return page.locator("#report-table tbody tr")


def test_manager_reads_a_report_and_downloads_it(history, manager, sign_in, page, tmp_path):
    sign_in(manager)
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    page.goto("/reports/?report=queues&from=2026-05-04&to=2026-05-04&interval=hour")
    expect(_rows(page)).to_have_count(2)
    expect(page.locator("#report-charts")).to_have_attribute("data-drawn", "yes")
    assert page.locator("#chart-trend").bounding_box()["height"] > 50

    page.get_by_label("To").fill("2026-05-05")
    page.get_by_label("Interval").select_option("day")
    page.get_by_role("button", name="Show").click()
    expect(_rows(page)).to_have_count(2)
    expect(_rows(page).first).to_contain_text("2026-05-04")
    expect(_rows(page).last).to_contain_text("2026-05-05")
    expect(page.locator("#report-charts")).to_have_attribute("data-drawn", "yes")

    with page.expect_download() as download:
        page.locator("#export-csv").click()
    csv_path = tmp_path / "report.csv"
    download.value.save_as(csv_path)
    rows = list(csv.reader(Path(csv_path).read_text(encoding="utf-8").splitlines()))
    assert [row[:4] for row in rows] == [
        ["Period", "Queue", "Offered", "Answered"],
        ["2026-05-04", "Support", "2", "1"],
        ["2026-05-05", "Support", "2", "1"],
    ]

    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    xlsx_path = tmp_path / "report.xlsx"
    download.value.save_as(xlsx_path)
    sheet = load_workbook(xlsx_path).active
    assert [row[:4] for row in sheet.iter_rows(values_only=True)] == [
        ("Period", "Queue", "Offered", "Answered"),
        ("2026-05-04", "Support", 2, 1),
        ("2026-05-05", "Support", 2, 1),
    ]
