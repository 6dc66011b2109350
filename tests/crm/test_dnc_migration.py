"""Do-Not-Call moving to crm keeps every row, and a campaign keeps the lists it owned."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from campaigns.models import Campaign
from crm.models import DncChange, DncEntry, DncList, DncRegistryNumber

BEFORE = [("campaigns", "0003_keep_call_attempts"), ("crm", "0003_search_indexes")]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)  # a fresh graph of what is applied now


@pytest.fixture
def before_the_move():
    executor = _migrate(BEFORE)
    yield executor.loader.project_state(BEFORE).apps
    # Whatever the test did, the next tests need today's schema.
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_campaign_owned_list_becomes_one_the_campaign_names(before_the_move):
    old = before_the_move
    OldCampaign = old.get_model("campaigns", "Campaign")
    OldDncList = old.get_model("campaigns", "DncList")
    mine = OldCampaign.objects.create(name="Mine", caller_id="+18005550100")
    other = OldCampaign.objects.create(name="Other", caller_id="+18005550100")
    own = OldDncList.objects.create(name="Mine only", kind="campaign", campaign=mine)
    shared = OldDncList.objects.create(name="Partner list", kind="campaign", campaign=other)
    mine.dnc_lists.add(shared)
    other.dnc_lists.add(shared)  # its owner named it too: still named once
    old.get_model("campaigns", "DncEntry").objects.create(
        dnc_list=own, phone="+14155550101", source="manual"
    )
    old.get_model("campaigns", "DncChange").objects.create(
        dnc_list=own, phone="+14155550101", action="add", source="manual"
    )

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert DncList.objects.filter(kind="internal").count() == 1
    assert DncEntry.objects.get().dnc_list_id == own.pk
    assert DncChange.objects.get().dnc_list_id == own.pk
    mine_lists = Campaign.objects.get(pk=mine.pk).dnc_lists.order_by("name")
    assert list(mine_lists.values_list("name", flat=True)) == ["Mine only", "Partner list"]
    other_lists = Campaign.objects.get(pk=other.pk).dnc_lists.all()
    assert list(other_lists.values_list("name", flat=True)) == ["Partner list"]
    # New rows go into the renamed tables, next to the old ones.
    DncEntry.objects.create(dnc_list_id=shared.pk, phone="+14155550102", source="manual")
    assert DncEntry.objects.count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_registry_entries_move_to_registry_numbers_and_hand_entries_stay():
    before = [("crm", "0006_customer_call_consent_levels"), ("campaigns", "0005_dnc_lists_to_crm")]
    old = _migrate(before).loader.project_state(before).apps
    OldDncList = old.get_model("crm", "DncList")
    OldDncEntry = old.get_model("crm", "DncEntry")
    national = OldDncList.objects.create(name="Registry", kind="national")
    OldDncEntry.objects.create(dnc_list=national, phone="+14155550101", source="registry")
    OldDncEntry.objects.create(dnc_list=national, phone="+14155550102", source="manual")
    try:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
        moved = DncRegistryNumber.objects.values_list("phone", "dnc_list_id")
        assert list(moved) == [("+14155550101", national.pk)]
        assert list(DncEntry.objects.values_list("phone", flat=True)) == ["+14155550102"]
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
        ContentType.objects.clear_cache()
