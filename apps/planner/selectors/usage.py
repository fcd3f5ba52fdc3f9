"""Reads of the planner, scoped to what the member may see."""

from __future__ import annotations

from django_tenants.utils import schema_context

from apps.accounts.models import Account
from apps.planner.models import Keyword


def keyword_count_for_account(account: Account) -> int:
    """Live keywords in the workspace (what the plan's keyword limit counts)."""
    with schema_context(account.schema_name):
        return Keyword.objects.alive().count()
