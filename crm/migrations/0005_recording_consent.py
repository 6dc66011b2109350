"""Recording consent becomes three-valued: not asked, consents, refused.

The old boolean defaulted to False for everyone, so False meant "never asked" far more
often than "said no": it becomes unknown (recorded after the announcement where the
policy says so), and True becomes given. Nobody is taken for a refusal they never made;
refusals are recorded from now on.
"""

from django.db import migrations, models


def forwards(apps, schema_editor):
    Customer = apps.get_model("crm", "Customer")
    Customer.objects.filter(consent_recording=True).update(recording_consent="given")


def backwards(apps, schema_editor):
    Customer = apps.get_model("crm", "Customer")
    Customer.objects.filter(recording_consent="given").update(consent_recording=True)


class Migration(migrations.Migration):
    dependencies = [("crm", "0004_do_not_call")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="recording_consent",
            field=models.CharField(
                choices=[
                    ("unknown", "Not asked"),
                    ("given", "Consents"),
                    ("refused", "Refused: never record"),
                ],
                default="unknown",
                help_text="Refused: this customer's calls are never recorded.",
                max_length=8,
                verbose_name="call recording consent",
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="customer", name="consent_recording"),
    ]
