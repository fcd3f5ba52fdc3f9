"""The optimizer's mechanical fixes: what the on-page score names, fixed without any model.

    fix(data, pictures=(), site_name="") -> Fixed

A pure function (no Django objects, no database): the article's fields and its pictures in,
the fixed fields out, with what was changed and, for every fixable check that still fails,
why. Optimize runs it first (free), then lets a model revise the prose, then runs it again on
the model's answer so the model can never undo a fix.

Rules, each kept only if the score does not go down (so the score never goes down):
1. Heading levels: an H1 in the body becomes an H2 (the page title is the H1); levels that skip
   (H2 → H4) close up, keeping which heading sits under which.
2. The primary keyword in the title, then in the first heading (prefixed, "Keyword: Heading";
   an H2 of the keyword opens a body without headings), then within the first 100 words (a short
   lead sentence in English, "Keyword: …" in other languages).
3. Meta title of 30–60 characters with the keyword near its start: kept when it is fine, else
   built from the meta title or the title (cut at a word, extended with the title, the site name
   or secondary keywords when short).
4. Meta description of 70–160 characters with the keyword: kept when fine, else made from the
   person's description or the article's own opening sentences.
5. Alt text for every picture without one: from its image prompt (the first clause), else its
   caption, its heading or the title. Featured images' alt texts are returned in `image_alts`.

What it does not do: length, readability and internal links need writing; they are left to the
model (or the writer) and listed in `for_writing`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from html import escape, unescape

from apps.writer import scoring
from apps.writer.scoring_text import first_words, fold, has_keyword, read_article
from igny8.ai.offline.english import headline as title_case

# Checks these rules fix; the rest need writing.
FIXABLE = frozenset(
    {
        "keyword",
        "keyword_title",
        "keyword_heading",
        "keyword_intro",
        "keyword_meta_title",
        "keyword_meta_description",
        "meta_title_length",
        "meta_description_length",
        "headings",
        "images_alt",
    }
)
TITLE_MAX = 200  # Content.title
ALT_MAX = 125  # screen readers read about this much comfortably
QUESTION_WORDS = frozenset(
    "is are can could do does did should will would why what when where which who whom whose "
    "how".split()
)
NO_KEYWORD = (
    "No primary keyword is set, so the keyword checks cannot be fixed. Choose one in the "
    "editor (Search appearance → Primary keyword), then optimize again."
)

_HEADING = re.compile(r"<h([1-6])\b([^>]*)>(.*?)</h\1\s*>", re.S | re.I)
_P_OPEN = re.compile(r"<p\b[^>]*>", re.I)
_PARAGRAPH = re.compile(r"<p\b[^>]*>(.*?)</p\s*>", re.S | re.I)
_IMG = re.compile(r"<img\b[^>]*>", re.I)
_ALT = re.compile(r"""\salt\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.I)
_ALT_VALUE = re.compile(r"""\salt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_REF = re.compile(r"""\bdata-igny8-image\s*=\s*["']?(\d+)""", re.I)
_FIGURE = re.compile(r"<figure\b[^>]*>(.*?)</figure\s*>", re.S | re.I)
_CAPTION = re.compile(r"<figcaption\b[^>]*>(.*?)</figcaption\s*>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_SENTENCE = re.compile(r"(?<=[.!?…。！？])\s+")


@dataclass(frozen=True)
class Picture:
    """One of the article's images, as the rules need it."""

    id: int
    kind: str  # "featured" or "in_article"
    alt: str = ""
    prompt: str = ""
    caption: str = ""
    has_file: bool = True


@dataclass
class Fixed:
    title: str
    html: str
    meta_title: str
    meta_description: str
    before: scoring.Score
    after: scoring.Score
    image_alts: dict[int, str] = field(default_factory=dict)  # picture id → its new alt text
    changes: list[str] = field(default_factory=list)  # what was changed, in plain words
    not_fixed: list[tuple[str, str]] = field(default_factory=list)  # (check label, why)
    # (picture id, alt) of the pictures scored outside the body: the featured one.
    outside: list[tuple[int, str]] = field(default_factory=list, repr=False)

    @property
    def for_writing(self) -> list[scoring.Check]:
        """Checks still losing points that need writing (the model's or a person's)."""
        return [c for c in self.after.fixes if c.key not in FIXABLE]

    def fields(self, data: scoring.ScoreInput) -> dict[str, str]:
        """The versioned fields these fixes changed."""
        out = {}
        for name in ("title", "html", "meta_title", "meta_description"):
            if getattr(self, name) != getattr(data, name):
                out[name] = getattr(self, name)
        return out


def _plain(fragment: str) -> str:
    return " ".join(unescape(_TAG.sub(" ", fragment)).split())


def lead_case(keyword: str) -> str:
    """The keyword to open a title or heading: first letter up when written all in lower case
    ("home composting" → "Home composting"; "iPhone cases" stays)."""
    keyword = " ".join(keyword.split())
    return keyword[:1].upper() + keyword[1:] if keyword == keyword.lower() else keyword


def is_question(keyword: str, language: str) -> bool:
    """An English question ("is my squash dying", "why do leaves curl"); not "how to …"."""
    words = keyword.lower().split()
    if language.split("-")[0] != "en" or len(words) < 2 or words[:2] == ["how", "to"]:
        return False
    return words[0] in QUESTION_WORDS


_NEAR_ME = re.compile(r"\bnear me\b", re.I)


def reader_form(keyword: str, language: str) -> str:
    """The keyword as a writer puts it to the reader: a local search's "near me" is "near you"
    (the score counts both)."""
    if language.split("-")[0] != "en":
        return keyword
    return _NEAR_ME.sub(lambda m: "Near You" if m.group(0)[0] == "N" else "near you", keyword)


def headline(keyword: str, language: str) -> str:
    """The keyword as the start of a title or heading ("Is my squash dying?")."""
    lead = lead_case(reader_form(keyword, language))
    return lead.rstrip("?") + "?" if is_question(keyword, language) else lead


def joined(lead: str, rest: str) -> str:
    """ "Lead: rest", or "Lead? rest" after a question."""
    if not rest:
        return lead
    return f"{lead} {rest}" if lead.endswith("?") else f"{lead}: {rest}"


def shorten(text: str, limit: int, *, ellipsis: bool = False) -> str:
    """At most `limit` characters, cut at a word, without a dangling separator."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    room = limit - (1 if ellipsis else 0)
    cut = text[: room + 1]
    cut = cut.rsplit(" ", 1)[0] if " " in cut else text[:room]
    cut = cut.rstrip(" ,;:–—-|/·")
    return cut + ("…" if ellipsis else "")


# --- 1. headings -----------------------------------------------------------------------------


def _fix_levels(html: str, changes: list[str]) -> str:
    found = list(_HEADING.finditer(html))
    if not found:
        return html
    stack: list[tuple[int, int]] = []  # (original level, new level) of the open sections
    levels = []
    for m in found:
        level = max(2, int(m.group(1)))  # the title is the page's H1
        while stack and stack[-1][0] >= level:
            stack.pop()
        new = (stack[-1][1] if stack else 1) + 1
        stack.append((level, new))
        levels.append(new)
    h1 = sum(1 for m in found if m.group(1) == "1")
    moved = sum(1 for m, new in zip(found, levels, strict=True) if int(m.group(1)) not in (1, new))
    if not h1 and not moved:
        return html
    out, pos = [], 0
    for m, new in zip(found, levels, strict=True):
        out.append(html[pos : m.start()])
        out.append(f"<h{new}{m.group(2)}>{m.group(3)}</h{new}>")
        pos = m.end()
    out.append(html[pos:])
    if h1:
        changes.append(
            f"Turned {h1} H1 heading{'s' if h1 > 1 else ''} in the body into H2: the page "
            "title is the article's only H1."
        )
    if moved:
        changes.append(
            f"Fixed the heading levels: {moved} heading{'s' if moved > 1 else ''} moved up so "
            "no level is skipped."
        )
    return "".join(out)


# --- 2. the keyword --------------------------------------------------------------------------


def _keyword_in_title(title: str, keyword: str, language: str, changes: list[str]) -> str:
    if has_keyword(keyword, title, language):
        return title
    lead = headline(keyword, language)
    room = TITLE_MAX - len(lead) - 2
    fixed = joined(lead, shorten(title, room)) if title.strip() and room > 10 else lead
    changes.append(f"Put “{keyword}” at the start of the title.")
    return fixed[:TITLE_MAX]


def _in_title_case(text: str, language: str) -> bool:
    """An English heading written in title case ("What You Will Need"): its longer words all
    start with a capital, and there are at least two of them."""
    if language.split("-")[0] != "en":
        return False
    long_words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", text) if len(w) > 3]
    return len(long_words) >= 2 and all(w[0].isupper() for w in long_words)


def _keyword_in_heading(html: str, keyword: str, language: str, changes: list[str]) -> str:
    doc = read_article(html)
    h1s = [text for level, text in doc.headings if level == 1]
    main = h1s[0] if h1s else (doc.headings[0][1] if doc.headings else "")
    if main and has_keyword(keyword, main, language):
        return html
    lead = headline(keyword, language)
    first = _HEADING.search(html)
    if first is None:
        changes.append(f"Opened the article with an H2 heading “{lead}”.")
        return f"<h2>{escape(lead, quote=False)}</h2>\n{html}"
    level, attrs, inner = first.group(1), first.group(2), first.group(3)
    changes.append(f"Put “{keyword}” in the first heading ({_plain(inner)[:60]}).")
    if _in_title_case(_plain(inner), language) and lead == lead_case(lead.lower()):
        # "How to Install a Ceiling Fan: What You Will Need", not "How to install a …: What
        # You Will Need": the keyword takes the casing of the heading it joins.
        lead = title_case(lead)
    text = joined(escape(lead, quote=False), inner.strip())
    return f"{html[: first.start()]}<h{level}{attrs}>{text}</h{level}>{html[first.end() :]}"


def _lead_sentence(keyword: str, language: str) -> str:
    """A short opening that names the keyword. English gets a sentence; other languages the
    keyword as a lead-in, since a sentence in the wrong language is worse than none."""
    words = reader_form(keyword, language).split()
    if language.split("-")[0] != "en":
        return f"{escape(lead_case(keyword), quote=False)}: "
    text = escape(" ".join(words), quote=False)
    if [w.lower() for w in words[:2]] == ["how", "to"]:
        return f"This article shows {text}. "
    if is_question(keyword, language):
        return f"{escape(headline(keyword, language), quote=False)} This article answers it. "
    return f"This article is about {text}. "


def _keyword_in_intro(html: str, keyword: str, language: str, changes: list[str]) -> str:
    doc = read_article(html)
    if has_keyword(keyword, first_words(doc.blocks, scoring.INTRO_WORDS, language), language):
        return html
    lead = _lead_sentence(keyword, language)
    first = _P_OPEN.search(html)
    if first is not None:
        before = read_article(html[: first.start()])
        used = len(first_words(before.blocks, scoring.INTRO_WORDS, language).split())
        if used + len(lead.split()) < scoring.INTRO_WORDS:
            changes.append(f"Mentioned “{keyword}” at the start of the opening paragraph.")
            return html[: first.end()] + lead + html[first.end() :].lstrip()
    changes.append(f"Added an opening line that mentions “{keyword}”.")
    return f"<p>{lead.strip()}</p>\n{html}"


# --- 3. and 4. meta title and description ---------------------------------------------------


def _meta_title(fx: Fixed, data: scoring.ScoreInput, site_name: str, notes: dict) -> None:
    keyword = data.primary_keyword.strip()
    low, high = scoring.META_TITLE_MIN, scoring.META_TITLE_MAX
    current = " ".join(fx.meta_title.split())
    has_kw = (
        (lambda text: has_keyword(keyword, text, data.language)) if keyword else (lambda text: True)
    )
    if low <= len(current) <= high and has_kw(current):
        return
    if keyword and len(keyword) > high:
        notes["keyword_meta_title"] = (
            f"The primary keyword has {len(keyword)} characters; a meta title shows "
            f"{high}. Choose a shorter primary keyword."
        )
    title = " ".join(fx.title.split())
    lead = headline(keyword, data.language) if keyword else ""
    # The person's meta title first, then the (fixed) title, then either led by the keyword.
    candidates = [current, title]
    if lead:
        candidates += [joined(lead, c) for c in (current, title) if c and not has_kw(c)]
        candidates.append(lead)
    shortened = [shorten(c, high) for c in dict.fromkeys(c for c in candidates if c)]
    usable = [t for t in shortened if has_kw(t)]
    text = next((t for t in usable if len(t) >= low), usable[0] if usable else "")
    for extra in [title, site_name, *data.secondary_keywords]:
        if len(text) >= low:
            break
        extra = " ".join((extra or "").split())
        if extra and fold(extra).strip() not in fold(text) and len(text) + 3 + len(extra) <= high:
            text = f"{text} | {extra}" if text else extra
    if 0 < len(text) < low:
        notes["meta_title_length"] = (
            f"The title{' and the site name' if site_name else ''} make only {len(text)} "
            f"characters. Write a meta title of {low}–{high} characters in the editor "
            "(Search appearance)."
        )
    if text == current or not text:
        return
    fx.meta_title = text
    what = "Wrote" if not current else "Rewrote"
    fx.changes.append(
        f"{what} the meta title ({len(text)} characters"
        + (", with the keyword near the start)." if keyword and has_kw(text) else ").")
    )


def _sentences(blocks: list[str]) -> list[str]:
    out = []
    for block in blocks:
        out.extend(s.strip() for s in _SENTENCE.split(block) if s.strip())
    return out


def _meta_description(fx: Fixed, data: scoring.ScoreInput, notes: dict) -> None:
    keyword = data.primary_keyword.strip()
    low, high = scoring.META_DESCRIPTION_MIN, scoring.META_DESCRIPTION_MAX
    current = " ".join(fx.meta_description.split())
    has_kw = (
        (lambda text: has_keyword(keyword, text, data.language)) if keyword else (lambda text: True)
    )
    if low <= len(current) <= high and has_kw(current):
        return
    # The article's own sentences (in its own language), after the person's words; the one
    # naming the keyword leads, since search results cut descriptions at the end.
    paragraphs = [_plain(m.group(1)) for m in _PARAGRAPH.finditer(fx.html)]
    pool = [s for s in _sentences(paragraphs) if len(s) >= 12]
    parts = _sentences([current]) if current else []
    if keyword and not has_kw(current):
        named = next((s for s in pool if has_kw(s)), "")
        if named:
            parts.insert(0, named)
        elif parts:
            parts[0] = joined(headline(keyword, data.language), parts[0])
        else:
            parts = [headline(keyword, data.language).rstrip("?.") + "."]
    while len(parts) > 1 and len(" ".join(parts)) > high:
        parts.pop()  # whole sentences go from the end
    for sentence in pool:
        if len(" ".join(parts)) >= 120:  # comfortably inside the band
            break
        if sentence not in parts and len(" ".join(parts)) + 1 + len(sentence) <= high:
            parts.append(sentence)
    text = shorten(" ".join(parts), high, ellipsis=True)
    if len(text) < low:
        notes["meta_description_length"] = (
            f"The article has too little text to make a meta description of {low}–{high} "
            "characters from. Write one in the editor (Search appearance)."
        )
    if text == current or not text:
        return
    fx.meta_description = text
    what = "Wrote" if not current else "Rewrote"
    fx.changes.append(
        f"{what} the meta description ({len(text)} characters"
        + (", with the keyword)." if keyword and has_kw(text) else ").")
    )


# --- 5. alt text -----------------------------------------------------------------------------


def alt_from_prompt(prompt: str) -> str:
    """The subject part of an image prompt: its first sentence or clause, at most ALT_MAX
    characters, cut between commas where it can ("Clean illustration of a compost bin, …")."""
    text = re.split(r"[;\n]|(?<=[.!?])\s", " ".join(prompt.split()), maxsplit=1)[0].strip()
    while len(text) > ALT_MAX and "," in text:
        text = text.rsplit(",", 1)[0].strip()
    return shorten(text, ALT_MAX).rstrip(".,;: ")


def _fallback_alt(caption: str, heading: str, title: str) -> str:
    return shorten(caption or heading or title, ALT_MAX)


def _fix_alts(fx: Fixed, pictures: dict[int, Picture]) -> None:
    html, fixed = fx.html, 0
    captions = {}
    for m in _FIGURE.finditer(html):
        caption = _CAPTION.search(m.group(1))
        for img in _IMG.finditer(m.group(1)):
            captions[m.start(1) + img.start()] = _plain(caption.group(1)) if caption else ""
    out, pos = [], 0
    for m in _IMG.finditer(html):
        tag = m.group(0)
        value = _ALT_VALUE.search(tag)
        if value and (value.group(1) or value.group(2) or value.group(3) or "").strip():
            continue
        ref = _REF.search(tag)
        picture = pictures.get(int(ref.group(1))) if ref else None
        before = read_article(html[: m.start()]).headings
        heading = before[-1][1] if before else ""
        caption = captions.get(m.start(), "")
        alt = ""
        if picture is not None:
            alt = picture.alt.strip() or alt_from_prompt(picture.prompt)
            if not picture.alt.strip() and alt:
                fx.image_alts[picture.id] = alt
        alt = alt or _fallback_alt(caption, heading, fx.title)
        if not alt:
            continue
        new = _ALT.sub("", tag)
        new = new[:4] + f' alt="{escape(alt, quote=True)}"' + new[4:]
        out.append(html[pos : m.start()] + new)
        pos = m.end()
        fixed += 1
    if fixed:
        out.append(html[pos:])
        fx.html = "".join(out)
    featured = 0
    for picture in pictures.values():
        if picture.kind == "featured" and picture.has_file and not picture.alt.strip():
            alt = alt_from_prompt(picture.prompt) or _fallback_alt("", "", fx.title)
            if alt:
                fx.image_alts[picture.id] = alt
                featured += 1
    total = fixed + featured
    if total:
        fx.changes.append(
            f"Wrote alt text for {total} image{'s' if total > 1 else ''} from "
            f"{'its' if total == 1 else 'their'} image prompt{'s' if total > 1 else ''} "
            "(or caption or heading, where there was no prompt)."
        )


# --- running them ----------------------------------------------------------------------------


def _score(fx: Fixed, data: scoring.ScoreInput) -> scoring.Score:
    return scoring.score(
        replace(
            data,
            title=fx.title,
            html=fx.html,
            meta_title=fx.meta_title,
            meta_description=fx.meta_description,
            image_alts=tuple(fx.image_alts.get(pk, alt) for pk, alt in fx.outside),
        )
    )


def _reasons(fx: Fixed, notes: dict[str, str]) -> list[tuple[str, str]]:
    out = []
    for check in fx.after.fixes:
        if check.key not in FIXABLE:
            continue
        if check.key == "keyword":
            reason = NO_KEYWORD
        elif check.key == "images_alt" and check.detail == "no images":
            reason = (
                "The article has no image yet. Generate images (Images panel) or upload one; "
                "each gets alt text."
            )
        else:
            reason = notes.get(check.key) or f"Could not be fixed automatically: {check.fix}"
        out.append((check.label, reason))
    return out


def fix(
    data: scoring.ScoreInput, *, pictures: tuple[Picture, ...] = (), site_name: str = ""
) -> Fixed:
    """Apply every rule that helps; see the module's docstring. `data.image_alts` must be the
    alt texts of the `pictures` shown outside the body (featured, with a file), in order."""
    before = scoring.score(data)
    fx = Fixed(
        title=data.title,
        html=data.html or "",
        meta_title=data.meta_title,
        meta_description=data.meta_description,
        before=before,
        after=before,
    )
    outside = [(p.id, p.alt) for p in pictures if p.kind == "featured" and p.has_file]
    if len(outside) != len(data.image_alts):  # pictures not given: score what the caller gave
        outside = [(-1 - n, alt) for n, alt in enumerate(data.image_alts)]
    fx.outside = outside
    keyword = " ".join(data.primary_keyword.split())
    notes: dict[str, str] = {}
    by_id = {p.id: p for p in pictures}

    def rule(step) -> None:  # noqa: ANN001  (a function changing fx in place)
        state = (fx.title, fx.html, fx.meta_title, fx.meta_description, dict(fx.image_alts))
        changes = len(fx.changes)
        step()
        if (fx.title, fx.html, fx.meta_title, fx.meta_description) == state[:4] and (
            fx.image_alts == state[4]
        ):
            return
        score = _score(fx, data)
        if score.total < fx.after.total:  # never lower the score, even by a side effect
            fx.title, fx.html, fx.meta_title, fx.meta_description = state[:4]
            fx.image_alts = state[4]
            del fx.changes[changes:]
            return
        fx.after = score

    def set_html(function, *args) -> None:  # noqa: ANN001
        fx.html = function(fx.html, *args, fx.changes)

    rule(lambda: set_html(_fix_levels))
    if fold(keyword).strip():
        title = lambda: _keyword_in_title(fx.title, keyword, data.language, fx.changes)  # noqa: E731
        rule(lambda: setattr(fx, "title", title()))
        rule(lambda: set_html(_keyword_in_heading, keyword, data.language))
        rule(lambda: set_html(_keyword_in_intro, keyword, data.language))
    rule(lambda: _meta_title(fx, replace(data, primary_keyword=keyword), site_name, notes))
    rule(lambda: _meta_description(fx, replace(data, primary_keyword=keyword), notes))
    rule(lambda: _fix_alts(fx, by_id))
    fx.after = _score(fx, data)
    fx.not_fixed = _reasons(fx, notes)
    return fx
