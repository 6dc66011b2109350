"""A campaign's "record calls" switch becomes a recording policy: campaigns that recorded
keep recording (now from the agent's join, with the media reaching the app) under a
policy that records every call."""

import django.db.models.deletion
from django.db import migrations, models


def switch_to_policy(apps, schema_editor):
    Campaign = apps.get_model("campaigns", "Campaign")
    RecordingPolicy = apps.get_model("telephony", "RecordingPolicy")
    recording = Campaign.objects.filter(record_calls=True)
    if recording.exists():
        policy, _ = RecordingPolicy.objects.get_or_create(
            name="Record every campaign call", defaults={"mode": "all"}
        )
        recording.update(recording_policy=policy)


def policy_to_switch(apps, schema_editor):
    Campaign = apps.get_model("campaigns", "Campaign")
    Campaign.objects.filter(recording_policy__mode__in=["all", "sample"]).update(
        record_calls=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0006_lead_import_rejections_and_resume"),
        ("telephony", "0014_recording_policies"),
    ]

    operations = [
        migrations.AddField(
            model_name="campaign",
            name="recording_policy",
            field=models.ForeignKey(
                blank=True,
                help_text="Whether answered calls are recorded once an agent joins, and how "
                "long kept. Blank: the queue's policy.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="telephony.recordingpolicy",
            ),
        ),
        migrations.RunPython(switch_to_policy, policy_to_switch),
        migrations.RemoveField(model_name="campaign", name="record_calls"),
    ]
