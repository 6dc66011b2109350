"""Let supervisors read the consent rules, as they read the calling-hours rules."""

from django.db import migrations

from callcenter.roles import sync_operation


class Migration(migrations.Migration):
    dependencies = [
        ("callcenter", "0008_roles_automated_qa"),
        ("campaigns", "0008_lead_line_type_and_consent_rules"),
    ]

    operations = [sync_operation()]
