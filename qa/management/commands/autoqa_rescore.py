"""Score calls again with the current automated-QA rules, after rules changed."""

from __future__ import annotations

from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from qa.autoqa.services import transcripts_rescore
from telephony.models import Queue


def _since(text: str) -> datetime:
    moment = parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        if day is None:
            raise CommandError(f"--since: {text!r} is not a date (2026-11-30) or a date-time.")
        moment = datetime.combine(day, time.min)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = (
        "Re-score transcribed calls since a date (of one queue) with the current rules; "
        "calls whose applicable rules did not change keep their score."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", required=True, help="A date or an ISO date-time.")
        parser.add_argument("--queue", help="A queue's name or id (default: every queue).")

    def handle(self, *args: object, since: str, queue: str | None, **options: object) -> None:
        chosen = None
        if queue:
            chosen = Queue.objects.filter(name=queue).first() or (
                Queue.objects.filter(pk=int(queue)).first() if queue.isdigit() else None
            )
            if chosen is None:
                raise CommandError(f"--queue: no queue named or numbered {queue!r}.")
        made = transcripts_rescore(since=_since(since), queue=chosen)
        self.stdout.write(f"{made} calls scored anew.")
