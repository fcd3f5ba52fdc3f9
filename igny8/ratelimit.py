"""Rate limits of our own, per client address. allauth counts logins, signups and mails itself.

The counters live in the default cache under `igny8.cache.RATE_LIMIT_PREFIX`, a prefix the
cache key function keeps out of the workspace schema: a limit counts the same on every host.
"""

from __future__ import annotations

import ipaddress
import time

from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.http import HttpRequest

from igny8.cache import RATE_LIMIT_PREFIX


def client_address(request: HttpRequest) -> str:
    """The client's IP address as allauth sees it (so its proxy settings apply here too).

    IPv6 addresses count per /64, as allauth's do: one connection usually holds a whole /64,
    so counting single addresses would be no limit at all.
    """
    ip = get_adapter(request).get_client_ip(request)
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False).network_address)
    return ip


def rate_limit_hit(request: HttpRequest, *, action: str, amount: int, seconds: int) -> bool:
    """Count one `action` by this client address; False once it passed `amount` per window."""
    return not limit_count(f"{action}:{client_address(request)}", amount=amount, seconds=seconds)


def limit_count(bucket: str, *, amount: int, seconds: int) -> int:
    """Count one call in `bucket` (any caller's key: an address, an API key id); 0 while it
    stays within `amount` per window, else the seconds until the window ends (`Retry-After`).

    Fixed windows of `seconds`: cheap (one add and one increment) at the cost of letting up to
    twice `amount` through around a window's edge, which is fine for slowing down enumeration.
    """
    now = time.time()
    window = int(now // seconds)
    key = f"{RATE_LIMIT_PREFIX}{bucket}:{window}"
    cache.add(key, 0, timeout=seconds)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=seconds)
        used = 1
    if used <= amount:
        return 0
    return max(1, int((window + 1) * seconds - now + 0.999))
