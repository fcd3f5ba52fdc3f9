"""Every table of an existing workspace schema gets the change trigger (apps/accounts/change_log.py).
Tables that later migrations add get theirs from the migration command, after it runs them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("workspace", "0006_notification_publish_done"),
        ("accounts", "0007_schema_change_log"),
    ]

    operations = [
        migrations.RunSQL(
            "SELECT public.igny8_watch_schema(current_schema())",
            migrations.RunSQL.noop,
        )
    ]
