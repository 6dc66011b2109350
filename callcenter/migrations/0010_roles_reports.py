"""Give managers every report and supervisors their teams' reports."""

from django.db import migrations

from callcenter.roles import sync_operation


class Migration(migrations.Migration):
    dependencies = [
        ("callcenter", "0009_roles_consent_rules"),
        ("reports", "0001_interval_facts"),
    ]

    operations = [sync_operation()]
