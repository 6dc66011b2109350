"""Recompute the interval facts of a range from the raw records."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from reports import services


def _moment(text: str, *, end: bool) -> datetime:
    """A date (its local midnight; the day after for --to) or an ISO date-time."""
    day = parse_date(text)
    if day is not None:
        moment = datetime.combine(day + timedelta(days=1) if end else day, time())
    else:
        parsed = parse_datetime(text)
        if parsed is None:
            raise CommandError(f"{text!r} is not a date (YYYY-MM-DD) or a date-time.")
        moment = parsed
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = "Recompute the queue and agent interval facts of a range from the raw records."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", required=True, help="YYYY-MM-DD or ISO")
        parser.add_argument("--to", dest="end", required=True, help="YYYY-MM-DD (inclusive)")

    def handle(self, *args: Any, start: str, end: str, **options: Any) -> None:
        begin, finish = _moment(start, end=False), _moment(end, end=True)
        if finish <= begin:
            raise CommandError("--to must come after --from.")
        written = services.intervals_rebuild(start=begin, end=finish)
        self.stdout.write(
            f"Rebuilt {begin:%Y-%m-%d %H:%M} to {finish:%Y-%m-%d %H:%M}: {written} rows."
        )
