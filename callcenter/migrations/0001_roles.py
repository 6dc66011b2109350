"""Create the role groups (Agent, Supervisor, QA Analyst, Manager) with their permissions."""

from django.db import migrations

from callcenter.roles import sync_operation


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("crm", "0001_initial"),
    ]

    operations = [sync_operation()]
