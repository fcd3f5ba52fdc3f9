"""Article HTML: sanitising (nh3) and reading it (words, text, headings, links, images).

Every HTML body is cleaned on save, whoever wrote it (a person, the AI, a restore): scripts,
event handlers, styles and unknown tags go; the structure an article needs stays.

An article is shown inside the app's own pages (the editor's preview), so it must not be able
to dress up as the app: no `class` (it would pick up the app's styles, `notice notice-bad`,
and pass for the app's own messages), no `style` (a `position: fixed` overlay), and no `id`
the app's CSS, JavaScript or HTMX targets use (`messages`, `ed-preview`, …). Ids stay only
because in-page links need them (a table of contents: `<a href="#faq">` → `<h2 id="faq">`):
each id gets the `igny8-` prefix, which nothing in the app uses, and `href="#x"` is rewritten to
match, so such links still work in the preview and once published. The app's own writers
(offline and prompted) put neither ids nor classes in articles.

In-article pictures are `<figure>`s whose `<img>` carries `data-igny8-image="<Image id>"`, the
reference publishing swaps for the site's media URL (apps/writer/figures.py); the attribute is
kept only when it is a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = {
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "br",
    "hr",
    "ul",
    "ol",
    "li",
    "a",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "mark",
    "small",
    "blockquote",
    "q",
    "cite",
    "code",
    "pre",
    "figure",
    "figcaption",
    "img",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "caption",
    "dl",
    "dt",
    "dd",
    "details",
    "summary",
    "span",
    "div",
    "section",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "target"},
    # data-igny8-image names the app's Image a picture shows (see apps/writer/figures.py).
    "img": {"src", "alt", "width", "height", "loading", "data-igny8-image"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
    "*": {"id"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# Every id in an article starts with this; the app's own ids and classes never do.
ID_PREFIX = "igny8-"


def _prefixed(name: str) -> str:
    return name if name.startswith(ID_PREFIX) else ID_PREFIX + name


def _attribute(tag: str, attribute: str, value: str) -> str | None:
    """Ids moved into the article's own namespace, and in-page links with them."""
    if attribute == "id":
        value = value.strip()
        return _prefixed(value) if value else None
    if attribute == "data-igny8-image":
        value = value.strip()
        return value if value.isascii() and value.isdigit() else None
    if tag == "a" and attribute == "href" and value.startswith("#") and len(value) > 1:
        return "#" + _prefixed(value[1:])
    return value


def sanitize(html: str) -> str:
    """The HTML with only what an article needs; links get rel="noopener noreferrer"; no
    classes or styles; ids (and the in-page links to them) prefixed with ID_PREFIX. Cleaning
    clean HTML again changes nothing."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(
    r"</(p|h[1-6]|li|blockquote|pre|figcaption|td|th|dd|dt|div|section|summary)>|<br\s*/?>", re.I
)
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)


def text_of(html: str) -> str:
    """Plain text, one line per block."""
    text = _BLOCK_END.sub("\n", html or "")
    text = unescape(_TAG.sub(" ", text))
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def word_count(html: str) -> int:
    return len(_WORD.findall(text_of(html)))


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Link:
    href: str
    text: str


@dataclass(frozen=True)
class Img:
    src: str
    alt: str


@dataclass
class Parsed:
    """What the optimizer and the linker read from an article."""

    headings: list[Heading]
    paragraphs: list[str]
    links: list[Link]
    images: list[Img]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = Parsed(headings=[], paragraphs=[], links=[], images=[])
        self._stack: list[tuple[str, list[str], dict]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "img":
            self.out.images.append(Img(src=values.get("src", ""), alt=values.get("alt", "")))
            return
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6", "p", "a", "li"}:
            self._stack.append((tag, [], values))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                name, parts, values = self._stack.pop(i)
                text = re.sub(r"\s+", " ", "".join(parts)).strip()
                if name.startswith("h"):
                    self.out.headings.append(Heading(level=int(name[1]), text=text))
                elif name in {"p", "li"} and text:
                    self.out.paragraphs.append(text)
                elif name == "a":
                    self.out.links.append(Link(href=values.get("href", ""), text=text))
                # The text also belongs to the element around it (a link inside a paragraph).
                if self._stack:
                    self._stack[-1][1].append(" ".join(parts))
                return

    def handle_data(self, data: str) -> None:
        if self._stack:
            self._stack[-1][1].append(data)


def parse(html: str) -> Parsed:
    reader = _Reader()
    reader.feed(html or "")
    reader.close()
    return reader.out
