"""The Markdown models write, as article HTML: headings, paragraphs, lists, quotes, tables,
code blocks, bold, italics and links. Not every corner of CommonMark: what is not understood
stays as text in a paragraph. Text is escaped; the HTML saved is cleaned by nh3 anyway
(`apps.writer.html`)."""

from __future__ import annotations

import html as html_lib
import re

# A horizontal rule (also the `---` between an answer's header and its article) and a list item.
RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,}|={3,})\s*$")
ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+(.*\S)\s*$")

_BLOCK_TAG = re.compile(r"<(?:p|h[1-6]|ul|ol|li|table|blockquote|div|section|figure)\b", re.I)


def looks_html(body: str) -> bool:
    return _BLOCK_TAG.search(body) is not None


def tidy_html(body: str) -> str:
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
        if RULE.match(stripped):
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
        if item := ITEM.match(line):
            flush()
            ordered = bool(re.match(r"^\s*\d", line))
            items = []
            while i < len(lines):
                item = ITEM.match(lines[i])
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
