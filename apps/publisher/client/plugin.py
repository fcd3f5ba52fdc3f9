"""The IGNY8 Bridge adapter: signed calls to the plugin's routes under `igny8/v1`.

Every call carries the key id and an HMAC of method, route, timestamp, nonce and body
(`apps.publisher.signing`); the plugin refuses a stale or replayed signature. `publish` is an
upsert by our content id on the WordPress side (post meta `_igny8_content_id`), so repeating it
after a timeout updates the post the first try made: the call is retried like a read.
"""

from __future__ import annotations

from typing import Any

import httpx

from apps.publisher import signing
from apps.publisher.client import errors
from apps.publisher.client.base import (
    MIN_PLUGIN_VERSION,
    Published,
    StatusReport,
    as_int,
    names,
    refusal,
    unwrap,
    version_tuple,
)
from apps.publisher.client.http import Answer, WordPressHTTP
from igny8.egress import peer_words

NAMESPACE = "/igny8/v1"


class PluginAdapter:
    name = "plugin"

    def __init__(
        self, wp_url: str, key: str, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        if not key:
            raise errors.revoked()
        self.key = key
        self.http = WordPressHTTP(wp_url, signer=self._sign, transport=transport)
        self.host = self.http.host

    def _sign(self, method: str, route: str, body: bytes) -> dict[str, str]:
        return signing.signed_headers(self.key, method, route, body)

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, route: str, **kwargs: Any) -> Any:
        answer: Answer = self.http.call(method, NAMESPACE + route, **kwargs)
        if answer.status >= 400:
            raise refusal(self.host, answer, adapter=self.name)
        data = unwrap(answer.data)
        if not isinstance(data, dict):
            raise errors.bad_answer(self.host)
        return data

    def status(self, *, callback: bool = True) -> StatusReport:
        """The plugin's versions and what the site has. With `callback`, the plugin calls our
        API's connection test while answering, proving the other direction in one go."""
        if callback:
            data = self._call("POST", "/status", json_body={"callback": True}, idempotent=True)
        else:
            data = self._call("GET", "/status")
        version = str(data.get("plugin_version") or data.get("version") or "")
        if version_tuple(version) < version_tuple(MIN_PLUGIN_VERSION):
            raise errors.plugin_too_old(self.host, version, MIN_PLUGIN_VERSION)
        seo = data.get("seo_plugin") or data.get("seo") or ""
        if isinstance(seo, list):
            seo = ", ".join(str(s) for s in seo)
        return StatusReport(
            plugin_version=version[:20],
            wp_version=str(data.get("wp_version") or data.get("wordpress_version") or "")[:20],
            php_version=str(data.get("php_version") or "")[:20],
            seo_plugin=str(seo)[:40],
            post_types=names(data.get("post_types")),
            taxonomies=names(data.get("taxonomies")),
            site_name=str(data.get("site_name") or data.get("name") or "")[:200],
            callback=_callback(data.get("callback")),
        )

    def publish(self, payload: dict, *, remote_id: int | None = None) -> Published:
        # An upsert by content id: safe to repeat (see the module's docstring).
        if remote_id:
            # The post we know it by, for a plugin that can adopt a post made another way
            # (through the core adapter before the plugin was installed).
            payload = {**payload, "post_id": remote_id}
        data = self._call("POST", "/publish", json_body=payload, idempotent=True)
        post_id = as_int(data.get("post_id") or data.get("id"))
        if post_id is None:
            raise errors.bad_answer(self.host)
        terms = data.get("term_ids") or data.get("terms") or {}
        media = data.get("media") or data.get("attachments") or {}
        return Published(
            remote_id=post_id,
            url=str(data.get("permalink") or data.get("url") or data.get("link") or "")[:500],
            status=str(data.get("status") or data.get("post_status") or payload.get("status", ""))[
                :12
            ],
            term_ids=terms if isinstance(terms, dict) else {"ids": terms},
            media=media if isinstance(media, dict) else {},
            created=bool(data.get("created", remote_id is None)),
        )

    def unpublish(self, *, content_id: int, remote_id: int | None, post_type: str = "post") -> str:
        data = self._call(
            "POST",
            "/unpublish",
            json_body={"content_id": content_id, "post_id": remote_id, "mode": "draft"},
            idempotent=True,
        )
        return str(data.get("status") or "draft")[:12]

    def structure(self) -> dict:
        """What the site has (post types, taxonomies, categories, tags)."""
        return self._call("GET", "/site-structure")


def _callback(value: object) -> dict | None:
    """The plugin's own call to our API during `status`: {"ok", "status", "error"}."""
    if not isinstance(value, dict):
        return None
    return {
        "ok": bool(value.get("ok")),
        "status": value.get("status"),
        "error": peer_words(value.get("error", "")),
    }
