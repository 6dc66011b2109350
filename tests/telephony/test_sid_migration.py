"""Requiring SIDs keeps the rows stored before they were required."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from telephony.models import Call, SmsMessage

BEFORE = [("telephony", "0011_call_identified_by_number_called")]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rows_stored_without_a_sid_survive_the_constraint():
    old = _migrate(BEFORE).loader.project_state(BEFORE).apps
    try:
        sms = old.get_model("telephony", "SmsMessage").objects.create(
            sid="",
            direction="inbound",
            from_number="+14155550142",
            to_number="+18005550100",
            body="Please call me back",
        )
        call = old.get_model("telephony", "Call").objects.create(
            sid="", direction="inbound", from_number="+14155550142", to_number="+18005550100"
        )
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert SmsMessage.objects.get(pk=sms.pk).sid == f"missing-{sms.pk}"
    assert SmsMessage.objects.get(pk=sms.pk).body == "Please call me back"
    assert Call.objects.get(pk=call.pk).sid == f"missing-{call.pk}"
