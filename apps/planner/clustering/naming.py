"""The offline name of a cluster: its search intent said around its most representative
keyword ("Best Espresso Machines (Buying Guide)", "How to Descale an Espresso Machine").

The name comes from the offline writer's `cluster_name` (igny8/ai/offline/cluster_names.py),
the one the writer's `name_clusters` renames clusters with right after they are saved, so a
cluster is not renamed for nothing and two groups that answer different searches never share
a name (clusters.py merges groups of one name)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from igny8.ai.offline.cluster_names import cluster_name, lead_keyword

if TYPE_CHECKING:
    from apps.planner.clustering import Item

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
    return items[lead_keyword([(item.text, item.volume) for item in items])]


def name_for(items: Sequence[Item]) -> str:
    """The group's name, saying its intent; raises ValueError for an empty group."""
    return cluster_name([(item.text, item.volume) for item in items]).name
