"""Scheduled reports: emailed once per whole period, with the rows as CSV."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from reports import services
from reports.models import ReportSchedule

from .conftest import at

pytestmark = pytest.mark.django_db


def test_a_daily_report_is_emailed_once_with_its_rows(records):
    support, alex = records.queue(), records.agent("alex")
    records.answered(support, joined=at("2026-05-04 10:00:00"), wait=5, talk=60, agent=alex)
    services.queue_intervals_refresh(start=at("2026-05-04 00:00:00"), end=at("2026-05-05 00:00:00"))
    ReportSchedule.objects.create(
        name="Daily queues", report="queues", recipients="ops@example.com"
    )

    assert services.scheduled_reports_send(today=date(2026, 5, 5)) == 1
    assert services.scheduled_reports_send(today=date(2026, 5, 5)) == 0  # not twice
    (message,) = mail.outbox
    assert message.to == ["ops@example.com"]
    name, content, kind = message.attachments[0]
    assert (name, kind) == ("queues-20260504.csv", "text/csv")
    lines = content.splitlines()
    assert lines[0].startswith("Period,Queue,Offered")
    assert lines[1].startswith("2026-05-04T10:00+00:00,Support,1,1")


def test_a_weekly_report_covers_last_monday_to_sunday(db):
    schedule = ReportSchedule(name="Weekly", report="agents", every="week", recipients="a@b.co")
    assert services.schedule_due_period(schedule, date(2026, 5, 6)) == (
        date(2026, 4, 27),
        date(2026, 5, 3),
    )
    schedule.last_period_start = date(2026, 4, 27)
    assert services.schedule_due_period(schedule, date(2026, 5, 6) + timedelta(days=1)) is None


def test_a_schedule_names_a_real_report_and_real_addresses(db):
    schedule = ReportSchedule(name="Bad", report="weather", recipients="nobody")
    with pytest.raises(ValidationError) as refused:
        schedule.full_clean()
    assert set(refused.value.message_dict) == {"report", "recipients"}
