"""Do-Not-Call lists, their entries and audit trail join the CRM, in the state only.

Their tables predate this app's ownership: the migration of the app that held them
renames them to these names, and depends on this one. Nothing is created here, so
existing rows (a registry copy runs to millions) are kept as they are.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import crm.phones

SOURCES = [
    ('manual', 'Entered by hand'),
    ('import', 'File import'),
    ('registry', 'National registry'),
    ('agentless_opt_out', 'Opt-out key in an automated call'),
    ('ivr_request', 'Asked in the IVR'),
    ('disposition', "Agent's disposition"),
    ('api', 'API'),
]


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0003_search_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='DncList',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, unique=True)),
                        ('kind', models.CharField(choices=[('internal', 'Internal (company)'), ('campaign', 'Campaign'), ('national', 'National registry')], max_length=10)),
                        ('as_of', models.DateField(blank=True, help_text='National lists: the date of the registry copy.', null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'verbose_name': 'Do-Not-Call list',
                        'ordering': ['kind', 'name'],
                        'constraints': [
                            models.UniqueConstraint(condition=models.Q(('kind', 'internal')), fields=('kind',), name='one_internal_dnc_list'),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name='DncEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('phone', crm.phones.PhoneNumberField()),
                        ('source', models.CharField(choices=SOURCES, max_length=20)),
                        ('reason', models.CharField(blank=True, max_length=255)),
                        ('added_at', models.DateTimeField(auto_now_add=True)),
                        ('added_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('dnc_list', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='entries', to='crm.dnclist')),
                    ],
                    options={
                        'verbose_name': 'Do-Not-Call entry',
                        'verbose_name_plural': 'Do-Not-Call entries',
                        'ordering': ['-added_at', '-id'],
                        'indexes': [models.Index(fields=['phone'], name='dnc_entry_phone')],
                        'constraints': [
                            models.UniqueConstraint(fields=('dnc_list', 'phone'), name='dnc_number_once_per_list'),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name='DncChange',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('phone', crm.phones.PhoneNumberField()),
                        ('action', models.CharField(choices=[('add', 'Added'), ('remove', 'Removed')], max_length=6)),
                        ('source', models.CharField(choices=SOURCES, max_length=20)),
                        ('reason', models.CharField(blank=True, max_length=255)),
                        ('at', models.DateTimeField(auto_now_add=True)),
                        ('by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('dnc_list', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='changes', to='crm.dnclist')),
                    ],
                    options={
                        'verbose_name': 'Do-Not-Call change',
                        'ordering': ['-at', '-id'],
                        'indexes': [models.Index(fields=['phone', '-at'], name='dnc_change_phone')],
                    },
                ),
            ],
        ),
    ]
