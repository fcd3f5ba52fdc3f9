"""What changed between two versions of an article: per field, a line-based unified diff with
the changed words marked inside changed lines. Pure functions (difflib); every piece of text is
HTML-escaped here, so a template may print `line.html` as is.

    version_diff(a, b) -> list[FieldDiff]     a = the older side, b = the newer side
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from apps.writer.models import VERSIONED_FIELDS, Content, ContentVersion

LABELS = {
    "title": "Title",
    "slug": "Slug",
    "html": "Body (HTML)",
    "excerpt": "Excerpt",
    "meta_title": "Meta title",
    "meta_description": "Meta description",
    "primary_keyword": "Primary keyword",
    "secondary_keywords": "Secondary keywords",
}
CONTEXT = 2  # unchanged lines kept around each change

_BLOCKS = (
    "p|h[1-6]|li|ul|ol|blockquote|pre|table|thead|tbody|tfoot|tr|figure|figcaption|section|"
    "div|details|summary|dl|dt|dd|caption"
)
_BLOCK_END = re.compile(rf"(</(?:{_BLOCKS})>|<br\s*/?>|<hr\s*/?>)", re.I)
_BLOCK_START = re.compile(rf"(<(?:{_BLOCKS})(?:\s[^>]*)?>)", re.I)
_TOKEN = re.compile(r"\s+|[^\W_]+|.", re.S | re.U)


@dataclass(frozen=True)
class Line:
    op: str  # "same", "removed", "added" or "skip" (unchanged lines left out)
    html: SafeString  # escaped text; changed words inside <del>/<ins>
    old: int | None = None  # line number on the older side
    new: int | None = None  # line number on the newer side

    @property
    def sign(self) -> str:
        return {"same": " ", "removed": "−", "added": "+", "skip": "…"}[self.op]


@dataclass
class FieldDiff:
    field: str
    label: str
    lines: list[Line] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(1 for line in self.lines if line.op == "added")

    @property
    def removed(self) -> int:
        return sum(1 for line in self.lines if line.op == "removed")


def lines_of(name: str, value: Any) -> list[str]:
    """A field's value as the lines the diff compares: HTML one block per line."""
    if name == "secondary_keywords":
        return [str(k) for k in value or []]
    text = str(value or "")
    if name == "html":
        text = _BLOCK_START.sub(r"\n\1", _BLOCK_END.sub(r"\1\n", text))
    return [line.strip() for line in text.splitlines() if line.strip()]


def html_for_editing(html: str) -> str:
    """The body with one block per line, for the editor's textarea (AI answers often come as
    one long line). `<pre>` keeps its own spacing, so such a body is left as it is."""
    if "<pre" in (html or "").lower():
        return html or ""
    return "\n".join(lines_of("html", html))


def same_html(a: str, b: str) -> bool:
    """Whether two bodies differ only in line breaks and spacing between blocks."""
    if "<pre" in (a or "").lower() or "<pre" in (b or "").lower():
        return a == b
    return lines_of("html", a) == lines_of("html", b)


def _marked(tokens: list[str], spans: list[tuple[int, int]], tag: str) -> SafeString:
    out, at = [], 0
    for start, end in spans:
        out.append(escape("".join(tokens[at:start])))
        out.append(f"<{tag}>{escape(''.join(tokens[start:end]))}</{tag}>")
        at = end
    out.append(escape("".join(tokens[at:])))
    return mark_safe("".join(out))  # noqa: S308  (every piece above is escaped)


def _pair(old: str, new: str) -> tuple[SafeString, SafeString]:
    """The two sides of a changed line, the words that differ marked."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    removed, added = [], []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op in ("replace", "delete"):
            removed.append((i1, i2))
        if op in ("replace", "insert"):
            added.append((j1, j2))
    return _marked(a, removed, "del"), _marked(b, added, "ins")


def _skip(count: int) -> Line:
    words = f"{count} unchanged line{'s' * (count != 1)}"
    return Line(op="skip", html=mark_safe(escape(words)))  # noqa: S308


def diff_lines(old_lines: list[str], new_lines: list[str], *, context: int = CONTEXT) -> list[Line]:
    """A unified diff of two lists of lines; long unchanged runs are folded."""
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    opcodes = matcher.get_opcodes()
    out: list[Line] = []
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            run = list(range(i2 - i1))
            keep_head = context if index > 0 else 0
            keep_tail = context if index < len(opcodes) - 1 else 0
            if len(run) > keep_head + keep_tail + 2:  # fold 3 lines or more
                shown = run[:keep_head] + [None] + run[len(run) - keep_tail :]
            else:
                shown = run
            for k in shown:
                if k is None:
                    out.append(_skip(len(run) - keep_head - keep_tail))
                else:
                    out.append(
                        Line("same", mark_safe(escape(old_lines[i1 + k])), i1 + k + 1, j1 + k + 1)  # noqa: S308
                    )
            continue
        olds, news = old_lines[i1:i2], new_lines[j1:j2]
        paired = min(len(olds), len(news)) if op == "replace" else 0
        marked = [_pair(olds[k], news[k]) for k in range(paired)]
        for k, text in enumerate(olds):
            html = marked[k][0] if k < paired else mark_safe(escape(text))  # noqa: S308
            out.append(Line("removed", html, old=i1 + k + 1))
        for k, text in enumerate(news):
            html = marked[k][1] if k < paired else mark_safe(escape(text))  # noqa: S308
            out.append(Line("added", html, new=j1 + k + 1))
    return out


def version_diff(a: ContentVersion | Content, b: ContentVersion | Content) -> list[FieldDiff]:
    """The fields that differ between `a` (older) and `b` (newer), each with its lines."""
    diffs = []
    for name in VERSIONED_FIELDS:
        old, new = getattr(a, name), getattr(b, name)
        if old == new:
            continue
        lines = diff_lines(lines_of(name, old), lines_of(name, new))
        if not any(line.op in ("added", "removed") for line in lines):
            lines = [Line(op="skip", html=mark_safe("Only spacing or line breaks changed."))]  # noqa: S308
        diffs.append(FieldDiff(field=name, label=LABELS.get(name, name), lines=lines))
    return diffs
