"""Give every role its view of post-call survey answers and first-contact resolution."""

from django.db import migrations

from callcenter.roles import sync_operation


class Migration(migrations.Migration):
    dependencies = [
        ("callcenter", "0012_roles_monitoring"),
        ("qa", "0005_post_call_surveys"),
    ]

    operations = [sync_operation()]
