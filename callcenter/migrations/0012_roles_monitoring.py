"""Let supervisors monitor their teams' calls (managers hold every telephony permission)."""

from django.db import migrations

from callcenter.roles import sync_operation


class Migration(migrations.Migration):
    dependencies = [
        ("callcenter", "0011_roles_floor"),
        ("telephony", "0018_monitoring_sessions_desk_messages"),
    ]

    operations = [sync_operation()]
