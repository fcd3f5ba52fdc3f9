"""The per-schema change log and its trigger functions (apps/accounts/change_log.py)."""

from django.db import migrations

from apps.accounts.change_log import CREATE_SQL, DROP_SQL


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_schema_fingerprint"),
    ]

    operations = [migrations.RunSQL(CREATE_SQL, DROP_SQL)]
