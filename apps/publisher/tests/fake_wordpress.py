"""A local HTTP server that answers like a WordPress site: the IGNY8 Bridge plugin's signed
routes (`igny8/v1`) and WordPress core's REST API (`wp/v2`, Basic auth with an Application
Password), over pretty permalinks (`/wp-json/…`) or, with `pretty=False`, only at
`/?rest_route=…` (then `/wp-json/…` is the theme's HTML 404 page, as on a real site).

It keeps posts, media and terms in memory, so tests count what a publish really made:

    with FakeWordPress(key=key) as wp:
        ... publish to wp.url ...
        assert len(wp.posts) == 1

Like the plugin: a signature older than 5 minutes or a nonce seen before is refused (401), and
`publish` is an upsert by `content_id`. Like core: `POST /wp/v2/posts` always creates.
`strip_auth=True` drops the Authorization header as some hosts do; `seo_meta` lists the meta
keys the post schema exposes.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from apps.publisher import signing
from igny8.tests.loopback import LoopbackServer

PLUGIN_VERSION = "1.0.0"
_IMG = re.compile(r"<img\b[^>]*>", re.I)
_REF = re.compile(r"""data-igny8-image\s*=\s*["']?(\d+)""", re.I)
_SRC = re.compile(r"""\bsrc\s*=\s*(["'])(.*?)\1""", re.I)


@dataclass
class Seen:
    method: str
    route: str
    query: dict
    headers: dict
    body: bytes


@dataclass
class FakeWordPress(LoopbackServer):
    key: str = ""  # the plugin's connection key ("" = plugin not installed)
    user: str = "editor"
    password: str = "abcd efgh ijkl mnop qrst uvwx"
    pretty: bool = True
    strip_auth: bool = False
    app_passwords: bool = True  # off: WordPress ignores Basic auth (no HTTPS, not local)
    seo_meta: list[str] = field(default_factory=list)
    plugin_version: str = PLUGIN_VERSION
    # What the plugin's own call to our API gave, when asked to call back during `status`
    # (None: it does not say, as if it were not asked).
    callback: dict | None = None
    posts: dict[int, dict] = field(default_factory=dict)
    media: dict[int, dict] = field(default_factory=dict)
    terms: dict[str, dict[int, str]] = field(
        default_factory=lambda: {"categories": {1: "Uncategorized"}, "tags": {}}
    )
    seen: list[Seen] = field(default_factory=list)
    nonces: set[str] = field(default_factory=set)
    _ids: Any = field(default_factory=lambda: itertools.count(100))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def calls(self, route_prefix: str, method: str | None = None) -> list[Seen]:
        return [
            s
            for s in self.seen
            if s.route.startswith(route_prefix) and (method is None or s.method == method)
        ]

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return type("Handler", (_Handler,), {"wp": self})

    # --- what WordPress does ---------------------------------------------------------------

    def next_id(self) -> int:
        return next(self._ids)

    def term_id(self, taxonomy: str, name: str) -> int:
        for tid, existing in self.terms[taxonomy].items():
            if existing.casefold() == name.casefold():
                return tid
        tid = self.next_id()
        self.terms[taxonomy][tid] = name
        return tid

    def post_json(self, post: dict) -> dict:
        return {
            "id": post["id"],
            "link": f"{self.url}/?p={post['id']}"
            if post["status"] != "publish"
            else f"{self.url}/{post['slug']}/",
            "status": post["status"],
            "slug": post["slug"],
            "title": {"raw": post["title"], "rendered": post["title"]},
            "content": {"raw": post["content"]},
            "excerpt": {"raw": post.get("excerpt", "")},
            "categories": post.get("categories", []),
            "tags": post.get("tags", []),
            "featured_media": post.get("featured_media", 0),
            "meta": post.get("meta", {}),
            "date_gmt": post.get("date_gmt"),
        }

    def upload(self, data: bytes, filename: str, alt: str = "", caption: str = "") -> dict:
        mid = self.next_id()
        stem = filename.rsplit(".", 1)[0].lower()
        item = {
            "id": mid,
            "slug": stem,
            "source_url": f"{self.url}/wp-content/uploads/{filename}",
            "alt_text": alt,
            "caption": {"raw": caption, "rendered": f"<p>{caption}</p>" if caption else ""},
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        self.media[mid] = item
        return item

    def plugin_publish(self, body: dict) -> dict:
        content_id = int(body["content_id"])
        post = next((p for p in self.posts.values() if p.get("content_id") == content_id), None)
        created = post is None
        urls = {}
        featured = 0
        for image in body.get("images") or []:
            found = next((m for m in self.media.values() if m["sha256"] == image["sha256"]), None)
            if found is None:
                found = self.upload(
                    base64.b64decode(image["data_b64"]),
                    image["filename"],
                    image.get("alt", ""),
                    image.get("caption", ""),
                )
            if image["role"] == "featured":
                featured = found["id"]
            else:
                urls[int(image["ref"])] = found["source_url"]

        def swap(match: re.Match) -> str:
            tag = match.group(0)
            ref = _REF.search(tag)
            if ref and int(ref.group(1)) in urls:
                tag = _SRC.sub(f'src="{urls[int(ref.group(1))]}"', tag, count=1)
            return tag

        if post is None:
            post = {"id": self.next_id(), "content_id": content_id}
            self.posts[post["id"]] = post
        post.update(
            title=body["title"],
            content=_IMG.sub(swap, body["html"]),
            excerpt=body.get("excerpt", ""),
            slug=body["slug"],
            status=body["status"],
            date_gmt=body.get("date_gmt"),
            type=body.get("post_type", "post"),
            categories=[self.term_id("categories", n) for n in body.get("categories") or []],
            tags=[self.term_id("tags", n) for n in body.get("tags") or []],
            featured_media=featured,
            meta={f"_igny8_meta_{k}": v for k, v in (body.get("seo") or {}).items()},
        )
        out = self.post_json(post)
        return {
            "post_id": post["id"],
            "permalink": out["link"],
            "status": post["status"],
            "term_ids": {"categories": post["categories"], "tags": post["tags"]},
            "created": created,
        }


class _Handler(BaseHTTPRequestHandler):
    wp: FakeWordPress
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_OPTIONS(self) -> None:
        self._handle()

    # --- plumbing --------------------------------------------------------------------------

    def _send(self, status: int, payload: Any = None, *, html: str | None = None) -> None:
        raw = html.encode() if html is not None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html" if html is not None else "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _error(self, status: int, code: str, message: str) -> None:
        self._send(status, {"code": code, "message": message, "data": {"status": status}})

    def _handle(self) -> None:
        wp = self.wp
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query))
        route = None
        if parts.path.startswith("/wp-json"):
            if wp.pretty:
                route = parts.path[len("/wp-json") :] or "/"
        elif "rest_route" in query:
            route = query.pop("rest_route")
        if route is None:
            self._send(404, html="<!doctype html><title>Page not found</title><h1>Oops</h1>")
            return
        headers = {k: v for k, v in self.headers.items()}
        if wp.strip_auth or not wp.app_passwords:
            headers.pop("Authorization", None)
        with wp._lock:
            wp.seen.append(Seen(self.command, route, query, headers, body))
            if route.startswith("/igny8/v1"):
                self._plugin(route, headers, body)
            else:
                self._core(route, query, headers, body)

    # --- the plugin ------------------------------------------------------------------------

    def _plugin(self, route: str, headers: dict, body: bytes) -> None:
        wp = self.wp
        if not wp.key:
            self._error(
                404, "rest_no_route", "No route was found matching the URL and request method."
            )
            return
        lowered = {k.lower(): v for k, v in headers.items()}
        given = {
            signing.HEADER_TIMESTAMP: lowered.get(signing.HEADER_TIMESTAMP.lower(), ""),
            signing.HEADER_NONCE: lowered.get(signing.HEADER_NONCE.lower(), ""),
            signing.HEADER_SIGNATURE: lowered.get(signing.HEADER_SIGNATURE.lower(), ""),
        }
        why = signing.verify(wp.key, self.command, route, body, given)
        if not why and given[signing.HEADER_NONCE] in wp.nonces:
            why = "replayed"
        if why:
            self._error(401, "igny8_bad_signature", f"Signature refused: {why}.")
            return
        wp.nonces.add(given[signing.HEADER_NONCE])
        name = route.removeprefix("/igny8/v1/")
        if name == "status":
            asked = json.loads(body or b"{}").get("callback") if body else False
            extra = {"callback": wp.callback} if asked and wp.callback is not None else {}
            self._send(
                200,
                {
                    **extra,
                    "plugin_version": wp.plugin_version,
                    "wp_version": "6.4.2",
                    "php_version": "8.2.7",
                    "seo_plugin": "",
                    "post_types": [
                        {"name": "post", "label": "Posts"},
                        {"name": "page", "label": "Pages"},
                    ],
                    "taxonomies": [
                        {"name": "category", "label": "Categories"},
                        {"name": "post_tag", "label": "Tags"},
                    ],
                },
            )
        elif name == "publish":
            self._send(200, wp.plugin_publish(json.loads(body)))
        elif name == "unpublish":
            data = json.loads(body)
            post = next(
                (p for p in wp.posts.values() if p.get("content_id") == data["content_id"]), None
            )
            if post is None:
                self._error(404, "igny8_not_found", "No post for this content.")
                return
            post["status"] = "draft"
            self._send(200, {"post_id": post["id"], "status": "draft"})
        else:
            self._error(404, "rest_no_route", "No route.")

    # --- core ------------------------------------------------------------------------------

    def _authorised(self, headers: dict) -> bool:
        auth = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
        expected = base64.b64encode(
            f"{self.wp.user}:{self.wp.password.replace(' ', '')}".encode()
        ).decode()
        return auth == f"Basic {expected}"

    def _core(self, route: str, query: dict, headers: dict, body: bytes) -> None:
        wp = self.wp
        if route == "/":
            namespaces = ["oembed/1.0", "wp/v2", "wp-site-health/v1"]
            if wp.key:
                namespaces.append("igny8/v1")
            auth = {"application-passwords": {"endpoints": {}}} if wp.app_passwords else []
            self._send(
                200,
                {
                    "name": "Fake Garden Blog",
                    "url": wp.url,
                    "namespaces": namespaces,
                    "authentication": auth,
                },
            )
            return
        has_auth = any(k.lower() == "authorization" for k in headers)
        if has_auth and not self._authorised(headers):
            self._error(
                401,
                "incorrect_password",
                "The provided password is an invalid application password.",
            )
            return
        if not has_auth:
            self._error(401, "rest_not_logged_in", "You are not currently logged in.")
            return
        method = self.command
        m = re.fullmatch(r"/wp/v2/(posts|pages|media|categories|tags)(?:/(\d+))?", route)
        if route == "/wp/v2/users/me":
            self._send(
                200,
                {
                    "id": 1,
                    "name": wp.user,
                    "capabilities": {"publish_posts": True, "upload_files": True},
                },
            )
        elif route == "/wp/v2/types":
            self._send(
                200,
                {
                    "post": {"name": "Posts", "slug": "post", "rest_base": "posts"},
                    "page": {"name": "Pages", "slug": "page", "rest_base": "pages"},
                    "attachment": {"name": "Media", "slug": "attachment", "rest_base": "media"},
                },
            )
        elif route == "/wp/v2/taxonomies":
            self._send(
                200,
                {
                    "category": {"name": "Categories", "slug": "category"},
                    "post_tag": {"name": "Tags", "slug": "post_tag"},
                },
            )
        elif method == "OPTIONS" and route == "/wp/v2/posts":
            props = {key: {"type": "string"} for key in wp.seo_meta}
            self._send(
                200, {"schema": {"properties": {"meta": {"type": "object", "properties": props}}}}
            )
        elif m is None:
            self._error(
                404, "rest_no_route", "No route was found matching the URL and request method."
            )
        elif m.group(1) == "media":
            self._media(method, m.group(2), query, headers, body)
        elif m.group(1) in ("categories", "tags"):
            self._terms(method, m.group(1), query, body)
        else:
            self._posts(method, m.group(2), query, body)

    def _media(self, method: str, mid: str | None, query: dict, headers: dict, body: bytes) -> None:
        wp = self.wp
        if method == "GET" and mid is None:
            search = query.get("search", "")
            self._send(
                200,
                [m for m in wp.media.values() if search in m["slug"] or search in m["source_url"]],
            )
        elif method == "POST" and mid is None:
            disposition = {k.lower(): v for k, v in headers.items()}.get("content-disposition", "")
            name = re.search(r'filename="?([^";]+)', disposition)
            if not name:
                self._error(
                    400, "rest_upload_no_content_disposition", "No Content-Disposition supplied."
                )
                return
            self._send(201, wp.upload(body, name.group(1)))
        elif method == "POST" and mid and int(mid) in wp.media:
            data = json.loads(body)
            item = wp.media[int(mid)]
            item["alt_text"] = data.get("alt_text", item["alt_text"])
            caption = data.get("caption", "")
            item["caption"] = {"raw": caption, "rendered": f"<p>{caption}</p>" if caption else ""}
            self._send(200, item)
        else:
            self._error(404, "rest_post_invalid_id", "Invalid post ID.")

    def _terms(self, method: str, taxonomy: str, query: dict, body: bytes) -> None:
        wp = self.wp
        if method == "GET":
            search = query.get("search", "").casefold()
            self._send(
                200,
                [
                    {"id": i, "name": n}
                    for i, n in wp.terms[taxonomy].items()
                    if search in n.casefold()
                ],
            )
            return
        name = json.loads(body)["name"]
        for tid, existing in wp.terms[taxonomy].items():
            if existing.casefold() == name.casefold():
                self._send(
                    400,
                    {
                        "code": "term_exists",
                        "message": "A term with the name provided already exists.",
                        "data": {"status": 400, "term_id": tid},
                    },
                )
                return
        self._send(201, {"id": wp.term_id(taxonomy, name), "name": name})

    def _posts(self, method: str, pid: str | None, query: dict, body: bytes) -> None:
        wp = self.wp
        if method == "GET" and pid is None:
            statuses = query.get("status", "publish").split(",")
            found = [
                wp.post_json(p)
                for p in wp.posts.values()
                if p["slug"] == query.get("slug") and p["status"] in statuses
            ]
            self._send(200, found)
        elif method == "GET":
            post = wp.posts.get(int(pid))
            if post is None:
                self._error(404, "rest_post_invalid_id", "Invalid post ID.")
            else:
                self._send(200, wp.post_json(post))
        elif method == "POST":
            data = json.loads(body)
            if pid is None:
                post = {"id": wp.next_id()}
                wp.posts[post["id"]] = post
            elif int(pid) in wp.posts:
                post = wp.posts[int(pid)]
            else:
                self._error(404, "rest_post_invalid_id", "Invalid post ID.")
                return
            meta = {k: v for k, v in (data.pop("meta", None) or {}).items() if k in wp.seo_meta}
            post.setdefault("meta", {}).update(meta)
            post.update({k: v for k, v in data.items()})
            post.setdefault("status", "draft")
            post.setdefault("slug", "")
            post.setdefault("title", "")
            post.setdefault("content", "")
            self._send(201 if pid is None else 200, wp.post_json(post))
        else:
            self._error(405, "rest_no_route", "No route.")


def wait_until(predicate, timeout: float = 5.0) -> bool:  # noqa: ANN001
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
