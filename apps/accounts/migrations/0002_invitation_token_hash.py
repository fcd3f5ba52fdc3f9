"""Invitation tokens are kept as SHA-256 digests: add the column and hash the existing tokens
in place, so invitations already emailed keep working (their links carry the plain token)."""

import hashlib

from django.db import migrations, models


def hash_tokens(apps, schema_editor) -> None:
    Invitation = apps.get_model("accounts", "Invitation")
    rows = list(Invitation.objects.only("pk", "token"))
    for row in rows:
        row.token_hash = hashlib.sha256(row.token.encode()).hexdigest()
    Invitation.objects.bulk_update(rows, ["token_hash"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="token_hash",
            field=models.CharField(max_length=64, null=True, editable=False),
        ),
        # No way back: the plain tokens are gone once hashed (that is the point).
        migrations.RunPython(hash_tokens, elidable=False),
    ]
