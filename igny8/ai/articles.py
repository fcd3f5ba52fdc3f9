"""Articles as plain text: the answer format any model can produce, and the checks an answer
must pass before it is saved.

Long outputs (an article, a revision) are not asked for as JSON: small and local models often
cannot keep a long HTML string valid inside JSON, and a server's JSON mode (constrained
sampling) makes them several times slower. They answer with a few header lines, then the
article in Markdown (or HTML, which is also accepted)::

    Title: How to keep squash plants healthy
    Meta title: Healthy squash plants: a beginner's guide
    Meta description: Why squash leaves wilt, yellow or mildew, and what to do about each.
    Excerpt: Most squash trouble comes from water, pests or mildew; here is how to tell.
    ---
    Squash plants grow fast and ...

    ## Why leaves wilt
    ...

`parse` reads that (and survives what models do to it: bold keys, code fences, the header at
the end, an `# H1` title, HTML instead of Markdown, the old JSON object) into the same dict the
JSON functions give (`title`, `html`, `meta_title`, ...), deriving what is missing. `render` is
its inverse; the offline writer answers through it, so its articles take the same road.

What an answer must hold is checked in `igny8.ai.article_checks`; Markdown is turned into HTML
by `igny8.ai.markdown`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import unescape
from typing import Any

from django.utils.text import slugify

from igny8.ai.markdown import ITEM, RULE, looks_html, markdown_to_html, tidy_html

# --- counting and reading HTML -----------------------------------------------------------------


def words_in_html(html: str) -> int:
    """Words a reader sees: tags dropped, entities decoded."""
    text = unescape(re.sub(r"<[^>]+>", " ", html or ""))
    return len(re.findall(r"[^\W_]+(?:['’-][^\W_]+)*", text))


def _text(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment or "")).split())


def headings(html: str) -> list[tuple[int, str]]:
    """(level, text) of every h1–h6, in order."""
    return [
        (int(m[1]), _text(m[2]))
        for m in re.finditer(r"<h([1-6])\b[^>]*>(.*?)</h\1\s*>", html or "", re.I | re.S)
    ]


def paragraphs(html: str) -> list[str]:
    return [
        t
        for m in re.finditer(r"<p\b[^>]*>(.*?)</p\s*>", html or "", re.I | re.S)
        if (t := _text(m[1]))
    ]


# --- the header ------------------------------------------------------------------------------

# Header keys as models write them → the output field they fill.
_KEYS = {
    "title": "title",
    "article title": "title",
    "headline": "title",
    "meta title": "meta_title",
    "seo title": "meta_title",
    "title tag": "meta_title",
    "meta description": "meta_description",
    "seo description": "meta_description",
    "description": "meta_description",
    "slug": "slug",
    "url slug": "slug",
    "excerpt": "excerpt",
    "summary": "excerpt",
    "changes": "changes",
    "changes made": "changes",
}
_KEY_LINE = re.compile(
    r"^[\s*_-]*(" + "|".join(sorted(map(re.escape, _KEYS), key=len, reverse=True)) + r")"
    r"[\s*_]*:[\s*_]*(.*?)[\s*_]*$",
    re.I,
)
# Keys that may also come at the end of the answer (many models put the meta data last); only
# these exact names, since an article may well end on a line such as "Summary: …".
_TRAILING = {"meta title", "meta description", "slug", "excerpt", "changes"}

HEADER_NAMES = {
    "title": "Title",
    "meta_title": "Meta title",
    "meta_description": "Meta description",
    "slug": "Slug",
    "excerpt": "Excerpt",
    "changes": "Changes",
}


def render(output: dict[str, Any], fields: list[str]) -> str:
    """The answer format for `output`: the header lines for `fields`, `---`, then the HTML."""
    lines = []
    for name in fields:
        value = output.get(name)
        if name == "changes":
            lines.append("Changes:")
            lines.extend(f"- {' '.join(str(c).split())}" for c in value or [])
        elif value:
            lines.append(f"{HEADER_NAMES[name]}: {' '.join(str(value).split())}")
    return "\n".join([*lines, "---", (output.get("html") or "").strip()])


@dataclass
class Parsed:
    fields: dict[str, Any]  # header values found (strings; "changes" a list)
    html: str  # the body as HTML
    form: str  # "markdown" | "html" | "json": what the model wrote the body in


def _unfence(text: str) -> str:
    """The text inside a code fence that wraps the whole answer (```markdown … ```)."""
    match = re.fullmatch(r"\s*```[\w-]*[ \t]*\n(.*?)\n?```\s*", text, re.S)
    return match[1] if match else text


def _header(lines: list[str], fields: dict[str, Any], *, trailing: bool = False) -> int:
    """Read header lines from the top of `lines` into `fields`; the index the body starts at.
    A rule (`---`) ends the header; in `trailing` mode (the meta data after an article) rules
    are passed over and only the exact key names count."""
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if RULE.match(line):
            if trailing:
                i += 1
                continue
            return i + 1
        match = _KEY_LINE.match(line)
        key = _KEYS.get(match[1].lower()) if match else None
        if key is None or (trailing and match[1].lower() not in _TRAILING):
            return i
        i += 1
        if key == "changes":
            items = [match[2]] if match[2] else []
            while i < len(lines) and (item := ITEM.match(lines[i])):
                items.append(item[1])
                i += 1
            fields.setdefault("changes", [c for c in items if c.strip()])
        elif match[2]:
            value = match[2].strip().strip('"“”')
            if value.startswith("<") and value.endswith(">") and "<" not in value[1:-1]:
                value = value[1:-1].strip()  # the format's placeholder brackets, copied
            fields.setdefault(key, value)
    return i


def _is_trailing(lines: list[str], index: int) -> bool:
    """Whether `lines[index]` belongs to meta data after the article: a key line, a rule, a
    blank line, or an item of a "Changes:" list."""
    line = lines[index]
    if not line.strip() or RULE.match(line):
        return True
    match = _KEY_LINE.match(line)
    if match:
        return match[1].lower() in _TRAILING
    return bool(ITEM.match(line)) and any(
        (m := _KEY_LINE.match(x)) and m[1].lower() == "changes"
        for x in lines[max(0, index - 30) : index]
    )


def _trailing(lines: list[str], fields: dict[str, Any]) -> list[str]:
    """`lines` without the meta data at their end (moved into `fields`)."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = end
    while start and _is_trailing(lines, start - 1):
        start -= 1
    if start == end:
        return lines
    _header(lines[start:end], fields, trailing=True)
    return lines[:start]


def parse(text: str) -> Parsed:
    """Read an answer in the article format (see the module notes)."""
    raw = _unfence((text or "").strip()).strip()
    if raw.startswith("{"):
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("html"), str):
            fields = {k: v for k, v in data.items() if k != "html"}
            return Parsed(fields=fields, html=data["html"].strip(), form="json")
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    fields: dict[str, Any] = {}
    body_lines = lines[_header(lines, fields) :]
    body_lines = _trailing(body_lines, fields)
    body = _unfence("\n".join(body_lines).strip()).strip()
    if looks_html(body):
        html, form = tidy_html(body), "html"
    else:
        html, form = markdown_to_html(body), "markdown"
    # A first-level heading is the title (articles have no <h1>: the title is shown apart).
    first = re.match(r"\s*<h1\b[^>]*>(.*?)</h1\s*>", html, re.I | re.S)
    if first:
        fields.setdefault("title", _text(first[1]))
        html = html[first.end() :].strip()
    html = re.sub(r"<(/?)h1\b", r"<\1h2", html, flags=re.I)
    return Parsed(fields=fields, html=html, form=form)


# --- filling in what is missing ---------------------------------------------------------------


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, without a dangling comma."""
    text = " ".join(str(text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0] if " " in text[: limit + 1] else text[:limit]
    return cut.rstrip(" ,;:–-")


def _slug(*candidates: str) -> str:
    for text in candidates:
        slug = slugify(text or "")[:80].strip("-")
        slug = re.sub(r"[^a-z0-9-]+", "", slug)
        slug = re.sub(r"-{2,}", "-", slug).strip("-")
        if slug:
            return slug
    return "article"


def _first_sentences(html: str, limit: int) -> str:
    first = next(iter(paragraphs(html)), "") or _text(html)
    sentences = re.split(r"(?<=[.!?])\s+", first)
    text = ""
    for sentence in sentences:
        if text and len(text) + len(sentence) + 1 > limit:
            break
        text = f"{text} {sentence}".strip()
    return shorten(text, limit)


def complete_article(parsed: Parsed, data: dict[str, Any]) -> dict[str, Any]:
    """The write_content output: the parsed fields, with what a model left out or overdid
    derived from the article and the request (the title asked for, the first paragraph)."""
    f = parsed.fields
    title = " ".join(str(f.get("title") or "").split()) or data.get("title", "")
    meta_title = " ".join(str(f.get("meta_title") or "").split())
    if len(meta_title) < 5:
        meta_title = title
    meta_description = " ".join(str(f.get("meta_description") or "").split())
    if len(meta_description) < 20:
        meta_description = _first_sentences(parsed.html, 160)
    excerpt = " ".join(str(f.get("excerpt") or "").split()) or _first_sentences(parsed.html, 300)
    output = {
        "title": shorten(title, 200),
        "html": parsed.html,
        "meta_title": shorten(meta_title, 60) if len(meta_title) > 70 else meta_title,
        "meta_description": (
            shorten(meta_description, 160) if len(meta_description) > 170 else meta_description
        ),
        "slug": _slug(str(f.get("slug") or ""), title, data.get("primary_keyword", "")),
        "excerpt": shorten(excerpt, 300) or title,
        "primary_keyword": str(f.get("primary_keyword") or data.get("primary_keyword", "")),
        "secondary_keywords": [
            str(k) for k in f.get("secondary_keywords") or data.get("secondary_keywords") or []
        ],
    }
    if len(output["meta_description"]) < 20:  # an article without a paragraph: checks say so
        output["meta_description"] = shorten(f"{title}: {data.get('primary_keyword', '')}", 160)
    return output


def complete_revision(parsed: Parsed, data: dict[str, Any]) -> dict[str, Any]:
    """The optimize_content output: the revised article, its meta data (the current ones when
    the model gave none) and the changes it lists."""
    f = parsed.fields
    meta_title = " ".join(str(f.get("meta_title") or "").split())
    if len(meta_title) < 5:
        meta_title = data.get("meta_title") or data.get("title", "")
    meta_description = " ".join(str(f.get("meta_description") or "").split())
    if len(meta_description) < 20:
        meta_description = data.get("meta_description") or _first_sentences(parsed.html, 160)
    changes = f.get("changes") or []
    if isinstance(changes, str):
        changes = [c.strip() for c in re.split(r"[;\n]", changes) if c.strip()]
    output = {
        "html": parsed.html,
        "meta_title": shorten(meta_title, 60) if len(meta_title) > 70 else meta_title,
        "meta_description": (
            shorten(meta_description, 160) if len(meta_description) > 170 else meta_description
        ),
        "changes": [" ".join(str(c).split()) for c in changes if str(c).strip()],
    }
    if len(output["meta_description"]) < 20:
        output["meta_description"] = shorten(
            f"{data.get('title', '')}: {data.get('primary_keyword', '')}", 160
        )
    if len(output["meta_title"]) < 5:
        output["meta_title"] = shorten(data.get("title", "") or "Article", 60)
    return output
