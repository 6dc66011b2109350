"""Give the roles the permissions of the campaign and Do-Not-Call models."""

from django.db import migrations

from callcenter.roles import sync_operation


class Migration(migrations.Migration):
    dependencies = [
        ("callcenter", "0004_roles_acd_api"),
        ("campaigns", "0002_calling_rules_and_internal_dnc_list"),
    ]

    operations = [sync_operation()]
