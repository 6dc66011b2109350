"""Give supervisors and managers the wallboard's permissions."""

from django.db import migrations

from callcenter.roles import sync_operation


class Migration(migrations.Migration):
    dependencies = [
        ("callcenter", "0010_roles_reports"),
        ("floor", "0001_alert_rules"),
    ]

    operations = [sync_operation()]
