"""Give every role its view of post-call survey answers and first-contact resolution."""

from django.db import migrations

from callcenter.roles import sync_operation


class Migration(migrations.Migration):
    # After every app's latest models, so the roles end with exactly ROLE_PERMISSIONS
    # whatever order the graph runs the apps in.
    dependencies = [
        ("callcenter", "0014_roles_evaluations"),
        ("qa", "0006_post_call_surveys"),
        ("crm", "0007_dnc_registry_numbers"),
        ("telephony", "0019_recording_call_leg"),
        ("campaigns", "0009_campaign_pacing_boldness"),
        ("reports", "0005_line_intervals"),
        ("floor", "0002_alert_notices"),
        ("workforce", "0001_planning"),
    ]

    operations = [sync_operation()]
