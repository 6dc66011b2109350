"""A campaign's Do-Not-Call lists are the lists it names: the owner link of campaign lists
goes, each owned list first joining its owner's named lists, so it binds the same calls.
"""

from django.db import migrations


def name_owned_lists(apps, schema_editor):
    DncList = apps.get_model("campaigns", "DncList")
    Named = apps.get_model("campaigns", "Campaign").dnc_lists.through
    owned = DncList.objects.filter(campaign__isnull=False).values_list("pk", "campaign_id")
    Named.objects.bulk_create(
        [Named(campaign_id=campaign_id, dnclist_id=pk) for pk, campaign_id in owned],
        ignore_conflicts=True,  # the owner may have named its list already
    )


def own_named_lists(apps, schema_editor):
    """Back: a campaign list belongs to the first campaign naming it (and stays named)."""
    DncList = apps.get_model("campaigns", "DncList")
    Named = apps.get_model("campaigns", "Campaign").dnc_lists.through
    for dnc_list in DncList.objects.filter(kind="campaign"):
        first = (
            Named.objects.filter(dnclist_id=dnc_list.pk).order_by("campaign_id").first()
        )
        if first is None:
            raise RuntimeError(
                f"Do-Not-Call list {dnc_list.name!r} is a campaign list no campaign names; "
                "name it in a campaign's lists (or delete it) before migrating back."
            )
        DncList.objects.filter(pk=dnc_list.pk).update(campaign_id=first.campaign_id)


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0003_keep_call_attempts'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='dnclist',
            name='dnc_list_campaign_iff_campaign_kind',
        ),
        migrations.RunPython(name_owned_lists, own_named_lists),
        migrations.RemoveField(
            model_name='dnclist',
            name='campaign',
        ),
    ]
