"""Trigram indexes for the search box on PostgreSQL (substring matches at millions of rows).

The expressions match what Django's icontains/contains compile to, so the planner uses
them. SQLite has no such index type; there the searches scan, which is fine at its scale.
"""

from django.db import migrations

INDEXES = [
    ("crm_customer_name_trgm", "crm_customer", 'UPPER("name"::text) gin_trgm_ops'),
    ("crm_customer_email_trgm", "crm_customer", 'UPPER("email"::text) gin_trgm_ops'),
    ("crm_emailaddress_email_trgm", "crm_emailaddress", 'UPPER("email"::text) gin_trgm_ops'),
    ("crm_phonenumber_number_trgm", "crm_phonenumber", '"number" gin_trgm_ops'),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("crm", "0002_customer_is_lead")]

    operations = [migrations.RunPython(create, drop)]
