"""Give the roles the permissions of the telephony models."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from callcenter.roles import sync_role_groups

    sync_role_groups(apps, strict=False)


class Migration(migrations.Migration):
    dependencies = [
        ("callcenter", "0001_roles"),
        ("telephony", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
