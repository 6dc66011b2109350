"""Give the roles the permissions of the ACD models."""

from django.db import migrations

from callcenter.roles import sync_operation


class Migration(migrations.Migration):
    dependencies = [
        ("callcenter", "0002_roles_telephony"),
        ("telephony", "0002_acd"),
    ]

    operations = [sync_operation()]
