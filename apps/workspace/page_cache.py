"""Whole answers of the busiest read pages, kept in memory until anything they show changes.

A list page spends most of its CPU on its queries and on rendering rows, the same rows again
and again between two changes. `cached_page` keeps a page's answer in this process and gives it
back while nothing it was made from has changed. An answer is found by everything it depends on:

- the workspace schema's **version** (apps/accounts/change_log.py), which every committed write
  to any of its tables moves forward (the ORM, raw SQL, a worker on another host, psql);
- the public rows a page shows, as read this request anyway by the middleware: the workspace,
  the person (name, e-mail, staff), the membership (role), the plan state with its subscription
  and plan, and the credit balance row (read in the same statement as the version);
- the request: host, path and query, the `HX-*` headers, `Accept`, the site chosen in the
  session; and the settings (a test's override starts afresh).

What differs between two answers of the same page is put in at the last moment: the CSRF token
(every browser its own) and the CSP nonce. Never cached: answers other than a plain 200 HTML
page, a request with flash messages waiting (the page shows them), a request whose transaction
has already written (it sees rows nobody else does yet), an answer that sets a cookie or changes
the session. An answer also expires after `IGNY8_PAGE_CACHE_SECONDS` (the bound on any text
that depends on the clock), and the store keeps at most `IGNY8_PAGE_CACHE_MB` per process,
least recently used first out. 0 seconds turns it off.

Each process keeps its own: nothing to share or invalidate between hosts, since the key itself
says whether an answer is current. A new deploy starts empty (templates may have changed).
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.signals import setting_changed
from django.db import connection
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import _unmask_cipher_token, get_token

from apps.accounts.change_log import COMPACT_AFTER, TABLE, compact
from apps.billing.models import CreditBalance
from apps.workspace.context import SESSION_KEY

View = Callable[..., HttpResponse]

CSRF_MARK = b"\x00igny8-csrf\x00"
NONCE_MARK = b"\x00igny8-nonce\x00"
# A masked CSRF token as templates write it: 64 letters and digits in double quotes (the
# `{% csrf_token %}` field's value, base.html's hx-headers; a test holds every template to it).
# Looking only behind a quote scans a 100 KB page in 0.1 ms instead of 1.6.
TOKEN_RE = re.compile(rb'"([A-Za-z0-9]{64})"')
HEADER = "X-Page-Cache"  # hit, miss or bypass: what happened to this answer

_generation = 0  # moved by every settings change (tests' overrides)


@receiver(setting_changed)
def _settings_changed(**kwargs) -> None:
    global _generation
    _generation += 1


@dataclass(frozen=True)
class Entry:
    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes
    csrf: bool
    nonce: bool
    expires: float

    @property
    def size(self) -> int:
        return len(self.content) + 512

    def answer(self, request: HttpRequest) -> HttpResponse:
        content = self.content
        if self.csrf:
            content = content.replace(CSRF_MARK, get_token(request).encode())
        if self.nonce:
            content = content.replace(NONCE_MARK, str(request._csp_nonce).encode())
        response = HttpResponse(content, status=self.status)
        for name, value in self.headers:
            response[name] = value
        return response


class Store:
    """Answers by key, least recently used first out once over `limit` bytes."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.expires <= time.monotonic():
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: Entry, limit: int) -> None:
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = entry
            self._bytes += entry.size
            while self._bytes > limit and self._entries:
                self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def _drop(self, key: tuple) -> None:
        self._bytes -= self._entries.pop(key).size


store = Store()


def _row(obj: object | None) -> str:
    """Every field of a loaded row, as text: any change to it makes another key."""
    if obj is None:
        return ""
    obj = getattr(obj, "_wrapped", obj)  # request.user is a lazy object
    return repr(sorted((k, v) for k, v in vars(obj).items() if not k.startswith("_")))


@dataclass(frozen=True)
class Probe:
    version: tuple[int, int]
    rows: int
    balance: str


def _probe(request: HttpRequest) -> Probe | None:
    """The schema's version and the balance row, in one statement; None when this request
    must not use the cache (its transaction has written)."""
    balance = connection.ops.quote_name(CreditBalance._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT v.total, v.last, v.rows, pg_current_xact_id_if_assigned() IS NOT NULL,
                   b.plan_credits, b.bonus_credits, b.updated
            FROM (SELECT coalesce(sum(weight), 0) AS total, coalesce(max(id), 0) AS last,
                         count(*) AS rows
                  FROM {TABLE} WHERE schema_name = %s) v
            LEFT JOIN public.{balance} b ON b.account_id = %s
            """,
            [request.account.schema_name, request.account.pk],
        )
        total, last, rows, wrote, plan_credits, bonus_credits, updated = cursor.fetchone()
    if plan_credits is not None:
        # The header and the dashboard show them without reading them again.
        request.credits_seen = plan_credits + bonus_credits
        request.credit_pools_seen = (plan_credits, bonus_credits)
    if wrote:
        return None
    return Probe(
        version=(total, last), rows=rows, balance=f"{plan_credits}/{bonus_credits}/{updated}"
    )


def _key(request: HttpRequest, probe: Probe, view: str) -> tuple:
    account = request.account
    state = getattr(request, "plan_state", None)
    subscription = getattr(state, "subscription", None)
    plan = subscription._state.fields_cache.get("plan") if subscription is not None else None
    hx = tuple(sorted((k, v) for k, v in request.META.items() if k.startswith("HTTP_HX_")))
    return (
        view,
        _generation,
        account.schema_name,
        probe.version,
        probe.balance,
        request.get_host(),
        request.is_secure(),
        request.get_full_path(),
        request.META.get("HTTP_ACCEPT", ""),
        hx,
        request.session.get(SESSION_KEY.format(schema=account.schema_name)),
        _row(account),
        _row(request.user),
        _row(getattr(request, "membership", None)),
        repr(state),
        _row(subscription),
        _row(plan),
    )


def _entry(request: HttpRequest, response: HttpResponse, seconds: int) -> Entry | None:
    """What to keep of the view's answer, or None when it must not be kept."""
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or not response.get("Content-Type", "").startswith("text/html")
        or request.session.modified
    ):
        return None
    content = response.content
    csrf = False
    secret = request.META.get("CSRF_COOKIE")
    if secret:
        tokens = {match for match in TOKEN_RE.findall(content) if _unmasks_to(match, secret)}
        for token in tokens:
            content = content.replace(token, CSRF_MARK)
        csrf = bool(tokens)
    nonce = getattr(request, "_csp_nonce", None)
    used_nonce = bool(nonce)
    if used_nonce:
        content = content.replace(str(nonce).encode(), NONCE_MARK)
    headers = tuple(
        (name, value)
        for name, value in response.headers.items()
        if name.lower() not in ("content-length", "set-cookie")
    )
    return Entry(
        status=response.status_code,
        headers=headers,
        content=content,
        csrf=csrf,
        nonce=used_nonce,
        expires=time.monotonic() + seconds,
    )


def _unmasks_to(token: bytes, secret: str) -> bool:
    try:
        return _unmask_cipher_token(token.decode()) == secret
    except Exception:  # noqa: BLE001  not a token after all
        return False


def _usable(request: HttpRequest) -> bool:
    if request.method != "GET" or not getattr(request, "is_workspace", False):
        return False
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    # Waiting flash messages belong in this answer only (counting them does not use them up).
    return not len(messages.get_messages(request))


def cached_page(view: View) -> View:
    """Answer a read page from the store while nothing it shows has changed (module doc)."""
    name = f"{view.__module__}.{view.__qualname__}"

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        seconds = getattr(settings, "IGNY8_PAGE_CACHE_SECONDS", 0)
        probe = _probe(request) if seconds > 0 and _usable(request) else None
        if probe is None:
            response = view(request, *args, **kwargs)
            response[HEADER] = "bypass"
            return response
        key = _key(request, probe, name)
        entry = store.get(key)
        if entry is not None:
            response = entry.answer(request)
            response[HEADER] = "hit"
            return response
        response = view(request, *args, **kwargs)
        entry = _entry(request, response, seconds)
        if entry is not None:
            store.put(key, entry, getattr(settings, "IGNY8_PAGE_CACHE_MB", 32) * 1024 * 1024)
        response[HEADER] = "miss" if entry is not None else "bypass"
        if probe.rows > COMPACT_AFTER and not connection.in_atomic_block:
            compact(request.account.schema_name)
        return response

    return wrapped
