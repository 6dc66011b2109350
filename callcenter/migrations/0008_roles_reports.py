"""Give managers every report and supervisors their teams' reports."""

from django.db import migrations

from callcenter.roles import sync_operation


class Migration(migrations.Migration):
    dependencies = [
        ("callcenter", "0007_roles_recordings"),
        ("reports", "0001_interval_facts"),
    ]

    operations = [sync_operation()]
