"""Consent to dialled calls as a level (none, express, written) with its date, in place of
the yes/no "consents to marketing calls".

A recorded yes becomes *express* consent, dated when the customer row last changed: the
old field never said the consent was written, and only written consent lets sales
campaigns ring a mobile, so nobody is promoted to it by the migration.
"""

from django.db import migrations, models
from django.db.models import F


def to_levels(apps, schema_editor):
    Customer = apps.get_model("crm", "Customer")
    Customer.objects.filter(consent_marketing_calls=True).update(
        call_consent="express", call_consent_at=F("updated_at")
    )


def to_yes_no(apps, schema_editor):
    Customer = apps.get_model("crm", "Customer")
    Customer.objects.exclude(call_consent="none").update(consent_marketing_calls=True)


class Migration(migrations.Migration):
    dependencies = [("crm", "0005_recording_consent")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="call_consent",
            field=models.CharField(
                choices=[
                    ("none", "None"),
                    ("express", "Prior express consent"),
                    ("written", "Prior express written consent"),
                ],
                default="none",
                help_text="Express: gave the number for calls about their account (reminders, "
                "collections). Written: signed agreement to telemarketing calls, needed for "
                "sales calls to mobiles.",
                max_length=8,
                verbose_name="consent to dialled calls",
            ),
        ),
        migrations.AddField(
            model_name="customer",
            name="call_consent_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When it was given or last renewed.",
                null=True,
                verbose_name="consent given at",
            ),
        ),
        migrations.RunPython(to_levels, to_yes_no),
        migrations.RemoveField(model_name="customer", name="consent_marketing_calls"),
    ]
