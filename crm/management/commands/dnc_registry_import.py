"""Load national Do-Not-Call registry files from disk (a full copy is too big to upload)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crm import services
from crm.models import DncList


class Command(BaseCommand):
    help = "Load registry files (one per area code: AAA,NNNNNNN lines) into a national list."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", help="Registry files")
        parser.add_argument("--as-of", required=True, help="Date of the copy, YYYY-MM-DD")
        parser.add_argument("--list", default="National registry", help="National list name")

    def handle(self, *args: Any, files: list[str], as_of: str, list: str, **options: Any) -> None:
        try:
            date = datetime.date.fromisoformat(as_of)
        except ValueError:
            raise CommandError("--as-of must be a date, YYYY-MM-DD.") from None
        dnc_list, _ = DncList.objects.get_or_create(
            name=list, defaults={"kind": DncList.Kind.NATIONAL, "as_of": date}
        )
        if dnc_list.kind != DncList.Kind.NATIONAL:
            raise CommandError(f"{dnc_list} is not a national list.")
        for name in files:
            with open(name, "rb") as handle:
                result = services.dnc_registry_import(dnc_list=dnc_list, handle=handle, as_of=date)
            self.stdout.write(
                f"{name}: {result['lines']} numbers in {result['area_codes']} area code(s), "
                f"{result['skipped']} unreadable line(s) skipped."
            )
