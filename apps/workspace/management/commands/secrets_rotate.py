"""Re-encrypt every workspace's stored secrets under the newest master key.

Run after putting a new key first in IGNY8_ENCRYPTION_KEY (and once after upgrading to
per-workspace keys); then the older keys can be removed. Safe to run again: what is already
under the newest key is left alone. Secrets no configured key can read are counted and named,
never changed: their owners enter them again (Settings → AI provider; Publisher → WordPress).

The secrets: the AI provider key, and each site's WordPress connection key and Application
Password.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django_tenants.utils import schema_context, schema_exists

from apps.accounts.models import Account
from apps.workspace.services.ai_settings import ai_secrets_rotate
from igny8.words import counted


class Command(BaseCommand):
    help = (
        "Re-encrypt every workspace's stored secrets (AI provider keys, WordPress connection "
        "keys and Application Passwords) under the newest key."
    )

    def handle(self, *args, **options) -> None:
        # The publisher builds on the workspace app, not the other way round: imported here,
        # where every stored secret is gathered.
        from apps.publisher.services.secrets import connection_secrets_rotate

        # System accounts (public, the template) hold no workspace's secrets.
        workspaces = Account.objects.filter(is_system=False)
        checked = rotated = current = unreadable = 0
        for account in workspaces.order_by("slug").iterator():
            if not schema_exists(account.schema_name):
                continue
            with schema_context(account.schema_name):
                ai = ai_secrets_rotate()
                wordpress = connection_secrets_rotate()
            checked += 1
            for result in (ai, wordpress):
                rotated += result.rotated
                current += result.current
                unreadable += result.unreadable
            where = f"{account.slug} ({account.name})"
            if ai.unreadable:
                self.stderr.write(
                    f"{where}: {counted(ai.unreadable, 'secret')} no configured key can read; "
                    "enter them again under Settings → AI provider."
                )
            if wordpress.unreadable:
                self.stderr.write(
                    f"{where}: {counted(wordpress.unreadable, 'WordPress secret')} no configured "
                    "key can read; connect those sites again under Publisher → WordPress."
                )
        self.stdout.write(
            f"Checked {counted(checked, 'workspace')}: {rotated:,} re-encrypted under the newest "
            f"key, {current:,} already current, {unreadable:,} unreadable."
        )
