"""Give the roles their automated-QA permissions: scores to all four (each role's own
calls, by the listening rule), reading the rules to QA analysts."""

from django.db import migrations

from callcenter.roles import sync_operation


class Migration(migrations.Migration):
    dependencies = [
        ("callcenter", "0007_roles_recordings"),
        ("qa", "0003_automated_qa"),
    ]

    operations = [sync_operation()]
