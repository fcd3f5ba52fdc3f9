"""The WordPress secrets a workspace keeps (a plugin connection key, an Application Password),
re-encrypted under the newest master key by `manage.py secrets_rotate`, beside the AI
provider key: once the command has run, the older master keys (and the shared key of earlier
versions) can be removed without a site losing its connection."""

from __future__ import annotations

from django.db import transaction

from apps.publisher.models import Connection
from apps.workspace.services.ai_settings import SecretsRotation
from igny8.ai.crypto import reencrypt

SECRET_FIELDS = ("key_secret", "app_password")


@transaction.atomic
def connection_secrets_rotate() -> SecretsRotation:
    """Re-encrypt the current workspace's WordPress secrets under the newest master key (one
    count per secret). Idempotent; nothing else on a connection changes (not its `updated`)."""
    changed: list[Connection] = []
    rotated = current = unreadable = 0
    for connection in Connection.objects.select_for_update().order_by("pk"):
        moved = False
        for field in SECRET_FIELDS:
            token = getattr(connection, field)
            if not token:
                continue
            new = reencrypt(token)
            if new is None:
                unreadable += 1
            elif new == token:
                current += 1
            else:
                setattr(connection, field, new)
                rotated += 1
                moved = True
        if moved:
            changed.append(connection)
    Connection.objects.bulk_update(changed, list(SECRET_FIELDS))
    return SecretsRotation(rotated=rotated, current=current, unreadable=unreadable)
