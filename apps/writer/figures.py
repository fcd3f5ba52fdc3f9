"""In-article images as figures in the body: pure functions on (sanitised) article HTML.

Each in-article image the app made or a person uploaded lives in the body as

    <figure><img src="/writer/images/<id>/file/?v=<stamp>" alt="…" width="…" height="…"
        loading="lazy" data-igny8-image="<id>"><figcaption>…</figcaption></figure>

- `src` is the app's own address of the picture: it works in the editor's preview for members
  of the workspace (the file view is private). `?v=` changes when the picture changes, so a
  browser never shows a cached older picture.
- `data-igny8-image` is the stable reference: the id of the writer's Image. Publishing looks
  for `img[data-igny8-image]`, uploads that Image's file to the site's media library and swaps
  `src` for the media URL it gets back; every other part of the body is sent as it is. The
  sanitiser keeps the attribute only when it is a number (apps/writer/html.py).

A figure goes right after the heading its image was prompted for (after any figures already
there, so several images under one heading keep their order). Placing an image that already
has a figure replaces that figure where it stands: generating again, uploading or editing the
caption never duplicates a picture and never moves one a person moved by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape, unescape

_FIGURE = re.compile(r"<figure\b[^>]*>.*?</figure\s*>", re.S | re.I)
_IMG = re.compile(r"<img\b[^>]*>", re.I)
_REF = re.compile(r"""\bdata-igny8-image\s*=\s*["']?(\d+)""", re.I)
_HEADING = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1\s*>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_PARAGRAPH_END = re.compile(r"</p\s*>", re.I)
_FIGURES_AFTER = re.compile(r"(?:\s*<figure\b[^>]*>.*?</figure\s*>)*", re.S | re.I)


@dataclass(frozen=True)
class Figure:
    """What a figure shows; `src` is the address the body uses for the picture."""

    image_id: int
    src: str
    alt: str
    caption: str = ""
    width: int = 0
    height: int = 0


@dataclass(frozen=True)
class Heading:
    level: int
    text: str  # plain text, spaces tidied
    end: int  # where the heading's closing tag ends in the HTML


def _plain(fragment: str) -> str:
    return " ".join(unescape(_TAG.sub(" ", fragment)).split())


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def headings(html: str, levels: tuple[int, ...] = (2, 3)) -> list[Heading]:
    """The headings of these levels, in order (H2 and H3: where pictures go)."""
    out = []
    for m in _HEADING.finditer(html or ""):
        level = int(m.group(1))
        text = _plain(m.group(2))
        if level in levels and text:
            out.append(Heading(level=level, text=text, end=m.end()))
    return out


def render(figure: Figure) -> str:
    """The figure's markup (escaped; the sanitiser keeps every part of it)."""
    size = ""
    if figure.width > 0 and figure.height > 0:
        size = f' width="{figure.width}" height="{figure.height}"'
    img = (
        f'<img src="{escape(figure.src, quote=True)}" alt="{escape(figure.alt, quote=True)}"'
        f'{size} loading="lazy" data-igny8-image="{figure.image_id}">'
    )
    caption = " ".join(figure.caption.split())
    if caption:
        return f"<figure>{img}<figcaption>{escape(caption, quote=False)}</figcaption></figure>"
    return f"<figure>{img}</figure>"


def _spans(html: str, image_id: int) -> list[tuple[int, int]]:
    """Where the image stands: its figures, and any bare <img> of it outside a figure."""
    spans = []
    for m in _FIGURE.finditer(html):
        if any(int(ref) == image_id for ref in _REF.findall(m.group(0))):
            spans.append((m.start(), m.end()))
    for m in _IMG.finditer(html):
        ref = _REF.search(m.group(0))
        inside = any(start <= m.start() < end for start, end in spans)
        if ref and int(ref.group(1)) == image_id and not inside:
            spans.append((m.start(), m.end()))
    return sorted(spans)


def placed_ids(html: str) -> list[int]:
    """Ids of the images the body shows, in reading order, each once."""
    seen: list[int] = []
    for m in _IMG.finditer(html or ""):
        ref = _REF.search(m.group(0))
        if ref and int(ref.group(1)) not in seen:
            seen.append(int(ref.group(1)))
    return seen


def heading_of(html: str, image_id: int) -> str | None:
    """The text of the H2/H3 the image stands under ("" before any heading); None when the
    body does not show it."""
    spans = _spans(html or "", image_id)
    if not spans:
        return None
    before = [h for h in headings(html) if h.end <= spans[0][0]]
    return before[-1].text if before else ""


def remove(html: str, image_id: int) -> str:
    """The body without the image (its figure, or a bare <img> of it)."""
    html = html or ""
    for start, end in reversed(_spans(html, image_id)):
        html = html[:start].rstrip() + ("\n" if html[end:].strip() else "") + html[end:].lstrip()
    return html.strip()


def _insert_at(html: str, at: int, markup: str) -> str:
    # After the heading, past any figures already under it: several images keep their order.
    skip = _FIGURES_AFTER.match(html, at)
    at = skip.end() if skip else at
    return html[:at].rstrip() + "\n" + markup + "\n" + html[at:].lstrip()


def _where(html: str, heading: str, position: int) -> int:
    """Where a new figure goes: after the heading named `heading`; when the body no longer
    has it, after the `position`-th H2 (the last one if there are fewer); without H2s, after
    the first paragraph; else at the end."""
    found = headings(html, levels=(1, 2, 3, 4, 5, 6))
    for h in found:
        if heading and _same(h.text, heading):
            return h.end
    h2s = [h for h in found if h.level == 2]
    if h2s:
        return h2s[min(max(position, 1), len(h2s)) - 1].end
    first = _PARAGRAPH_END.search(html)
    return first.end() if first else len(html)


def place(html: str, figure: Figure, *, heading: str = "", position: int = 1) -> str:
    """The body showing `figure`: its current figure replaced where it stands, else a new one
    inserted under `heading` (see `_where`)."""
    html = html or ""
    markup = render(figure)
    spans = _spans(html, figure.image_id)
    if spans:
        start, end = spans[0]
        for extra_start, extra_end in reversed(spans[1:]):  # a duplicate pasted by hand
            html = html[:extra_start].rstrip() + "\n" + html[extra_end:].lstrip()
        return (html[:start] + markup + html[end:]).strip()
    return _insert_at(html, _where(html, heading, position), markup).strip()


def move(html: str, figure: Figure, *, heading: str) -> str | None:
    """The body with the figure under `heading` (after the figures already there); None when
    the body has no such heading."""
    html = html or ""
    target = next((h for h in headings(html, (1, 2, 3, 4, 5, 6)) if _same(h.text, heading)), None)
    if target is None:
        return None
    without = remove(html, figure.image_id)
    at = next(h.end for h in headings(without, (1, 2, 3, 4, 5, 6)) if _same(h.text, heading))
    return _insert_at(without, at, render(figure)).strip()
