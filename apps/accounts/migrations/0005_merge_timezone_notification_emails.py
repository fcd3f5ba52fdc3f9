# Joins the two 0004 branches (workspace timezone from the schedule part, e-mail opt-ins from
# the notifications part); no operations of its own.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_account_timezone"),
        ("accounts", "0004_user_notification_emails"),
    ]

    operations = []
