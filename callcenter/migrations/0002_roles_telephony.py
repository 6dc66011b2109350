"""Give the roles the permissions of the telephony models."""

from django.db import migrations

from callcenter.roles import sync_operation


class Migration(migrations.Migration):
    dependencies = [
        ("callcenter", "0001_roles"),
        ("telephony", "0001_initial"),
    ]

    operations = [sync_operation()]
