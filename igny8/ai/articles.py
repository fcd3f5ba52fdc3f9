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

`check_article` and `check_revision` say what is wrong with an answer, in words the model is
told in the one repair request and a writer reads if it fails again.
"""

from __future__ import annotations

import html as html_lib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape
from typing import Any

from django.conf import settings
from django.utils.text import slugify

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
_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,}|={3,})\s*$")
_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+(.*\S)\s*$")
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
        if _RULE.match(line):
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
            while i < len(lines) and (item := _ITEM.match(lines[i])):
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
    if not line.strip() or _RULE.match(line):
        return True
    match = _KEY_LINE.match(line)
    if match:
        return match[1].lower() in _TRAILING
    return bool(_ITEM.match(line)) and any(
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
    if _looks_html(body):
        html, form = _tidy_html(body), "html"
    else:
        html, form = markdown_to_html(body), "markdown"
    # A first-level heading is the title (articles have no <h1>: the title is shown apart).
    first = re.match(r"\s*<h1\b[^>]*>(.*?)</h1\s*>", html, re.I | re.S)
    if first:
        fields.setdefault("title", _text(first[1]))
        html = html[first.end() :].strip()
    html = re.sub(r"<(/?)h1\b", r"<\1h2", html, flags=re.I)
    return Parsed(fields=fields, html=html, form=form)


# --- Markdown ---------------------------------------------------------------------------------

_BLOCK_TAG = re.compile(r"<(?:p|h[1-6]|ul|ol|li|table|blockquote|div|section|figure)\b", re.I)


def _looks_html(body: str) -> bool:
    return _BLOCK_TAG.search(body) is not None


def _tidy_html(body: str) -> str:
    """HTML as models write it: Markdown headings on lines of their own become heading tags."""
    return re.sub(
        r"^[ \t]*(#{1,4})[ \t]+(.+?)[ \t#]*$",
        lambda m: f"<h{len(m[1])}>{_inline(m[2])}</h{len(m[1])}>",
        body,
        flags=re.M,
    )


_INLINE_TAGS = re.compile(r"&lt;(/?)(strong|em|b|i|u|code|br|sup|sub)\s*/?&gt;", re.I)


def _inline(text: str) -> str:
    """Inline Markdown (bold, italics, code, links) to HTML; anything else is text."""
    out = html_lib.escape(text.strip(), quote=False)
    out = _INLINE_TAGS.sub(lambda m: f"<{m[1]}{m[2].lower()}>", out)
    codes: list[str] = []

    def keep_code(m: re.Match) -> str:
        codes.append(f"<code>{m[1]}</code>")
        return f"\x00{len(codes) - 1}\x00"

    out = re.sub(r"`([^`]+)`", keep_code, out)
    out = re.sub(
        r"\[([^\]]+)\]\(((?:https?://|/|#|mailto:)[^\s)]*)\)",
        lambda m: f'<a href="{m[2].replace(chr(34), "%22")}">{m[1]}</a>',
        out,
    )
    out = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"<strong>\2</strong>", out)
    out = re.sub(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?!\*)", r"<em>\1</em>", out)
    out = re.sub(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])", r"<em>\1</em>", out)
    return re.sub(r"\x00(\d+)\x00", lambda m: codes[int(m[1])], out)


def _table(rows: list[str]) -> str:
    def cells(row: str) -> list[str]:
        return [c.strip() for c in row.strip().strip("|").split("|")]

    head, body = cells(rows[0]), [cells(r) for r in rows[2:]]
    out = [
        "<table>",
        "<thead><tr>" + "".join(f"<th>{_inline(c)}</th>" for c in head) + "</tr></thead>",
    ]
    if body:
        out.append("<tbody>")
        out += ["<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in body]
        out.append("</tbody>")
    out.append("</table>")
    return "\n".join(out)


def markdown_to_html(text: str) -> str:
    """The Markdown models write (headings, paragraphs, lists, quotes, tables, code blocks,
    bold, italics, links) as article HTML. Not every corner of CommonMark: what is not
    understood stays as text in a paragraph."""
    lines = text.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            out.append(f"<p>{_inline(' '.join(para))}</p>")
            para.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            flush()
            i += 1
            continue
        if stripped.startswith("```"):
            flush()
            code = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                code.append(html_lib.escape(lines[i]))
                i += 1
            out.append("<pre><code>" + "\n".join(code) + "</code></pre>")
            i += 1
            continue
        if heading := re.match(r"^(#{1,6})\s+(.+?)\s*#*\s*$", stripped):
            flush()
            level = len(heading[1])
            out.append(f"<h{level}>{_inline(heading[2])}</h{level}>")
            i += 1
            continue
        if _RULE.match(stripped):
            flush()
            i += 1
            continue
        if (
            stripped.startswith("|")
            and i + 1 < len(lines)
            and re.match(r"^\s*\|?\s*:?-{2,}", lines[i + 1])
        ):
            flush()
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(lines[i])
                i += 1
            out.append(_table(rows))
            continue
        if stripped.startswith(">"):
            flush()
            quote = []
            while i < len(lines) and lines[i].strip().startswith(">"):
                quote.append(lines[i].strip().lstrip(">").strip())
                i += 1
            out.append(f"<blockquote>{markdown_to_html(chr(10).join(quote))}</blockquote>")
            continue
        if item := _ITEM.match(line):
            flush()
            ordered = bool(re.match(r"^\s*\d", line))
            items = []
            while i < len(lines):
                item = _ITEM.match(lines[i])
                if item and bool(re.match(r"^\s*\d", lines[i])) == ordered:
                    items.append(item[1])
                elif item or not lines[i].strip() or not items:
                    break
                else:  # a wrapped line of the item above
                    items[-1] += " " + lines[i].strip()
                i += 1
            tag = "ol" if ordered else "ul"
            out.append(f"<{tag}>" + "".join(f"<li>{_inline(t)}</li>" for t in items) + f"</{tag}>")
            continue
        para.append(stripped)
        i += 1
    flush()
    return "\n".join(out)


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


# --- checks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """What is wrong with an answer: `what` for the model (in the repair request) and for the
    writer, `reason` as a clause after "failed because"."""

    what: str
    reason: str
    hint: str = ""  # how to fix it, for the model's repair request only

    def for_model(self) -> str:
        return f"{self.what} ({self.hint})" if self.hint else self.what


# Words an FAQ heading is made of, in the languages sites are written in most.
_FAQ = re.compile(
    r"\bfaqs?\b|frequently asked|questions|preguntas|perguntas|fragen|domande|vragen|frågor|"
    r"spørsmål|pytania|otázky|kysymyk|sorular|вопрос|питання|質問|问题|問題|자주",
    re.I,
)
_STOP = frozenset(
    "a an and are as at be by can do does for from how i in is it of on or the to what when "
    "where which who why with you your".split()
)
# An article this many times longer than asked is a model that would not stop.
MAX_WORDS_RATIO = 3


def _tokens(text: str) -> set[str]:
    words = re.findall(r"[^\W_]+", text.casefold())
    return {w for w in words if w not in _STOP} or set(words)


def _matches(wanted: str, found: list[str]) -> bool:
    """Loosely the same heading: most of its words are in one of the headings found."""
    want = _tokens(wanted)
    if not want:
        return True
    return any(len(want & _tokens(h)) >= max(1, math.ceil(len(want) * 0.6)) for h in found)


def _listing(items: list[str], limit: int = 3) -> str:
    shown = [f"“{t}”" for t in items[:limit]]
    more = len(items) - limit
    if more > 0:
        shown.append(f"{more} more")
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _repeats(html: str) -> bool:
    texts = [p.casefold() for p in paragraphs(html) if len(p) > 40]
    return len(texts) >= 4 and len(set(texts)) < 0.6 * len(texts)


def _length_problems(words: int, target: int, *, against: str) -> list[Problem]:
    ratio = float(settings.AI_MIN_WORDS_RATIO)
    least = math.ceil(target * ratio)
    if words < least:
        return [
            Problem(
                f"it has {words:,} words and at least {least:,} are needed ({against} {target:,})",
                "the article came out too short",
            )
        ]
    if words > target * MAX_WORDS_RATIO:
        return [
            Problem(
                f"it has {words:,} words, far more than the {target:,} asked for",
                "the article came out far too long",
            )
        ]
    return []


def check_article(data: dict[str, Any], output: dict[str, Any]) -> list[Problem]:
    """An article is accepted when it has at least AI_MIN_WORDS_RATIO of the words asked for
    (and not several times more), a heading for every section of the outline (matched loosely;
    reworded or translated headings pass when there are as many of them), an FAQ when one was
    asked for, and paragraphs that do not repeat one another."""
    html = output.get("html") or ""
    problems = _length_problems(words_in_html(html), data["target_words"], against="asked for:")
    found = [text for level, text in headings(html) if level in (2, 3)]
    outline = [s["heading"] for s in data.get("outline") or []]
    missing = [h for h in outline if not _matches(h, found)]
    # Headings from the FAQ on are questions, not sections: they do not stand in for missing ones.
    faq_at = next((i for i, h in enumerate(found) if _FAQ.search(h)), len(found))
    if missing and faq_at < len(outline):
        problems.append(
            Problem(
                f"it lacks the outline's section{'s' if len(missing) != 1 else ''} "
                f"{_listing(missing)}",
                "the article left out parts of the outline",
                "each needs its own heading",
            )
        )
    if data.get("include_faq"):
        faq = any(_FAQ.search(h) for h in found) or sum(h.endswith("?") for h in found) >= 2
        if not faq:
            problems.append(
                Problem(
                    "it has no FAQ section at the end",
                    "the article had no FAQ section",
                    "a heading, then questions as sub-headings with short answers",
                )
            )
    if _repeats(html):
        problems.append(Problem("it repeats the same paragraphs", "the article repeated itself"))
    return problems


def check_revision(data: dict[str, Any], output: dict[str, Any]) -> list[Problem]:
    """A revision keeps the article whole: at least AI_MIN_WORDS_RATIO of its words (or of the
    target, when one is set), at least half of its headings, every image, and no repeated
    paragraphs."""
    before = data.get("html") or ""
    after = output.get("html") or ""
    target = data.get("target_words") or words_in_html(before)
    against = "asked for:" if data.get("target_words") else "the article had"
    problems = _length_problems(words_in_html(after), max(target, 1), against=against)
    had = [t for level, t in headings(before) if level in (2, 3)]
    kept = [t for level, t in headings(after) if level in (2, 3)]
    if len(kept) < math.ceil(len(had) / 2):
        problems.append(
            Problem(
                f"it has {len(kept)} of the article's {len(had)} headings",
                "the revision dropped sections of the article",
                "keep its sections",
            )
        )
    images_before = len(re.findall(r"<img\b", before, re.I))
    images_after = len(re.findall(r"<img\b", after, re.I))
    if images_after < images_before:
        problems.append(
            Problem(
                f"it has {images_after} of the article's {images_before} images",
                "the revision dropped images of the article",
                "keep every image and figure as it is",
            )
        )
    if _repeats(after):
        problems.append(Problem("it repeats the same paragraphs", "the revision repeated itself"))
    return problems


Checker = Callable[[dict[str, Any], dict[str, Any]], list[Problem]]
