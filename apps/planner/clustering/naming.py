"""The offline name of a cluster: its most representative high-volume keyword, tidied up."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apps.planner.clustering import Item

_WORD = re.compile(r"[a-z0-9]+(?:['’&+.][a-z0-9]+)*")
_SMALL_WORDS = frozenset(
    "a an and as at but by for from in into nor of on or per the to vs via with".split()
)
_ACRONYMS = {
    w: w.upper()
    for w in (
        "ac ai api b2b b2c bbq cbd cpa crm cv diy dna ev faq gps hiit hr hvac ira irs "
        "llc mba nft pc ppc pto roi rv saas seo sql ssd suv tv uk us usa uv vpn"
    ).split()
}
_STOP = _SMALL_WORDS | {"how", "what", "why", "is", "are", "do", "does", "i", "my", "can", "best"}


def _stem(word: str) -> str:
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def _terms(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP}


def clean_name(text: str) -> str:
    """``"  how to fix a leaky faucet?? "`` → ``"How to Fix a Leaky Faucet"``.

    Words written in capitals inside ordinary text (``IKEA``) and known acronyms (``crm``) come
    out in capitals; small words (``a``, ``to``, ``for``) stay lower case after the first word.
    """
    text = re.sub(r"\s+", " ", text).strip(" \t\r\n-–—_.,;:!?\"'()[]{}")
    if text.isupper():
        text = text.lower()  # shouted as a whole: no word in it is a deliberate acronym
    words = text.split(" ")
    out: list[str] = []
    for position, word in enumerate(words):
        lower = word.lower()
        if lower in _ACRONYMS:
            out.append(_ACRONYMS[lower])
        elif word.isupper() and len(word) > 1 and any(c.isalpha() for c in word):
            out.append(word)  # written in capitals on purpose (a brand, an acronym)
        elif position > 0 and lower in _SMALL_WORDS:
            out.append(lower)
        else:
            out.append(lower[:1].upper() + lower[1:])
    return " ".join(out)[:255]


def representative(items: Sequence[Item]) -> Item:
    """The keyword that best stands for the group: central (shares the most terms with the
    others) and searched (high volume), half and half; ties go to the shorter text."""
    if not items:
        raise ValueError("A cluster name needs at least one keyword.")
    terms = [_terms(item.text) for item in items]
    top_volume = max((max(item.volume, 0) for item in items), default=0)

    def centrality(i: int) -> float:
        if len(items) == 1:
            return 1.0
        total = 0.0
        for j, other in enumerate(terms):
            if j != i:
                union = terms[i] | other
                total += len(terms[i] & other) / len(union) if union else 0.0
        return total / (len(items) - 1)

    central = [centrality(i) for i in range(len(items))]
    top_central = max(central) or 1.0

    def score(i: int) -> tuple[float, int, str, int]:
        volume = max(items[i].volume, 0)
        weight = math.log1p(volume) / math.log1p(top_volume) if top_volume else 0.0
        text = re.sub(r"\s+", " ", items[i].text.strip().lower())
        return (-(0.5 * central[i] / top_central + 0.5 * weight), len(text), text, items[i].id)

    best = min(range(len(items)), key=score)
    return items[best]


def name_for(items: Sequence[Item]) -> str:
    return clean_name(representative(items).text)
