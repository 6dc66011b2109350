"""The company's Do-Not-Call list (exactly one) and the calling-hours rules every install needs.

The federal rule is the law everywhere in the US; Florida is the common stricter state and
an example of how to add others in admin.
"""

import datetime

from django.db import migrations

FLORIDA_AREA_CODES = (
    "239 305 321 324 352 386 407 448 561 645 656 689 727 728 754 772 786 813 850 863 904 941 954"
)


def seed(apps, schema_editor):
    DncList = apps.get_model("campaigns", "DncList")
    CallingRule = apps.get_model("campaigns", "CallingRule")
    DncList.objects.get_or_create(kind="internal", defaults={"name": "Internal (company)"})
    CallingRule.objects.get_or_create(
        name="US federal (TSR/TCPA)",
        defaults={
            "country": "US",
            "window_start": datetime.time(8, 0),
            "window_end": datetime.time(21, 0),
        },
    )
    CallingRule.objects.get_or_create(
        name="Florida (telephone solicitation)",
        defaults={
            "country": "US",
            "area_codes": FLORIDA_AREA_CODES,
            "window_start": datetime.time(8, 0),
            "window_end": datetime.time(20, 0),
            "max_attempts_per_day": 3,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
