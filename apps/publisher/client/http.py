"""One WordPress REST call, the way every adapter makes it.

- Through the egress guard (`igny8.egress`): no redirects, the checked address is the one
  connected to, answers bounded in size, private addresses closed unless the operator opens
  them.
- Time: each try waits at most `WP_TIMEOUT_SECONDS`; the whole call, retries and waits
  included, ends by `WP_CALL_DEADLINE_SECONDS` (or the caller's deadline if earlier).
- Retries: a call that may be repeated safely (`idempotent=True`: reads, and the plugin's
  publish, which is an upsert by our content id) is retried after a timeout, a dropped
  connection, 429 or 5xx, at most `WP_MAX_RETRIES` times with backoff (0.5 s doubling, a
  server's Retry-After honoured up to 30 s). A call that is not (WordPress core's "create
  post") is retried only when it surely never arrived (the connection was refused); after
  anything else the caller learns the outcome is unknown and looks before trying again.
- Pretty permalinks: routes are called at `/wp-json/<route>`; a 404 or an HTML page there
  means pretty permalinks are off (or `/wp-json/` is blocked), so the call is made again at
  `/?rest_route=<route>`, and the style that worked is remembered for the site (a day).
- What comes back: an `Answer` for 2xx and 4xx (the adapter knows what a 401 or 404 means
  for it); every other failure is a `PublishError` in plain words.
"""

from __future__ import annotations

import json
import logging
import random
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from hashlib import sha256
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from django.conf import settings
from django.core.cache import cache

from apps.publisher.client import errors
from apps.publisher.client.errors import PublishError
from igny8 import deadlines
from igny8.egress import EgressError, ResponseTooLarge, peer_words, tenant_policy, url_check
from igny8.egress import client as egress_client

log = logging.getLogger("wordpress_api")

MAX_RESPONSE_BYTES = 8 * 1024 * 1024
BACKOFF_START = 0.5
BACKOFF_MAX = 8.0
MAX_RETRY_AFTER = 30.0
STYLE_TTL = 24 * 3600
USER_AGENT = "IGNY8-Publisher/1.0 (+https://igny8.com)"

# Signs one call: (method, route, body) -> headers.
Signer = Callable[[str, str, bytes], dict[str, str]]


def setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


@dataclass
class Answer:
    status: int
    data: Any  # the parsed JSON body, or None when the body was not JSON
    headers: httpx.Headers
    seconds: float

    @property
    def code(self) -> str:
        return str(self.data.get("code", "")) if isinstance(self.data, dict) else ""

    @property
    def message(self) -> str:
        if isinstance(self.data, dict):
            return peer_words(self.data.get("message", ""))
        return ""


def parse_json(raw: bytes) -> Any:
    """The JSON in a body, tolerating PHP notices printed before it (a common sight on hosts
    with display_errors on); None when there is none."""
    text = raw.decode("utf-8", "replace").strip().lstrip("\ufeff")
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    for opener in ('\n{"', "\n[", '{"'):
        at = text.find(opener)
        if at > 0:
            try:
                return json.loads(text[at:].strip())
            except ValueError:
                continue
    return None


def _tls_failure(exc: BaseException) -> bool:
    seen = exc
    for _ in range(6):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        if "SSL" in type(seen).__name__ or "[SSL" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class WordPressHTTP:
    """Calls to one WordPress site's REST API. Not thread-safe; one per publish or test."""

    def __init__(
        self,
        wp_url: str,
        *,
        signer: Signer | None = None,
        headers: dict[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base = wp_url.strip().rstrip("/")
        self.host = urlsplit(self.base).netloc or self.base
        self.signer = signer
        self.timeout = setting("WP_TIMEOUT_SECONDS", 30)
        self.deadline = setting("WP_CALL_DEADLINE_SECONDS", 120)
        self.max_retries = int(setting("WP_MAX_RETRIES", 2))
        policy = tenant_policy(max_bytes=MAX_RESPONSE_BYTES)
        try:
            url_check(self.base, policy)
        except EgressError as exc:
            raise PublishError(exc.message, code="refused_address") from None
        self.http = egress_client(
            policy,
            timeout=self.timeout,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})},
            transport=transport,
        )
        self.style_key = "wp-rest-style:" + sha256(self.base.encode()).hexdigest()[:32]
        self.wp_seconds = 0.0  # time spent waiting on WordPress, over every call
        self.calls = 0

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> WordPressHTTP:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- addresses -----------------------------------------------------------------------

    def url(self, route: str, query: dict | None, style: str) -> str:
        query = {k: v for k, v in (query or {}).items() if v is not None}
        if style == "plain":
            return f"{self.base}/?{urlencode({'rest_route': route, **query})}"
        return f"{self.base}/wp-json{route}" + (f"?{urlencode(query)}" if query else "")

    def style(self) -> str:
        return cache.get(self.style_key) or "pretty"

    # --- the call --------------------------------------------------------------------------

    def call(
        self,
        method: str,
        route: str,
        *,
        json_body: Any = None,
        body: bytes | None = None,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
        query: dict | None = None,
        idempotent: bool | None = None,
    ) -> Answer:
        """Make the call (retried and re-routed as the module says); an Answer for 2xx/4xx."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "OPTIONS")
        if json_body is not None:
            body = json.dumps(json_body, separators=(",", ":")).encode()
            content_type = "application/json"
        with deadlines.within(self.deadline):
            style = self.style()
            answer = self._tries(
                method, route, body, content_type, headers, query, style, idempotent
            )
            if style == "pretty" and self._not_rest(answer):
                plain = self._tries(
                    method, route, body, content_type, headers, query, "plain", idempotent
                )
                if not self._not_rest(plain):
                    cache.set(self.style_key, "plain", STYLE_TTL)
                    return plain
                raise self._no_api(answer, plain)
            if style == "plain" and self._not_rest(answer):
                cache.delete(self.style_key)
                raise self._no_api(answer)
            return answer

    def _no_api(self, *answers: Answer) -> PublishError:
        for answer in answers:
            if answer.status in (401, 403):
                # A page, not WordPress's JSON: something in front of WordPress said no.
                return errors.blocked(self.host, answer.status)
        return errors.not_wordpress(self.host)

    @staticmethod
    def _not_rest(answer: Answer) -> bool:
        """An answer that did not come from the REST API: a 404 page, or any non-JSON body
        (the site's home page served for an unknown path)."""
        if answer.data is None:
            return True
        return answer.status == 404 and not answer.code.startswith("rest_") and not answer.code

    def _tries(
        self,
        method: str,
        route: str,
        body: bytes | None,
        content_type: str | None,
        headers: dict[str, str] | None,
        query: dict | None,
        style: str,
        idempotent: bool,
    ) -> Answer:
        retried = 0
        while True:
            failure: PublishError
            wait_hint: float | None = None
            try:
                answer = self._once(method, route, body, content_type, headers, query, style)
            except PublishError as exc:
                failure = exc
                # A connection refused never reached WordPress: safe to repeat any call.
                may_repeat = idempotent or (exc.code == "unreachable" and not exc.outcome_unknown)
                if not (exc.retryable and may_repeat):
                    raise
            else:
                if answer.status == 429:
                    failure = errors.throttled(self.host)
                    wait_hint = _retry_after(answer.headers)
                elif answer.status == 409 and idempotent:
                    # The plugin is still saving this article for an earlier call of ours
                    # (a retry that overtook its timed-out first try): wait, then repeat.
                    failure = refusal_busy(self.host)
                    wait_hint = _retry_after(answer.headers)
                elif answer.status >= 500:
                    failure = errors.server_error(self.host, answer.status)
                    if not idempotent:
                        # WordPress may have made the post before it failed.
                        failure.outcome_unknown = True
                        raise failure
                    wait_hint = _retry_after(answer.headers)
                else:
                    return answer
                if not idempotent and answer.status not in (429, 409):
                    raise failure
            wait = self._wait(retried, wait_hint)
            if wait is None:
                raise failure
            log.info(
                "%s %s on %s: %s; retry %d in %.1fs",
                method,
                route,
                self.host,
                failure.code,
                retried + 1,
                wait,
            )
            time.sleep(wait)
            retried += 1

    def _wait(self, retried: int, hint: float | None) -> float | None:
        if retried >= self.max_retries:
            return None
        if hint is not None and hint > MAX_RETRY_AFTER:
            return None
        wait = (
            hint if hint is not None and hint > 0 else min(BACKOFF_START * 2**retried, BACKOFF_MAX)
        )
        wait *= 1 - 0.25 * random.random()  # noqa: S311 (jitter, not a secret)
        left = deadlines.remaining()
        if left is not None and left - wait < 1.0:
            return None
        return wait

    def _once(
        self,
        method: str,
        route: str,
        body: bytes | None,
        content_type: str | None,
        headers: dict[str, str] | None,
        query: dict | None,
        style: str,
    ) -> Answer:
        sent = dict(headers or {})
        if content_type:
            sent["Content-Type"] = content_type
        if self.signer is not None:
            sent.update(self.signer(method, route, body or b""))
        url = self.url(route, query, style)
        started = time.monotonic()
        left = deadlines.remaining()
        if left is not None and left < 0.5:
            raise errors.timed_out(self.host, self.deadline, sent=False)
        self.calls += 1
        try:
            response = self.http.request(method, url, content=body, headers=sent)
            raw = response.read()
        except httpx.ConnectTimeout:
            raise errors.timed_out(self.host, self.timeout, sent=False) from None
        except httpx.TimeoutException:
            raise errors.timed_out(self.host, time.monotonic() - started, sent=True) from None
        except (ResponseTooLarge, httpx.DecodingError):
            # Too big, or a compressed answer that does not unpack: either way not the JSON
            # WordPress sends, said in the same words rather than as a traceback.
            raise errors.bad_answer(self.host) from None
        except EgressError as exc:
            raise PublishError(exc.message, code="refused_address") from None
        except httpx.ConnectError as exc:
            if _tls_failure(exc):
                raise errors.tls(self.host) from None
            raise errors.unreachable(self.host, "the connection was refused") from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            if _tls_failure(exc):
                raise errors.tls(self.host) from None
            failure = errors.unreachable(self.host, "the connection was dropped")
            failure.outcome_unknown = True
            raise failure from None
        finally:
            self.wp_seconds += time.monotonic() - started
        seconds = time.monotonic() - started
        log.info(
            "%s %s on %s → %s in %.0f ms",
            method,
            route,
            self.host,
            response.status_code,
            seconds * 1000,
        )
        if 300 <= response.status_code < 400:
            raise errors.redirected(self.host, response.headers.get("location", ""))
        return Answer(
            status=response.status_code,
            data=parse_json(raw),
            headers=response.headers,
            seconds=seconds,
        )


def refusal_busy(host: str) -> PublishError:
    return PublishError(
        f"{host} is saving this article in another call right now. We will try again in a moment.",
        code="busy",
        retryable=True,
        http_status=409,
    )


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None
