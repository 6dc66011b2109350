"""The consent levels keep what the yes/no field said: a yes is express consent, no more."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from crm.models import Customer

BEFORE = [("crm", "0005_recording_consent")]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)  # a fresh graph of what is applied now


@pytest.fixture
def before_the_levels():
    executor = _migrate(BEFORE)
    yield executor.loader.project_state(BEFORE).apps
    # Whatever the test did, the next tests need today's schema.
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_yes_becomes_express_consent_dated_and_a_no_stays_none(before_the_levels):
    OldCustomer = before_the_levels.get_model("crm", "Customer")
    yes = OldCustomer.objects.create(
        name="Ava", account_number="AC-1", consent_marketing_calls=True
    )
    no = OldCustomer.objects.create(name="Ben", account_number="AC-2")

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    ava, ben = Customer.objects.get(pk=yes.pk), Customer.objects.get(pk=no.pk)
    assert (ava.call_consent, ava.call_consent_at) == ("express", yes.updated_at)
    assert (ben.call_consent, ben.call_consent_at) == ("none", None)
