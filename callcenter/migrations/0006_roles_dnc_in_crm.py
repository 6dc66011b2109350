"""Give the roles the Do-Not-Call permissions under their new app, crm."""

from django.db import migrations

from callcenter.roles import sync_operation


class Migration(migrations.Migration):
    dependencies = [
        ("callcenter", "0005_roles_campaigns"),
        ("crm", "0004_do_not_call"),
        ("campaigns", "0005_dnc_lists_to_crm"),
    ]

    operations = [sync_operation()]
