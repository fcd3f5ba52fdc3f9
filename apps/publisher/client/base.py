"""What both adapters answer, and the meaning of a 4xx for each."""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.publisher.client import errors
from apps.publisher.client.errors import PublishError
from apps.publisher.client.http import Answer, refusal_busy
from igny8.egress import peer_words

# The oldest plugin this client speaks to (the routes and payload of igny8/v1).
MIN_PLUGIN_VERSION = "1.0.0"


@dataclass
class StatusReport:
    """What a WordPress site told us about itself on "test connection"."""

    plugin_version: str = ""
    wp_version: str = ""
    php_version: str = ""
    seo_plugin: str = ""
    post_types: list = field(default_factory=list)  # [{"name", "label"}]
    taxonomies: list = field(default_factory=list)
    categories: list = field(default_factory=list)
    tags: list = field(default_factory=list)
    site_name: str = ""
    notes: list[str] = field(default_factory=list)  # plain sentences for the page
    seo_fields: list[str] = field(default_factory=list)  # the SEO meta keys we can write
    callback: dict | None = None  # the plugin's call to our API while answering (plugin only)


@dataclass
class Published:
    remote_id: int
    url: str = ""
    status: str = ""
    term_ids: dict = field(default_factory=dict)
    media: dict = field(default_factory=dict)  # our image id -> attachment id
    created: bool = False  # a new post (vs. an update of the one we had)
    notes: list[str] = field(default_factory=list)


def unwrap(data: object) -> object:
    """The plugin may answer in an envelope ({"success": true, "data": …}) or bare."""
    if isinstance(data, dict) and "success" in data and "data" in data:
        return data["data"]
    return data


def as_int(value: object) -> int | None:
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in (text or "").split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts) or (0,)


def names(items: object) -> list[dict]:
    """[{"name", "label"}] from what a site reported (a list of names, of dicts, or a dict)."""
    out = []
    if isinstance(items, dict):
        items = [
            {"name": key, **(value if isinstance(value, dict) else {"label": value})}
            for key, value in items.items()
        ]
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            name = str(item.get("name") or item.get("slug") or "")
            label = str(item.get("label") or item.get("name") or name)
        else:
            name = label = str(item)
        if name:
            out.append({"name": name[:60], "label": label[:100]})
    return out


def refusal(host: str, answer: Answer, *, adapter: str, app_passwords: bool = True) -> PublishError:
    """A 4xx in plain words. For the plugin a 401 is our signature refused; for core, our
    Application Password refused or never seen (stripped by the host)."""
    code, words = answer.code, answer.message
    if answer.status == 401:
        if adapter == "plugin":
            return errors.key_refused(host, f"{code} {words}".lower())
        if code in ("incorrect_password", "invalid_username", "invalid_email"):
            return errors.bad_credentials(host)
        if not app_passwords:
            return errors.app_passwords_off(host)
        return errors.authorization_stripped(host)
    if answer.status == 403:
        if adapter == "plugin" and code.startswith("igny8"):
            return errors.key_refused(host, f"{code} {words}".lower())
        return errors.forbidden(host, words)
    if answer.status == 409:
        return refusal_busy(host)
    if answer.status == 404:
        if adapter == "plugin" and code in ("rest_no_route", ""):
            return errors.plugin_missing(host)
        return errors.refused(host, 404, words)
    return errors.refused(host, answer.status, _with_fields(words, answer.data))


def _with_fields(words: str, data: object) -> str:
    """The peer's message and, for a 400 naming fields ({"data": {"fields": {…}}}), which."""
    fields = (data.get("data") or {}).get("fields") if isinstance(data, dict) else None
    if not isinstance(fields, dict) or not fields:
        return words
    listed = "; ".join(f"{name}: {peer_words(why, 120)}" for name, why in list(fields.items())[:5])
    return f"{words} ({peer_words(listed, 400)})" if words else peer_words(listed, 400)
