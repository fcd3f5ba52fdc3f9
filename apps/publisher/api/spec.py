"""The JSON API, declared once: each endpoint's method, path, parameters, body and answer.

The OpenAPI 3.1 document (`/api/v1/openapi.json`), the readable page (`/api/docs`) and the
request validation of every view are all built from `ENDPOINTS`, so what the document promises
is what the code checks, and schemathesis (tests/…/test_api_schema.py) holds the answers to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

API_VERSION = "1"
MAX_ID = 9_007_199_254_740_991  # 2**53 - 1: exact in every JSON reader (PHP, JavaScript)

POST_STATUSES = ["publish", "draft", "pending", "future", "private", "trash"]
PUBLISHING_STATUSES = ["not_published", "scheduled", "publishing", "published", "failed"]


def _nullable(schema: dict) -> dict:
    return {**schema, "type": [schema["type"], "null"]}


def _text(max_length: int, description: str = "", **extra: Any) -> dict:
    schema: dict[str, Any] = {"type": "string", "maxLength": max_length, **extra}
    if description:
        schema["description"] = description
    return schema


_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
_URL = _text(500, "An absolute http(s) address, or empty.", pattern=r"^$|^https?://[^/]")
# Our content id as WordPress keeps it (post meta is text): a number or a string of digits.
_CONTENT_REF = {
    "type": ["integer", "string"],
    "minimum": 1,
    "maximum": MAX_ID,
    "pattern": "^[1-9][0-9]{0,15}$",
}
_DATETIME = {"type": "string", "format": "date-time"}
_DATE = {"type": "string", "format": "date"}

# --- what the calls send --------------------------------------------------------------------

_VERSIONS = {
    "plugin_version": _text(20, "The IGNY8 Bridge plugin's version."),
    "wp_version": _text(20, "WordPress's version."),
    "php_version": _text(20, "PHP's version."),
    "seo_plugin": _text(40, "The SEO plugin in use (yoast, rankmath, seopress, aioseo) or empty."),
}

CONNECTION_TEST_BODY = {
    "type": "object",
    "description": "What the plugin reports about its WordPress; every field is optional.",
    "properties": {**_VERSIONS, "site_url": _text(300, "The WordPress site's home address.")},
}

_NAMED = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": _text(100, "The machine name, e.g. `post`, `category`.", minLength=1),
        "label": _text(200, "The name a person reads."),
    },
}
_TERM = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {
        "id": {**_ID, "description": "The term id in WordPress."},
        "name": _text(200, "", minLength=1),
        "slug": _text(200),
        "parent": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
    },
}
STRUCTURE_BODY = {
    "type": "object",
    "description": "The site's structure. A list left out stays as it was; a list sent replaces.",
    "properties": {
        "post_types": {"type": "array", "maxItems": 200, "items": _NAMED},
        "taxonomies": {"type": "array", "maxItems": 200, "items": _NAMED},
        "categories": {"type": "array", "maxItems": 5000, "items": _TERM},
        "tags": {"type": "array", "maxItems": 5000, "items": _TERM},
        **_VERSIONS,
    },
}

_REMOTE_ID = {**_ID, "description": "The WordPress post id."}
_POST_ID = {**_ID, "description": "The same, by its other name (send one of the two)."}

POST_STATUS_BODY = {
    "type": "object",
    "description": "A post of ours changed in WordPress. Name it by its post id, our content "
    "id (post meta `_igny8_content_id`) or both.",
    "required": ["status"],
    "not": {"required": ["remote_id", "post_id"]},
    "anyOf": [
        {"required": ["remote_id"]},
        {"required": ["post_id"]},
        {"required": ["content_id"]},
    ],
    "properties": {
        "remote_id": _REMOTE_ID,
        "post_id": _POST_ID,
        "content_id": {**_CONTENT_REF, "description": "Our content id (number or digits)."},
        "status": {"type": "string", "enum": POST_STATUSES, "description": "The new status."},
        "permalink": _URL,
        "post_type": _text(40),
        "deleted": {
            "type": "boolean",
            "description": "The post was deleted for good: we forget it, so a re-publish "
            "makes a new one.",
        },
        "modified_gmt": _text(40, "When WordPress last changed the post (for the log)."),
    },
}

ACK_BODY = {
    "type": "object",
    "description": "A client published this article: where it now lives.",
    "anyOf": [{"required": ["remote_id"]}, {"required": ["post_id"]}],
    "not": {"required": ["remote_id", "post_id"]},
    "properties": {
        "remote_id": {**_REMOTE_ID, "description": "The WordPress post id it was published as."},
        "post_id": _POST_ID,
        "url": _URL,
        "status": {
            "type": "string",
            "enum": POST_STATUSES[:-1],
            "default": "publish",
            "description": "The post's status in WordPress.",
        },
    },
}

# --- what comes back ------------------------------------------------------------------------

_SITE = {
    "type": "object",
    "required": ["id", "name", "url"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "url": {"type": "string"},
    },
}
CONNECTION_TEST_DATA = {
    "type": "object",
    "required": ["site", "connection", "api_version", "server_time"],
    "properties": {
        "site": _SITE,
        "connection": {
            "type": "object",
            "required": ["key_id", "status", "inbound_ok_at", "outbound_ok_at", "structure_at"],
            "properties": {
                "key_id": {"type": "string"},
                "status": {"type": "string"},
                "inbound_ok_at": _DATETIME,
                "outbound_ok_at": _nullable(_DATETIME),
                "structure_at": _nullable(_DATETIME),
            },
        },
        "api_version": {"type": "string"},
        "server_time": _DATETIME,
    },
}
STRUCTURE_DATA = {
    "type": "object",
    "required": ["post_types", "taxonomies", "categories", "tags", "structure_at"],
    "properties": {
        **{name: {"type": "integer"} for name in ("post_types", "taxonomies", "categories")},
        "tags": {"type": "integer"},
        "structure_at": _DATETIME,
    },
    "description": "How many of each the site now has on record.",
}
PUBLICATION_DATA = {
    "type": "object",
    "required": [
        "content_id",
        "post_id",
        "post_status",
        "post_url",
        "publishing_status",
        "changed",
    ],
    "properties": {
        "content_id": {"type": "integer"},
        "post_id": _nullable({"type": "integer"}),
        "post_status": {"type": "string", "description": "The post's status in WordPress."},
        "post_url": {"type": "string"},
        "publishing_status": {"type": "string", "enum": PUBLISHING_STATUSES},
        "changed": {"type": "boolean", "description": "False when we knew this already."},
    },
}
_SUMMARY_PROPERTIES = {
    "id": {"type": "integer"},
    "title": {"type": "string"},
    "slug": {"type": "string"},
    "excerpt": {"type": "string"},
    "word_count": {"type": "integer"},
    "publishing_status": {"type": "string", "enum": PUBLISHING_STATUSES},
    "planned_for": _nullable({**_DATE, "description": "The editorial plan's date."}),
    "publish_at": _nullable({**_DATETIME, "description": "The publishing slot, if any."}),
    "post_id": _nullable({"type": "integer"}),
    "post_status": {"type": "string"},
    "post_url": {"type": "string"},
    "approved_at": _nullable(_DATETIME),
    "updated": _DATETIME,
}
CONTENT_SUMMARY = {
    "type": "object",
    "required": list(_SUMMARY_PROPERTIES),
    "properties": _SUMMARY_PROPERTIES,
}
_IMAGE = {
    "type": "object",
    "required": ["id", "role", "position", "alt", "caption", "ready"],
    "properties": {
        "id": {"type": "integer"},
        "role": {"type": "string", "enum": ["featured", "inline"]},
        "position": {"type": "integer"},
        "alt": {"type": "string"},
        "caption": {"type": "string"},
        "ready": {
            "type": "boolean",
            "description": "The picture exists (generated or uploaded); then its bytes follow.",
        },
        "sha256": {"type": "string", "description": "Of the bytes (only when ready)."},
        "filename": {"type": "string", "description": "A file name for it (only when ready)."},
        "mime": {"type": "string", "description": "image/webp, image/png… (only when ready)."},
        "data_b64": {
            "type": "string",
            "contentEncoding": "base64",
            "description": "The picture itself, base64 (only when ready). An in-article "
            'picture is the `<img data-igny8-image="<id>">` of the body.',
        },
    },
}
_DETAIL_PROPERTIES = {
    **_SUMMARY_PROPERTIES,
    "html": {"type": "string", "description": "The article body as the editor saved it."},
    "meta_title": {"type": "string"},
    "meta_description": {"type": "string"},
    "focus_keyword": {"type": "string"},
    "secondary_keywords": {"type": "array", "items": {"type": "string"}},
    "content_type": {"type": "string"},
    "images": {"type": "array", "items": _IMAGE},
}
CONTENT_DETAIL = {
    "type": "object",
    "required": list(_DETAIL_PROPERTIES),
    "properties": _DETAIL_PROPERTIES,
}
CONTENT_PAGE = {
    "type": "object",
    "required": ["items", "page", "per_page", "total", "pages"],
    "properties": {
        "items": {"type": "array", "items": CONTENT_SUMMARY},
        "page": {"type": "integer"},
        "per_page": {"type": "integer"},
        "total": {"type": "integer"},
        "pages": {"type": "integer"},
    },
}

# --- the endpoints --------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    name: str
    where: str  # "query" or "path"
    schema: dict
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class Endpoint:
    name: str  # the URL name and the OpenAPI operationId
    method: str
    path: str  # OpenAPI form, relative to /api/v1
    summary: str
    description: str
    data: dict  # the schema of `data` in a success envelope
    body: dict | None = None
    body_required: bool = True
    params: tuple[Param, ...] = ()
    errors: tuple[int, ...] = ()  # besides 401, 405 and 429, which every endpoint can answer
    tags: tuple[str, ...] = field(default=("plugin",))


_CONTENT_ID = Param(
    "content_id",
    "path",
    {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "Our content id.",
    required=True,
)

_TEST_DESCRIPTION = (
    "The plugin proves it can reach us: records the time (shown on the integration page as "
    "'WordPress reached IGNY8') and what the plugin reports about its WordPress."
)

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        name="connection_test",
        method="GET",
        path="/connection/test",
        summary="Check the key (read-only caller)",
        description=_TEST_DESCRIPTION,
        data=CONNECTION_TEST_DATA,
    ),
    Endpoint(
        name="connection_test_post",
        method="POST",
        path="/connection/test",
        summary="Check the key and report versions",
        description=_TEST_DESCRIPTION,
        data=CONNECTION_TEST_DATA,
        body=CONNECTION_TEST_BODY,
        body_required=False,
        errors=(400,),
    ),
    Endpoint(
        name="site_structure",
        method="POST",
        path="/site/structure",
        summary="Push the site's structure",
        description="Post types, taxonomies, categories and tags the site has, so that the "
        "integration page can offer them. Sent on activation and on demand.",
        data=STRUCTURE_DATA,
        body=STRUCTURE_BODY,
        errors=(400,),
    ),
    Endpoint(
        name="post_status",
        method="POST",
        path="/posts/status",
        summary="Report a post's new status or address",
        description="A post we published changed in WordPress. `publish`, `future` and "
        "`private` mark the article published; `draft`, `pending` and `trash` mark it not "
        "published (the post is remembered, so a re-publish updates it). While one of our "
        "publishing attempts is under way the article's publishing status is left to it.",
        data=PUBLICATION_DATA,
        body=POST_STATUS_BODY,
        errors=(400, 404),
    ),
    Endpoint(
        name="content_list",
        method="GET",
        path="/contents",
        summary="List the site's approved articles",
        description="Approved articles of the key's site, most recently changed first.",
        data=CONTENT_PAGE,
        params=(
            Param("page", "query", {"type": "integer", "minimum": 1, "default": 1}),
            Param(
                "per_page",
                "query",
                {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
            ),
            Param(
                "publishing_status",
                "query",
                {"type": "string", "enum": PUBLISHING_STATUSES},
                "Only articles in this publishing status.",
            ),
            Param(
                "updated_since",
                "query",
                {"type": "string", "format": "date-time"},
                "Only articles changed at or after this time (ISO 8601 with offset).",
            ),
        ),
        errors=(400,),
        tags=("pull",),
    ),
    Endpoint(
        name="content_detail",
        method="GET",
        path="/contents/{content_id}",
        summary="Read one approved article",
        description="Everything needed to publish it: body, SEO fields, and the pictures "
        "themselves (base64, with their sha256), so a pull-style client needs no other call.",
        data=CONTENT_DETAIL,
        params=(_CONTENT_ID,),
        errors=(400, 404),
        tags=("pull",),
    ),
    Endpoint(
        name="content_ack",
        method="POST",
        path="/contents/{content_id}/ack",
        summary="Acknowledge a publish",
        description="The plugin (after our publish call) or a pull-style client published "
        "the article: its post id, address and status. The article counts as published. "
        "Acknowledging the same post again changes nothing; naming a different post than the "
        "one on record is a conflict (409).",
        data=PUBLICATION_DATA,
        body=ACK_BODY,
        params=(_CONTENT_ID,),
        errors=(400, 404, 409),
        tags=("pull",),
    ),
)

BY_NAME = {endpoint.name: endpoint for endpoint in ENDPOINTS}

ERROR_TEXT = {
    400: "The request is malformed; `error.fields` names each bad field.",
    401: "No key, an unknown key, or a rotated or revoked one.",
    404: "Nothing of the key's site has that id.",
    405: "The path exists, but not with this method (see `Allow`).",
    409: "It conflicts with what we have on record.",
    413: "The body is too large.",
    429: "Too many calls with this key (or too many bad keys from this address).",
}
