"""Demo planning data: shrinkage, each queue's plan, a sale day, shift templates, a
forecast from the reports' demo history and next week's published schedule, so the
staffing and schedule pages and the agents' desks show something at once."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from telephony.models import Queue

from . import services
from .models import CalendarEvent, QueuePlan, Schedule, ShiftTemplate, ShrinkageItem

SHRINKAGE = {"Breaks": "8.5", "Training": "5.0", "Absence": "8.0", "Meetings": "3.0"}
TEMPLATES = [
    # name, earliest start, latest start, length, lunch after, breaks after (minutes)
    ("Early", time(7, 0), time(9, 0), 510, 240, [120, 390]),
    ("Late", time(11, 0), time(13, 0), 510, 240, [120, 390]),
    ("Part time", time(9, 0), time(15, 0), 240, 0, [120]),
]


def seed() -> list[str]:
    """Add what is missing (idempotent); returns one line per queue's forecast."""
    for name, percent in SHRINKAGE.items():
        ShrinkageItem.objects.get_or_create(name=name, defaults={"percent": Decimal(percent)})
    for name, earliest, latest, length, lunch_after, breaks in TEMPLATES:
        ShiftTemplate.objects.get_or_create(
            name=name,
            defaults={
                "earliest_start": earliest,
                "latest_start": latest,
                "length_minutes": length,
                "lunch_minutes": 30 if lunch_after else 0,
                "lunch_after_minutes": lunch_after,
                "break_after_minutes": breaks,
            },
        )
    today = timezone.localdate()
    sale_day = today + timedelta(days=(4 - today.weekday()) % 7 or 7)  # next Friday
    CalendarEvent.objects.get_or_create(
        day=sale_day, queue=None, defaults={"name": "Sale day", "factor": Decimal("1.40")}
    )
    lines = []
    for queue in Queue.objects.all():
        QueuePlan.objects.get_or_create(queue=queue)
        try:
            made = services.forecast_refresh(queue=queue)
        except ValidationError as error:
            lines.append(f"{queue}: {' '.join(error.messages)}")
            continue
        lines.append(f"{queue}: {made.days} days forecast ({made.method})")
    # Next week's schedule, published, so the agents' desks show their shifts.
    monday = today + timedelta(days=7 - today.weekday())
    if not Schedule.objects.filter(week_start=monday).exists():
        try:
            schedule = services.schedule_generate(week_start=monday, time_limit_seconds=5)
        except ValidationError as error:
            lines.append(f"no schedule: {' '.join(error.messages)}")
        else:
            services.schedule_publish(schedule=schedule)
            lines.append(f"schedule for the {schedule} published")
    return lines
