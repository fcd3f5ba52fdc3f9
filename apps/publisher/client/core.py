"""The adapter without the plugin: WordPress core's REST API with an Application Password.

Posts, media, categories and tags through `wp/v2`. What the plugin does on its side is done
here in several calls:

- Images go to the media library first (raw bytes with `Content-Disposition`, then alt text
  and caption). Each file's name carries the first 12 hex of its sha256, and a picture already
  in the library under that name is reused, so a re-publish or a retry uploads nothing twice.
- Categories and tags are found by name and created when missing (a "term_exists" answer from
  a race gives the id too).
- The body's figures point at the uploaded files (`payload.swap_sources`).
- A post we know (the publication's remote id) is updated. Otherwise, before creating, a post
  with our slug and title is looked for (in any status): a first try that timed out after
  WordPress made the post is found that way, so a retry never makes a second post.
- SEO meta only where the site exposes it: the post schema (`OPTIONS /wp/v2/posts`) lists the
  meta keys writable over REST; the known SEO keys among them are written, the rest is said
  in the connection test ("this site does not expose …").
"""

from __future__ import annotations

import base64
import html
from typing import Any

import httpx

from apps.publisher.client import errors
from apps.publisher.client.base import Published, StatusReport, as_int, names, refusal
from apps.publisher.client.http import Answer, WordPressHTTP
from apps.publisher.payload import swap_sources

# Where each SEO plugin keeps title, description and focus keyword in post meta.
SEO_KEYS = {
    "title": [
        "_igny8_meta_title",
        "_yoast_wpseo_title",
        "rank_math_title",
        "_seopress_titles_title",
        "_aioseo_title",
    ],
    "description": [
        "_igny8_meta_description",
        "_yoast_wpseo_metadesc",
        "rank_math_description",
        "_seopress_titles_desc",
        "_aioseo_description",
    ],
    "focus_keyword": [
        "_igny8_meta_focus_keyword",
        "_yoast_wpseo_focuskw",
        "rank_math_focus_keyword",
        "_seopress_analysis_target_kw",
        "_aioseo_keywords",
    ],
}
SEO_NAMESPACES = {
    "yoast/v1": "Yoast SEO",
    "rankmath/v1": "Rank Math",
    "seopress/v1": "SEOPress",
    "aioseo/v1": "All in One SEO",
}
REST_BASES = {"post": "posts", "page": "pages"}
ANY_STATUS = "publish,future,draft,pending,private"


def basic_auth(user: str, password: str) -> str:
    # Application Passwords are shown with spaces; WordPress accepts them either way.
    token = base64.b64encode(f"{user}:{password.replace(' ', '')}".encode()).decode()
    return f"Basic {token}"


class CoreAdapter:
    name = "core"

    def __init__(
        self,
        wp_url: str,
        user: str,
        password: str,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not (user and password):
            raise errors.bad_credentials(wp_url)
        self.http = WordPressHTTP(
            wp_url, headers={"Authorization": basic_auth(user, password)}, transport=transport
        )
        self.host = self.http.host
        self._seo_fields: list[str] | None = None
        self._bases: dict[str, str] = dict(REST_BASES)
        # Whether the site offers Application Passwords (its REST index says so); unknown
        # until the index is read, taken as yes.
        self.app_passwords = True

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, route: str, *, ok404: bool = False, **kwargs: Any) -> Any:
        answer: Answer = self.http.call(method, route, **kwargs)
        if ok404 and answer.status in (404, 410):
            return None
        if answer.status >= 400:
            raise refusal(self.host, answer, adapter=self.name, app_passwords=self.app_passwords)
        if answer.data is None:
            raise errors.bad_answer(self.host)
        return answer.data

    # --- the connection test ------------------------------------------------------------------

    def status(self) -> StatusReport:
        index = self._call("GET", "/")
        if not isinstance(index, dict) or "namespaces" not in index:
            raise errors.not_wordpress(self.host)
        auth = index.get("authentication")
        if isinstance(auth, dict | list):
            # WordPress ≥ 5.6 lists "application-passwords" here only when they are available.
            self.app_passwords = "application-passwords" in auth
        me = self._call("GET", "/wp/v2/users/me", query={"context": "edit"})
        caps = me.get("capabilities") if isinstance(me, dict) else None
        report = StatusReport(site_name=html.unescape(str(index.get("name") or ""))[:200])
        if isinstance(caps, dict) and not (caps.get("publish_posts") and caps.get("upload_files")):
            report.notes.append(
                f"The WordPress user “{me.get('name', '')}” may not publish posts or upload "
                "media. Use an Editor or Administrator account's Application Password."
            )
        namespaces = index.get("namespaces") or []
        seo = [label for ns, label in SEO_NAMESPACES.items() if ns in namespaces]
        report.seo_plugin = ", ".join(seo)[:40]
        types = self._call("GET", "/wp/v2/types", query={"context": "edit"})
        report.post_types = [
            t
            for t in names(types)
            if t["name"] not in ("attachment", "nav_menu_item", "wp_block")
            and not t["name"].startswith("wp_")
        ]
        if isinstance(types, dict):
            for key, value in types.items():
                if isinstance(value, dict) and value.get("rest_base"):
                    self._bases[key] = str(value["rest_base"])
        report.taxonomies = names(self._call("GET", "/wp/v2/taxonomies"))
        report.seo_fields = self.seo_fields()
        if "igny8/v1" in namespaces:
            report.notes.append(
                "The IGNY8 Bridge plugin is active on this site: connect with the plugin for "
                "two-way sync (status changes reported back) and SEO fields for every SEO plugin."
            )
        if report.seo_fields:
            report.notes.append(
                "SEO title, description and focus keyword are written to: "
                + ", ".join(report.seo_fields)
                + "."
            )
        else:
            report.notes.append(
                "This site does not expose SEO fields over its REST API, so SEO titles, "
                "descriptions and focus keywords are not sent with this connection. Install "
                "the IGNY8 Bridge plugin to have them written for Yoast, Rank Math, SEOPress "
                "or All in One SEO."
            )
        return report

    def seo_fields(self) -> list[str]:
        """The SEO meta keys this site lets us write over REST (from the post schema)."""
        if self._seo_fields is None:
            schema = self._call("OPTIONS", "/wp/v2/posts")
            props = {}
            if isinstance(schema, dict):
                meta = (schema.get("schema") or {}).get("properties", {}).get("meta", {})
                props = meta.get("properties") or {}
            known = [key for keys in SEO_KEYS.values() for key in keys]
            self._seo_fields = [key for key in known if key in props]
        return self._seo_fields

    # --- publishing ---------------------------------------------------------------------------

    def _base(self, post_type: str) -> str:
        return self._bases.get(post_type) or f"{post_type}s"

    def media_upload(self, image: dict) -> tuple[int, str]:
        """(attachment id, URL) of the picture in the media library, uploaded when missing."""
        mark = image["sha256"][:12]
        found = self._call("GET", "/wp/v2/media", query={"search": mark, "per_page": 20})
        for item in found if isinstance(found, list) else []:
            source = str(item.get("source_url") or "")
            if mark in source or mark in str(item.get("slug") or ""):
                media_id = as_int(item.get("id"))
                if media_id:
                    self._describe(media_id, image, item)
                    return media_id, source
        data = base64.b64decode(image["data_b64"])
        created = self._call(
            "POST",
            "/wp/v2/media",
            body=data,
            content_type=image["mime"],
            headers={"Content-Disposition": f'attachment; filename="{image["filename"]}"'},
            idempotent=False,
        )
        media_id = as_int(created.get("id")) if isinstance(created, dict) else None
        if media_id is None:
            raise errors.bad_answer(self.host)
        self._describe(media_id, image, None)
        return media_id, str(created.get("source_url") or "")

    def _describe(self, media_id: int, image: dict, item: dict | None) -> None:
        if item is not None:
            caption = item.get("caption") or {}
            caption = (
                caption.get("raw", caption.get("rendered", ""))
                if isinstance(caption, dict)
                else caption
            )
            if item.get("alt_text") == image["alt"] and (caption or "").strip() in (
                image["caption"],
                f"<p>{image['caption']}</p>",
            ):
                return
        self._call(
            "POST",
            f"/wp/v2/media/{media_id}",
            json_body={"alt_text": image["alt"], "caption": image["caption"]},
            idempotent=True,
        )

    def term_ids(self, taxonomy: str, wanted: list[str]) -> list[int]:
        ids = []
        for name in wanted:
            name = " ".join(name.split())[:190]
            if not name:
                continue
            found = self._call("GET", f"/wp/v2/{taxonomy}", query={"search": name, "per_page": 100})
            match = None
            for term in found if isinstance(found, list) else []:
                if html.unescape(str(term.get("name", ""))).casefold() == name.casefold():
                    match = term
                    break
            if match is not None:
                ids.append(int(match["id"]))
                continue
            answer = self.http.call("POST", f"/wp/v2/{taxonomy}", json_body={"name": name})
            if answer.status == 400 and answer.code == "term_exists":
                data = answer.data.get("data") or {}
                term = as_int(data.get("term_id") or data.get("resource_id"))
                if term:
                    ids.append(term)
                    continue
            if answer.status >= 400 or not isinstance(answer.data, dict):
                raise refusal(
                    self.host, answer, adapter=self.name, app_passwords=self.app_passwords
                )
            ids.append(int(answer.data["id"]))
        return ids

    def find(self, payload: dict, remote_id: int | None) -> dict | None:
        """Our post: the one we know by id (unless deleted), else one with our slug and title
        in any status (a first try that timed out after creating it)."""
        base = self._base(payload["post_type"])
        if remote_id:
            post = self._call(
                "GET", f"/wp/v2/{base}/{remote_id}", query={"context": "edit"}, ok404=True
            )
            if isinstance(post, dict) and post.get("id"):
                return post
        found = self._call(
            "GET",
            f"/wp/v2/{base}",
            query={"slug": payload["slug"], "status": ANY_STATUS, "context": "edit"},
        )
        for post in found if isinstance(found, list) else []:
            title = post.get("title") or {}
            raw = title.get("raw", title.get("rendered", "")) if isinstance(title, dict) else title
            if html.unescape(str(raw)).strip() == payload["title"].strip():
                return post
        return None

    def publish(self, payload: dict, *, remote_id: int | None = None) -> Published:
        urls: dict[int, tuple[str, int]] = {}
        media: dict[str, int] = {}
        featured = 0
        for image in payload.get("images") or []:
            media_id, url = self.media_upload(image)
            media[str(image["ref"])] = media_id
            if image["role"] == "featured":
                featured = media_id
            else:
                urls[int(image["ref"])] = (url, media_id)
        body: dict[str, Any] = {
            "title": payload["title"],
            "content": swap_sources(payload["html"], urls),
            "excerpt": payload.get("excerpt") or "",
            "slug": payload["slug"],
            "status": payload["status"],
        }
        if payload.get("date_gmt"):
            body["date_gmt"] = payload["date_gmt"]
        terms: dict[str, list[int]] = {}
        if payload.get("categories"):
            terms["categories"] = body["categories"] = self.term_ids(
                "categories", payload["categories"]
            )
        if payload.get("tags"):
            terms["tags"] = body["tags"] = self.term_ids("tags", payload["tags"])
        if featured:
            body["featured_media"] = featured
        meta = self._seo_meta(payload.get("seo") or {})
        if meta:
            body["meta"] = meta
        base = self._base(payload["post_type"])
        existing = self.find(payload, remote_id)
        if existing is not None:
            post_id = int(existing["id"])
            saved = self._call("POST", f"/wp/v2/{base}/{post_id}", json_body=body, idempotent=True)
            created = False
        else:
            # Not repeated by the client: a timeout leaves the outcome unknown, and the next
            # try's `find` looks for what this one may have made.
            saved = self._call("POST", f"/wp/v2/{base}", json_body=body, idempotent=False)
            created = True
        post_id = as_int(saved.get("id")) if isinstance(saved, dict) else None
        if post_id is None:
            raise errors.bad_answer(self.host)
        notes = []
        if not meta and any((payload.get("seo") or {}).values()):
            notes.append("SEO fields not sent: this site does not expose them over REST.")
        return Published(
            remote_id=post_id,
            url=str(saved.get("link") or "")[:500],
            status=str(saved.get("status") or "")[:12],
            term_ids=terms,
            media=media,
            created=created,
            notes=notes,
        )

    def _seo_meta(self, seo: dict) -> dict:
        fields = set(self.seo_fields())
        meta = {}
        for part, keys in SEO_KEYS.items():
            value = seo.get(part) or ""
            for key in keys:
                if key in fields and value:
                    meta[key] = value
        return meta

    def unpublish(self, *, content_id: int, remote_id: int | None, post_type: str = "post") -> str:
        """Back to draft (the post and its media stay in WordPress)."""
        if not remote_id:
            return "draft"
        saved = self._call(
            "POST",
            f"/wp/v2/{self._base(post_type)}/{remote_id}",
            json_body={"status": "draft"},
            idempotent=True,
            ok404=True,
        )
        return str((saved or {}).get("status") or "draft")[:12]
