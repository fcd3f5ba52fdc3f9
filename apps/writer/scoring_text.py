"""Reading an article for the on-page score: one pass of a regex tokenizer over sanitised
HTML (headings, text blocks, link targets, image alts), word and syllable counts, keyword
matching that ignores case, accents and punctuation, and which links stay on the site.

Private to `scoring` (and the linker's link checks); kept apart so the rules read on their own.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from html import unescape
from urllib.parse import urlsplit

NO_SPACES = {"ja", "zh"}  # languages written without spaces between words

TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>")
ATTR = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
BLOCKS = frozenset(
    "p li div section blockquote pre td th dd dt figcaption summary caption ul ol table br".split()
)
WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
ASCII_WORD = re.compile(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*")  # the same on ASCII, faster
SENTENCE_END = re.compile(r"[.!?…。！？](?![^\s\"”’)])")  # "?!" and "..." count once
ENDS = re.compile(r"[.!?…。！？][\"”’)]*$")
JOINERS = str.maketrans({"'": " ", "’": " ", "-": " "})
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass
class Article:
    headings: list[tuple[int, str]] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)  # body text (no headings), one per block
    hrefs: list[str] = field(default_factory=list)
    alts: list[str] = field(default_factory=list)


def attrs(raw: str) -> dict[str, str]:
    return {m[1].lower(): m[2] or m[3] or m[4] or "" for m in ATTR.finditer(raw)}


def read_article(html: str) -> Article:
    out = Article()
    text: list[str] = []
    heading = 0  # level of the heading being read, 0 outside headings
    pos = 0

    def flush() -> None:
        chunk = " ".join(unescape("".join(text)).split())
        text.clear()
        if not chunk:
            return
        if heading:
            out.headings.append((heading, chunk))
        else:
            out.blocks.append(chunk)

    for m in TAG.finditer(html):
        text.append(html[pos : m.start()])
        pos = m.end()
        closing, name = m[1], m[2].lower()
        if len(name) == 2 and name[0] == "h" and name[1] in "123456":
            flush()
            heading = 0 if closing else int(name[1])
        elif name in BLOCKS:
            if not heading:
                flush()
        elif name == "a" and not closing:
            out.hrefs.append(attrs(m[3]).get("href", "").strip())
        elif name == "img":
            out.alts.append(attrs(m[3]).get("alt", "").strip())
    text.append(html[pos:])
    flush()
    return out


def fold(text: str) -> str:
    """Lower case, no accents, words separated by single spaces, padded: " cafe creme "."""
    if not text.isascii():
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
    return " " + " ".join(WORD.findall(text.casefold().translate(JOINERS))) + " "


def has_phrase(folded_keyword: str, text: str) -> bool:
    """Whole words, except for Chinese and Japanese keywords, which have no word breaks."""
    needle = folded_keyword.strip()
    if not needle:
        return False
    return (needle if CJK.search(needle) else folded_keyword) in fold(text)


# A local search ("plumber near me") is written for the reader as "near you": both count.
_NEAR_ME = " near me "
_NEAR_YOU = " near you "


def _inflections(word: str) -> tuple[str, ...]:
    """The other number of an English noun-like word: "machine" ↔ "machines", "berry" ↔
    "berries", "box" ↔ "boxes". Short words and numbers are left alone (they are rarely the
    noun, and "is" → "i" would match anything)."""
    if len(word) <= 3 or not word.isalpha():
        return ()
    if word.endswith("ies") and len(word) > 4:
        return (word[:-3] + "y",)
    if word.endswith("es") and word[:-2].endswith(("s", "x", "z", "ch", "sh")):
        return (word[:-2],)
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return (word[:-1],)
    if word.endswith("y") and word[-2] not in "aeiou":
        return (word[:-1] + "ies",)
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return (word + "es",)
    return (word + "s",)


@lru_cache(maxsize=4096)
def keyword_forms(keyword: str, language: str = "en") -> tuple[str, ...]:
    """The folded ways an article may say its keyword and still be about that search: the
    keyword itself and, in English, "near you" for "near me" and one noun in the other number
    ("best espresso machines" for "best espresso machine"). Titles written for readers say it
    that way, and the score must not push them back to the search's wording."""
    base = fold(keyword)
    if not base.strip():
        return ()
    forms = [base]
    if language.split("-")[0] != "en":
        return tuple(forms)
    if _NEAR_ME in base:
        forms.append(base.replace(_NEAR_ME, _NEAR_YOU))
    for form in list(forms):
        words = form.split()
        for i, word in enumerate(words):
            for other in _inflections(word):
                forms.append(" " + " ".join([*words[:i], other, *words[i + 1 :]]) + " ")
    return tuple(dict.fromkeys(forms))


def has_keyword(keyword: str, text: str, language: str = "en") -> bool:
    """Whether `text` says the keyword in one of its forms (see keyword_forms)."""
    forms = keyword_forms(keyword, language)
    if not forms:
        return False
    if CJK.search(forms[0]):
        return has_phrase(forms[0], text)
    folded = fold(text)
    return any(form in folded for form in forms)


def count_words(text: str, language: str) -> int:
    if language in NO_SPACES:
        cjk = len(CJK.findall(text))
        return len(WORD.findall(CJK.sub(" ", text))) + (cjk + 1) // 2
    return len(WORD.findall(text))


def first_words(blocks: list[str], n: int, language: str) -> str:
    if language in NO_SPACES:
        return " ".join(blocks)[: n * 2]
    words: list[str] = []
    for block in blocks:
        words.extend(block.split())
        if len(words) >= n:
            break
    return " ".join(words[:n])


@lru_cache(maxsize=8192)
def syllables(word: str) -> int:
    """English syllables by the usual vowel-group heuristic (silent e, -es, -ed)."""
    w = word.lower()
    if len(w) <= 3:
        return 1
    w = re.sub(r"(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$", "", w)
    w = re.sub(r"^y", "", w)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", w)))


def host_of(url: str) -> str:
    """The host name of a URL, lower case, without a leading "www."."""
    try:
        host = (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def is_internal(href: str, site_host: str) -> bool:
    """A link to another page of the site: relative ("/guide/", "guide/") or to its host."""
    if not href or href.startswith("#"):
        return False
    try:
        parts = urlsplit(href)
    except ValueError:
        return False
    if parts.scheme and parts.scheme not in {"http", "https"}:
        return False  # mailto:, tel:
    if not parts.netloc:
        return not parts.scheme
    return bool(site_host) and host_of(href) == site_host
