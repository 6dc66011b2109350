"""Give supervisors and managers the workforce permissions."""

from django.db import migrations

from callcenter.roles import sync_operation


class Migration(migrations.Migration):
    dependencies = [
        ("callcenter", "0012_roles_monitoring"),
        ("workforce", "0001_planning"),
    ]

    operations = [sync_operation()]
