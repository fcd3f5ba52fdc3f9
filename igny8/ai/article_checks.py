"""What an article or a revision must hold before it is saved, beyond its shape.

`check_article` and `check_revision` return the problems found, each in words the model is told
in the one repair request (with a hint how to fix it) and a writer reads if it fails again.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from igny8.ai.articles import headings, paragraphs, words_in_html


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
