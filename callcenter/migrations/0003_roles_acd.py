"""Give the roles the permissions of the ACD models."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from callcenter.roles import sync_role_groups

    sync_role_groups(apps, strict=False)


class Migration(migrations.Migration):
    dependencies = [
        ("callcenter", "0002_roles_telephony"),
        ("telephony", "0002_acd"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
