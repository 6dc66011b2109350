"""Do-Not-Call additions at once, on PostgreSQL: one entry and one audit line.

Each thread has its own database connection, as several workers would.
"""

from __future__ import annotations

from crm import services
from crm.models import DncChange, DncEntry
from tests.concurrency import on_postgresql_only, run_at_once

pytestmark = on_postgresql_only("concurrent sessions need PostgreSQL")


def test_one_number_added_by_several_at_once_is_listed_and_audited_once():
    services.dnc_internal_list()
    run_at_once([lambda: services.dnc_add(phone="4155550142", source="api") for _ in range(6)])
    assert DncEntry.objects.filter(phone="+14155550142").count() == 1
    assert DncChange.objects.filter(phone="+14155550142").count() == 1
