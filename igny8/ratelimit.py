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
    """Count one `action` by this client address; False once it passed `amount` per window.

    Fixed windows of `seconds`: cheap (one add and one increment) at the cost of letting up to
    twice `amount` through around a window's edge, which is fine for slowing down enumeration.
    """
    window = int(time.time() // seconds)
    key = f"{RATE_LIMIT_PREFIX}{action}:{client_address(request)}:{window}"
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=seconds)
        count = 1
    return count <= amount
