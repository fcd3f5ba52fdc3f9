"""Drop the plain invitation tokens; every row has its digest now (0002)."""

from django.db import migrations, models

import apps.accounts.models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_invitation_token_hash")]

    operations = [
        migrations.RemoveField(model_name="invitation", name="token"),
        migrations.AlterField(
            model_name="invitation",
            name="token_hash",
            field=models.CharField(
                default=apps.accounts.models._unknown_token_digest,
                editable=False,
                max_length=64,
                unique=True,
            ),
        ),
    ]
