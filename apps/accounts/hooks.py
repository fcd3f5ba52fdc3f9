"""What the shared accounts app asks of a workspace's apps, without importing them.

Accounts lives in the `public` schema and is loaded on every host; the sites, site grants,
notifications and automation schedules it has to touch (an invitation's site grants, a
removed member's grants, the workspace's timezone) live in the workspace apps, which build
on accounts. So those apps hand accounts the functions at ready() (WorkspaceConfig,
ScheduleConfig) and accounts calls them here: the layers hold and each rule stays in the
app that owns its tables.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from apps.accounts.models import Account, Invitation, User

_hooks: dict[str, Callable[..., Any]] = {}

SITE_IDS_EXISTING = "site_ids_existing"  # (account, site_ids) -> the ids that name a site
SITE_ACCESS_GRANT = "site_access_grant"  # (account, user, site_ids) -> None
SITE_ACCESS_REVOKE = "site_access_revoke"  # (account, user) -> None: every grant of the user
INVITATION_ACCEPTED = "invitation_accepted"  # (invitation, user) -> None: tell the team
NOTIFICATION_KINDS = "notification_kinds"  # () -> [(value, label)]
TIMEZONE_CHANGED = "timezone_changed"  # (account) -> how many schedules were re-timed
NAMES = (
    SITE_IDS_EXISTING,
    SITE_ACCESS_GRANT,
    SITE_ACCESS_REVOKE,
    INVITATION_ACCEPTED,
    NOTIFICATION_KINDS,
    TIMEZONE_CHANGED,
)


def register(name: str, func: Callable[..., Any]) -> None:
    if name not in NAMES:
        raise ValueError(f"Accounts has no hook called {name!r}.")
    _hooks[name] = func


def _call(name: str, *args: Any) -> Any:
    func = _hooks.get(name)
    if func is None:  # an app that should have filled it in is not installed or not ready
        raise RuntimeError(f"No app registered the accounts hook {name!r} at ready().")
    return func(*args)


def site_ids_existing(account: Account, site_ids: list[int]) -> list[int]:
    return _call(SITE_IDS_EXISTING, account, site_ids) if site_ids else []


def site_access_grant(account: Account, user: User, site_ids: list[int]) -> None:
    _call(SITE_ACCESS_GRANT, account, user, site_ids)


def site_access_revoke(account: Account, user: User) -> None:
    _call(SITE_ACCESS_REVOKE, account, user)


def invitation_accepted(invitation: Invitation, user: User) -> None:
    _call(INVITATION_ACCEPTED, invitation, user)


def notification_kinds() -> list[tuple[str, str]]:
    return _call(NOTIFICATION_KINDS)


def timezone_changed(account: Account) -> int:
    return _call(TIMEZONE_CHANGED, account)
