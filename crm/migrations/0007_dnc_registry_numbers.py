"""Registry numbers move from DncEntry into their own lean table."""

import crm.phones
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0006_customer_call_consent_levels'),
        # The entries' table is crm's once campaigns has handed it over.
        ('campaigns', '0005_dnc_lists_to_crm'),
    ]

    operations = [
        migrations.CreateModel(
            name='DncRegistryNumber',
            fields=[
                ('pk', models.CompositePrimaryKey('phone', 'dnc_list', blank=True, editable=False, primary_key=True, serialize=False)),
                ('phone', crm.phones.PhoneNumberField()),
                ('dnc_list', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='registry_numbers', to='crm.dnclist')),
            ],
            options={
                'verbose_name': 'Do-Not-Call registry number',
            },
        ),
        # Registry-sourced entries become registry numbers; hand-entered ones stay audited.
        migrations.RunSQL(
            "INSERT INTO crm_dncregistrynumber (phone, dnc_list_id) SELECT phone, dnc_list_id"
            " FROM crm_dncentry WHERE source = 'registry'",
            reverse_sql="INSERT INTO crm_dncentry (phone, dnc_list_id, source, reason, added_at)"
            " SELECT phone, dnc_list_id, 'registry', '', CURRENT_TIMESTAMP"
            " FROM crm_dncregistrynumber",
        ),
        migrations.RunSQL(
            "DELETE FROM crm_dncentry WHERE source = 'registry'",
            reverse_sql="DELETE FROM crm_dncregistrynumber",
        ),
    ]
