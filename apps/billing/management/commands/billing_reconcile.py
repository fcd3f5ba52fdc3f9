"""Prove every account's credit balance equals the sum of its ledger; exit 1 on a mismatch.

Meant for cron or a deploy check: silent success is one line, each mismatch is a line on
stderr naming the account and both figures of the pool that is off.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from apps.accounts.models import Account
from apps.billing.credits import reconcile


class Command(BaseCommand):
    help = "Check that every account's credit balance equals the sum of its ledger rows."

    def handle(self, *args, **options) -> None:
        accounts = (
            Account.objects.filter(Q(credits__isnull=False) | Q(ledger__isnull=False))
            .distinct()
            .order_by("slug")
        )
        checked = 0
        mismatched = 0
        for account in accounts.iterator():
            checked += 1
            result = reconcile(account)
            if result.ok:
                continue
            mismatched += 1
            self.stderr.write(
                f"{account.slug} ({account.name}): "
                f"plan {result.plan_balance}, ledger {result.plan_ledger}; "
                f"bonus {result.bonus_balance}, ledger {result.bonus_ledger}"
            )
        if mismatched:
            raise CommandError(
                f"{mismatched} account{'s' if mismatched != 1 else ''} of {checked} "
                "do not match the ledger."
            )
        self.stdout.write(
            f"Checked {checked} account{'s' if checked != 1 else ''}: "
            "all balances match the ledger."
        )
