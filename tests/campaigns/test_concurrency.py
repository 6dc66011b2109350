"""Imports at once, on PostgreSQL: each number becomes one lead.

Each thread has its own database connection, as several workers would.
"""

from __future__ import annotations

from django.core.files.base import ContentFile

from campaigns import services
from campaigns.models import LeadImport
from tests.concurrency import on_postgresql_only, run_at_once
from tests.factories import CampaignFactory

pytestmark = on_postgresql_only("concurrent sessions need PostgreSQL")


def test_the_same_file_imported_twice_at_once_adds_each_number_once():
    campaign = CampaignFactory()
    rows = "Phone\n" + "".join(f"+1212{2000000 + i:07d}\n" for i in range(40))
    imports = [
        LeadImport.objects.create(
            campaign=campaign,
            file=ContentFile(rows.encode(), name="leads.csv"),
            original_name="leads.csv",
            mapping={"Phone": "phone"},
        )
        for _ in range(3)
    ]
    run_at_once([lambda pk=i.pk: services.lead_import_run(lead_import_id=pk) for i in imports])
    assert campaign.leads.count() == 40
    done = LeadImport.objects.filter(pk__in=[i.pk for i in imports])
    assert {i.status for i in done} == {"done"}
    assert sum(i.imported for i in done) == 40
    assert sum(i.duplicates for i in done) == 80
