"""Give the roles who may listen to recordings their qa permissions."""

from django.db import migrations

from callcenter.roles import sync_operation


class Migration(migrations.Migration):
    dependencies = [
        ("callcenter", "0006_roles_dnc_in_crm"),
        ("qa", "0001_initial"),
        ("telephony", "0015_team_supervisors"),
        ("campaigns", "0007_campaign_recording_policy"),
    ]

    operations = [sync_operation()]
