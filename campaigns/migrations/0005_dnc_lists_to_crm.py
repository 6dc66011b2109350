"""Do-Not-Call lists, entries and changes move to crm, rows and all.

crm's migration holds the models in its state only; here they leave this app's state
and their tables get crm's names. A rename, not a copy: the rows (millions, for a
registry copy) stay where they are, and the foreign keys onto the lists (entries,
changes, a campaign's named lists) follow the renamed table on PostgreSQL and SQLite.
Their content types move too, so existing permissions, the groups holding them and
admin history now speak of crm.
"""

from django.db import migrations, models

MODELS = ["dnclist", "dncentry", "dncchange"]


def rename_tables(apps, schema_editor):
    for model in MODELS:
        crm_model = apps.get_model("crm", model)
        schema_editor.alter_db_table(crm_model, f"campaigns_{model}", crm_model._meta.db_table)


def rename_tables_back(apps, schema_editor):
    for model in MODELS:
        crm_model = apps.get_model("crm", model)
        schema_editor.alter_db_table(crm_model, crm_model._meta.db_table, f"campaigns_{model}")


def _move_content_types(apps, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        # If the target exists already (created by a post_migrate between migrations),
        # the old one is left alone: deleting it would delete its permissions.
        if not ContentType.objects.filter(app_label=target, model=model).exists():
            ContentType.objects.filter(app_label=source, model=model).update(app_label=target)


def move_content_types(apps, schema_editor):
    _move_content_types(apps, "campaigns", "crm")


def move_content_types_back(apps, schema_editor):
    _move_content_types(apps, "crm", "campaigns")


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0004_campaign_dnc_lists_by_name'),
        ('crm', '0004_do_not_call'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(rename_tables, rename_tables_back)],
            state_operations=[
                migrations.AlterField(
                    model_name='campaign',
                    name='dnc_lists',
                    field=models.ManyToManyField(blank=True, help_text='Its own and shared lists to scrub against; the internal and national lists always apply.', related_name='+', to='crm.dnclist'),
                ),
                migrations.DeleteModel(name='DncChange'),
                migrations.DeleteModel(name='DncEntry'),
                migrations.DeleteModel(name='DncList'),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
