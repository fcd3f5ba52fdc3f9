"""Small text helpers shared by the offline writer: seeding, casing, slugs, trimming, counting."""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import unicodedata
from typing import Any

from igny8.ai.functions import words_in_html
from igny8.ai.offline.english import SMALL_WORDS, headline


def rng_for(*parts: Any) -> random.Random:
    """A random generator seeded from a stable hash of `parts` (never Python's salted hash())."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=True, default=str)
    seed = int.from_bytes(hashlib.sha256(blob.encode()).digest()[:8], "big")
    return random.Random(seed)


def count_words(text: str) -> int:
    """Words as the engine counts them (the same rule as `words_in_html`)."""
    return words_in_html(text)


def approx_tokens(*texts: str) -> int:
    """About four tokens for every three English words: what a real model would bill."""
    return math.ceil(sum(count_words(t) for t in texts) * 4 / 3)


def clean_phrase(text: str) -> str:
    """A keyword as a person would write it: no stray punctuation, single spaces."""
    text = re.sub(r"[^\w\s'’&+./-]", " ", text or "")
    text = re.sub(r"\s+", " ", text).strip(" -./")
    return text


def title_case(text: str) -> str:
    """Headline case that keeps acronyms ("SEO") and brands ("iPhone"), lower-cases small words
    inside and "vs" (english.headline)."""
    return headline(clean_phrase(text))


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def slugify(text: str, *, fallback: str = "article", limit: int = 80) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    if not slug:
        digest = hashlib.sha256(text.encode()).hexdigest()[:8]
        slug = f"{fallback}-{digest}"
    return slug


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, no dangling connector."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    words = cut.split(" ")
    while len(words) > 1 and (words[-1].lower() in SMALL_WORDS or not words[-1].strip("—–-:,;")):
        words.pop()
    return " ".join(words).rstrip(" ,;:—–-")


def fit_between(base: str, extras: list[str], low: int, high: int) -> str:
    """`base` lengthened with whole `extras` that fit until it reaches `low` characters; cut back
    at a word boundary when `base` alone passes `high`. Always ends in a full stop."""
    text = base.strip().rstrip(".") + "."
    if len(text) > high:
        cut = shorten(text, high - 1).rstrip(".,;: ")
        if len(cut) < low:  # one enormous word (a pasted URL, say): cut it mid-word
            cut = text[: high - 1].rstrip(".,;: ")
        return cut + "."
    for extra in extras:
        if len(text) >= low:
            break
        if len(text) + 1 + len(extra.strip()) <= high:
            text = f"{text} {extra.strip()}"
    while len(text) < low:  # only when no extra fits: pad with short neutral sentences
        text += " Read on." if len(text) + 9 <= high else ""
        if len(text) + 9 > high:
            break
    return text


def site_audience(context: dict[str, Any]) -> str:
    audience = (context.get("audience") or "").strip().rstrip(".")
    return audience[:1].lower() + audience[1:] if audience else "readers"


def lower_name(text: str) -> str:
    """A name for use inside a sentence: "Organic Gardening" → "organic gardening", "SEO" kept."""
    return " ".join(w if (w.isupper() and len(w) > 1) else w.lower() for w in text.split())


def site_sector(context: dict[str, Any], fallback: str = "") -> str:
    for key in ("sector", "industry"):
        value = (context.get(key) or "").strip()
        if value:
            return value
    return fallback


def pick_distinct(rng: random.Random, items: list[str], used: set[str]) -> str:
    """A random item not yet in `used` (any item once all have been used); records it."""
    fresh = [item for item in items if item not in used]
    choice = rng.choice(fresh or items)
    used.add(choice)
    return choice
