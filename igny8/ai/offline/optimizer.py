"""optimize_content offline: deterministic on-page fixes, each one reported in plain words.

It checks every rule the optimizer scores, whatever `fixes` lists: clean markup (no scripts,
inline styles or H1 in the body), the primary keyword in the opening paragraph and in a
subheading, secondary keywords present, paragraphs short enough to read, images with alt text,
length near the target (it adds, never cuts what a person wrote), and meta title/description
within their lengths and carrying the keyword.
"""

from __future__ import annotations

import re
from html import escape, unescape
from typing import Any

from igny8.ai.offline import openings, phrases
from igny8.ai.offline.compose import Composer
from igny8.ai.offline.keyword_shape import related
from igny8.ai.offline.kinds import classify, subject_of
from igny8.ai.offline.text import (
    capitalize,
    count_words,
    fit_between,
    rng_for,
    shorten,
    site_audience,
    site_sector,
    title_case,
)
from igny8.ai.offline.titles import glance
from igny8.ai.offline.voice import searched, voice

_P = re.compile(r"<p\b[^>]*>(.*?)</p>", re.S | re.I)
_H2 = re.compile(r"<h2\b[^>]*>(.*?)</h2>", re.S | re.I)


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def _for_reader(keyword: str) -> str:
    """A local search's "near me" as the reader reads it: "near you"."""
    return re.sub(r"\bnear me\b", "near you", keyword, flags=re.I)


def _has(html: str, phrase: str) -> bool:
    text = " ".join(_text(html).lower().split())
    return phrase.lower() in text or _for_reader(phrase).lower() in text


def optimize_content(data: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    rng = rng_for("optimize_content", data, context)
    keyword = data["primary_keyword"].strip()
    v = voice(keyword)
    composer = Composer(
        rng,
        {
            "kw": v.prose,
            "audience": site_audience(context),
            "sector": site_sector(context, fallback="this field").lower(),
            "x": v.prose,
            "y": "the alternatives",
            "subject": v.prose,
            "action": "get the basics right",
            "kw2": v.prose,
        },
        kw_plural=v.prose_is_plural,
    )
    html, changes = clean_markup(data["html"])
    html = _keyword_in_opening(html, keyword, composer, changes)
    html = _keyword_in_subheading(html, keyword, composer, changes)
    html = _secondary_keywords(
        html, data.get("secondary_keywords") or [], keyword, composer, changes
    )
    html = _split_long_paragraphs(html, changes)
    html = _image_alts(html, keyword, changes)
    if data.get("target_words"):
        html = _reach_length(html, int(data["target_words"]), keyword, composer, changes)
    meta_title = _meta_title(data, keyword, changes)
    audience = site_audience(context)
    meta_description = _meta_description(data, html, keyword, audience, rng, changes)
    if not changes:
        changes.append("Checked every on-page rule; nothing needed changing.")
    return {
        "html": html,
        "meta_title": meta_title,
        "meta_description": meta_description,
        "changes": changes,
    }


def clean_markup(html: str) -> tuple[str, list[str]]:
    changes = []
    cleaned = re.sub(r"<(script|style|iframe)\b.*?</\1\s*>", "", html, flags=re.S | re.I)
    cleaned = re.sub(r"\s(?:style|on[a-z]+)\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+)", "", cleaned,
                     flags=re.I)  # fmt: skip
    if cleaned != html:
        changes.append("Removed scripts and inline styles from the article body.")
    demoted = re.sub(r"<(/?)h1\b", r"<\1h2", cleaned, flags=re.I)
    if demoted != cleaned:
        changes.append("Turned the H1 inside the body into an H2: the page title is the only H1.")
    return demoted.strip(), changes


def _keyword_in_opening(html: str, keyword: str, c: Composer, changes: list[str]) -> str:
    first = _P.search(html)
    bank, slots, plural = searched(voice(keyword))
    # A local search is said to the reader ("a good electrician near you"), never "near me".
    if first and (_has(first.group(1), keyword) or _has(first.group(1), slots["phrase"])):
        return html
    sentence = c.opening(openings.OPENINGS[bank], slots["phrase"], plural=plural)
    changes.append(f"Mentioned “{keyword}” in the opening paragraph.")
    if not first:
        return f"<p>{sentence}</p>\n{html}"
    start = first.start(1)
    return html[:start] + sentence + " " + html[start:]


def _keyword_in_subheading(html: str, keyword: str, c: Composer, changes: list[str]) -> str:
    headings = _H2.findall(html)
    if any(_has(h, keyword) for h in headings):
        return html
    v = voice(keyword)
    heading = glance(v) or v.what  # "Compost Bin at a Glance", "Is My Squash Dying? The Short…"
    if not _has(heading, keyword) or any(_has(h, heading) for h in headings):
        # "Electrician near me" does not read in a heading ("Electricians Near You" says it);
        # and a section added once is not added again.
        return html
    slots = {"subject": v.prose}
    body = " ".join([c.topic("general", slots), c.body("general", slots), c.body("general", slots)])
    section = f"<h2>{escape(heading, quote=False)}</h2>\n<p>{body}</p>"
    changes.append(f"Added a short section headed “{heading}”, so the keyword is in a subheading.")
    matches = list(_H2.finditer(html))
    if len(matches) >= 2:  # before the last section, which is usually the conclusion
        at = matches[-1].start()
        return html[:at] + section + "\n" + html[at:]
    return f"{html}\n{section}"


def _secondary_keywords(
    html: str, keywords: list[str], primary: str, c: Composer, changes: list[str]
) -> str:
    """Works in the secondary keywords about the same thing as the primary; one about another
    subject (garlic in a squash article) is not written in as if the article were about it."""
    missing = [
        k.strip()
        for k in keywords
        if k.strip() and not _has(html, k.strip()) and not _has(html, voice(k).mention[0])
    ]
    if not missing:
        return html
    # Nothing to say about the ones left out: leaving them out changes nothing.
    missing = [k for k in missing if related(primary, k)]
    if not missing:
        return html
    paragraphs = list(_P.finditer(html))
    if not paragraphs:
        return html
    inserts: dict[int, list[str]] = {}
    for n, keyword in enumerate(missing):
        target = paragraphs[
            min(len(paragraphs) - 1, 1 + n * max(1, len(paragraphs) // len(missing)))
        ]
        inserts.setdefault(target.end(1), []).append(c.keyword_link(keyword))
    for at in sorted(inserts, reverse=True):
        html = html[:at] + " " + " ".join(inserts[at]) + html[at:]
    changes.append("Worked in the missing secondary keywords: " + ", ".join(missing) + ".")
    return html


def _split_long_paragraphs(html: str, changes: list[str]) -> str:
    split = 0

    def halve(match: re.Match) -> str:
        nonlocal split
        inner = match.group(1)
        if count_words(inner) <= 120 or re.search(r"<(?:p|ul|ol|div|h\d)\b", inner, re.I):
            return match.group(0)
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z“\"])", inner.strip())
        if len(sentences) < 2:
            return match.group(0)
        middle = len(sentences) // 2
        split += 1
        return f"<p>{' '.join(sentences[:middle])}</p>\n<p>{' '.join(sentences[middle:])}</p>"

    html = _P.sub(halve, html)
    if split:
        changes.append(
            f"Split {split} long paragraph{'s' if split > 1 else ''} for easier reading."
        )
    return html


def _image_alts(html: str, keyword: str, changes: list[str]) -> str:
    fixed = 0

    def add_alt(match: re.Match) -> str:
        nonlocal fixed
        tag = match.group(0)
        if re.search(r"\salt\s*=\s*(\"[^\"]+\"|'[^']+')", tag, re.I):
            return tag
        before = html[: match.start()]
        headings = re.findall(r"<h[23]\b[^>]*>(.*?)</h[23]>", before, re.S | re.I)
        near = _text(headings[-1]).strip() if headings else ""
        alt = shorten(f"{capitalize(keyword)}: {near}" if near else capitalize(keyword), 124)
        fixed += 1
        tag = re.sub(r"\salt\s*=\s*(\"\"|'')", "", tag, flags=re.I)
        return re.sub(r"\s*/?>$", f' alt="{escape(alt)}"' + (" />" if tag.endswith("/>") else ">"),
                      tag)  # fmt: skip

    html = re.sub(r"<img\b[^>]*>", add_alt, html, flags=re.I)
    if fixed:
        changes.append(f"Added alt text to {fixed} image{'s' if fixed > 1 else ''}.")
    return html


def _reach_length(html: str, target: int, keyword: str, c: Composer, changes: list[str]) -> str:
    before = count_words(html)
    if before >= target * 0.9:
        return html
    sections = list(_H2.finditer(html))
    # Insertion points: the end of each section (just before the next H2, or the end).
    points = [(m.start(), sections[i - 1].group(1)) for i, m in enumerate(sections) if i > 0]
    points.append((len(html), sections[-1].group(1) if sections else ""))
    added: dict[int, list[str]] = {}
    words, turn = before, 0
    while words < target * 0.97 and turn < 400:
        at, heading = points[turn % len(points)]
        text = _text(heading).strip()
        topic = c.base["kw"]
        slots = {"subject": subject_of(text, topic, classify(text, "article")) if text else topic}
        paragraph = " ".join(c.body("general", slots) for _ in range(c.rng.choice([3, 4])))
        added.setdefault(at, []).append(f"<p>{paragraph}</p>")
        words += count_words(paragraph)
        turn += 1
    for at in sorted(added, reverse=True):
        html = html[:at].rstrip() + "\n" + "\n".join(added[at]) + "\n" + html[at:].lstrip()
    after = count_words(html)
    changes.append(f"Expanded the article from {before:,} to {after:,} words (target {target:,}).")
    return html.strip()


def _meta_title(data: dict[str, Any], keyword: str, changes: list[str]) -> str:
    current = (data.get("meta_title") or "").strip()
    if 5 <= len(current) <= 60 and _has(current, keyword):
        return current
    title = data["title"].strip()
    kw_title = title_case(_for_reader(keyword))
    whole = [title, f"{kw_title}: {title}", f"{title} | {kw_title}"]
    fitting = [c for c in whole if len(c) <= 60 and _has(c, keyword)]
    text = fitting[0] if fitting else shorten(f"{kw_title}: {title}", 60)
    if len(text) < 5:
        text = shorten(kw_title, 60) if len(kw_title) >= 5 else f"{kw_title} guide"
    changes.append(f"Rewrote the meta title ({len(text)} characters, with the keyword).")
    return text


def _meta_description(
    data: dict[str, Any], html: str, keyword: str, audience: str, rng, changes: list[str]
) -> str:
    current = (data.get("meta_description") or "").strip()
    if 120 <= len(current) <= 160 and _has(current, keyword):
        return current
    v = voice(keyword)
    headings = [_text(h).strip() for h in _H2.findall(html)]
    subjects = [subject_of(h, v.prose, classify(h, "article")) for h in headings]
    topics = list(dict.fromkeys(s for s in subjects if s and s != v.prose))[:2]
    bank, slots, _ = searched(v)
    template = rng.choice(openings.META[bank])
    base = template.format(
        phrase=slots["phrase"],
        search=slots.get("search", ""),
        audience=audience,
        topics=" and ".join(topics or ["the basics"]),
    )
    text = fit_between(capitalize(base), list(phrases.META_EXTRAS), 120, 160)
    changes.append(f"Rewrote the meta description ({len(text)} characters, with the keyword).")
    return text
