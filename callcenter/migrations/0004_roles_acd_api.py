"""Agents and supervisors read agents and queues through the API; supervisors set states."""

from django.db import migrations

from callcenter.roles import sync_operation


class Migration(migrations.Migration):
    dependencies = [
        ("callcenter", "0003_roles_acd"),
        ("telephony", "0004_scheduled_callbacks"),
    ]

    operations = [sync_operation()]
