"""Cache keys: workspace data per schema, counts about people and client addresses global.

django-tenants prefixes every key with the current schema, so a workspace's cached data
never leaks into another's. Rate limits must not be split that way: users live in `public`
and sign in on any host, and anyone can make a new workspace (a new host), so a limit counted
per schema is a fresh allowance per host. Keys that count attempts by a person, an email
address or a client address are therefore kept under one prefix shared by every host.
"""

from __future__ import annotations

from django_tenants.cache import make_key as schema_make_key
from django_tenants.cache import reverse_key

__all__ = ["GLOBAL_SCOPE", "RATE_LIMIT_PREFIX", "make_key", "reverse_key"]

# Our own rate limits (igny8/ratelimit.py) use this prefix.
RATE_LIMIT_PREFIX = "igny8:rl:"
# allauth keeps only rate-limit counters (and their locks) in the cache, all under "allauth:"
# (allauth/core/internal/ratelimit.py: "allauth:rl:<app>:<action>:<rate>:<ip|user|key hash>").
GLOBAL_KEY_PREFIXES = ("allauth:", RATE_LIMIT_PREFIX)
# Stands where the schema name would: no schema is called this (workspaces are "ws_…").
GLOBAL_SCOPE = "global"


def make_key(key: str, key_prefix: str, version: int) -> str:
    """The schema-prefixed key of django-tenants, except for rate-limit keys (global)."""
    if str(key).startswith(GLOBAL_KEY_PREFIXES):
        return f"{GLOBAL_SCOPE}:{key_prefix}:{version}:{key}"
    return schema_make_key(key, key_prefix, version)
