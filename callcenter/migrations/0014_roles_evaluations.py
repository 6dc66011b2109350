"""Give analysts, supervisors and agents their evaluations' permissions."""

from django.db import migrations

from callcenter.roles import sync_operation


class Migration(migrations.Migration):
    dependencies = [
        ("callcenter", "0013_roles_workforce"),
        ("qa", "0005_scorecards_evaluations"),
    ]

    operations = [sync_operation()]
