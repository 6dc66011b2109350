"""Give every role its view of post-call survey answers and first-contact resolution."""

from django.db import migrations

from callcenter.roles import sync_operation


class Migration(migrations.Migration):
    dependencies = [
        ("callcenter", "0014_roles_evaluations"),
        ("qa", "0006_post_call_surveys"),
    ]

    operations = [sync_operation()]
