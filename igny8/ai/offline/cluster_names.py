"""A keyword cluster's search intent, and a name that says it.

One page answers one search intent, so two clusters about the same subject that answer
different searches must read differently at a glance: "Best Espresso Machines (Buying Guide)"
next to "How to Descale an Espresso Machine", "Best Puppy Food (Buying Guide)" next to "How
Often Should Puppies Eat?". The intent is the kind of search (keyword_shape.py) that carries
most of the cluster's volume; plain topic keywords ("espresso machine") count for little,
because they say what the cluster is about, not what the searcher wants from it.

Pure and offline. The planner's clustering (apps/planner/clustering/naming.py) and the
offline writer's `name_clusters` (ideas.py) both name clusters with `cluster_name`, so a
cluster keeps its name when the writer renames it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from igny8.ai.offline.english import headline, plural, prose_case
from igny8.ai.offline.keyword_shape import LIST_HEADS, Shape, analyse
from igny8.ai.offline.places import case_places
from igny8.ai.offline.text import shorten, title_case
from igny8.ai.offline.voice import COLLECTIONS, Voice, voice

NAME_LIMIT = 120

INTENTS = (
    "best", "how_to", "question", "comparison", "cost", "local", "problem", "navigational",
    "reference", "topic",
)  # fmt: skip

# What a searcher of each intent is after, as the first words of a cluster's description.
INTENT_WORDS = {
    "best": "Buying-guide searches",
    "how_to": "How-to searches",
    "question": "Questions",
    "comparison": "Comparison searches",
    "cost": "Price searches",
    "local": "Local searches",
    "problem": "Troubleshooting searches",
    "navigational": "Brand searches",
    "reference": "Reference searches",
    "topic": "Searches",
}

# Said after a name that would not show its intent on its own ("Best Espresso Machines"
# could head a listicle or a news story; "(Buying Guide)" says which page it is).
_SUFFIX = {
    "best": "Buying Guide",
    "comparison": "Comparison",
    "cost": "Price Guide",
    "problem": "Troubleshooting",
    "navigational": "Brand",
}

# A plain topic keyword says what the cluster is about, not what its searchers want: it counts
# for this much of a keyword with an intent, so "best espresso machine" outweighs a far more
# searched "espresso machine", while a cluster of topics with one stray "best" stays a topic.
TOPIC_WEIGHT = 0.2

# List-like keywords a page answers with a ready-made list or tool ("grind size chart",
# "mortgage calculator", "backyard wedding ideas"). Not the heads that also name products
# ("solar generator", "fitness tracker", "daily planner").
REFERENCE_HEADS = LIST_HEADS - {"generator", "planner", "tracker"} | {
    "pros and cons",
    "side effects",
}

# Superlatives of someone choosing what to buy or hire ("healthiest", "easiest" make lists).
_BUYING = frozenset("best top top-rated cheapest most least".split())

_WORD = re.compile(r"[^\W_]+(?:['’&+.][^\W_]+)*")
_LATIN_WORD = re.compile(r"^[a-z][a-z'-]*$")


@dataclass(frozen=True)
class ClusterName:
    name: str  # "Best Espresso Machines (Buying Guide)"
    intent: str  # one of INTENTS
    lead: str  # the keyword the name is made from, as typed


def intent_of(shape: Shape) -> str:
    """The search intent of one keyword: its kind, with a question about a price counted as a
    price search, a question about something going wrong as troubleshooting, and a list-like
    topic ("grind size chart", "mortgage calculator") as a reference search."""
    if shape.kind == "question":
        if shape.cost:
            return "cost"
        return "problem" if shape.problem else "question"
    if shape.kind == "topic":
        return "reference" if shape.list_head in REFERENCE_HEADS else "topic"
    if shape.kind == "best":
        if shape.near_me or shape.place:  # "best plumber near me": choosing a local provider
            return "local"
        head = shape.noun.split()[-1] if shape.noun else ""
        if head in COLLECTIONS or shape.superlative.split()[0] not in _BUYING:
            return "reference"  # "best desk hacks", "easiest plants to grow": a list to read
    return shape.kind if shape.kind in INTENTS else "topic"


def _volume(value: object) -> int:
    try:
        return max(int(value or 0), 0)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0


def _weight(volume: int) -> float:
    """Volume decides, a little less than in proportion: a cluster's several searches of one
    intent can outweigh one bigger search; a keyword of unknown volume still counts."""
    return (1.0 + volume) ** 0.75


def dominant_intent(keywords: Sequence[tuple[str, int]]) -> str:
    """The intent carrying most of the cluster's volume, topics counting for little;
    ties go to the intent listed first in INTENTS."""
    totals: dict[str, float] = {}
    for text, volume in keywords:
        intent = intent_of(analyse(text))
        share = _weight(_volume(volume)) * (TOPIC_WEIGHT if intent == "topic" else 1.0)
        totals[intent] = totals.get(intent, 0.0) + share
    if not totals:
        return "topic"
    return max(INTENTS, key=lambda intent: (totals.get(intent, 0.0), -INTENTS.index(intent)))


def _stem(word: str) -> str:
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


_STOP = frozenset(
    "a an and as at but by for from in into nor of on or per the to vs via with how what why "
    "is are do does i my can best".split()
)


def _terms(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP}


def lead_keyword(keywords: Sequence[tuple[str, int]], among: Sequence[int] | None = None) -> int:
    """The index of the keyword that best stands for the cluster: central (shares the most
    terms with the others) and searched (high volume), half and half; ties go to the shorter
    text. `among` limits the choice (to the keywords of the cluster's intent)."""
    if not keywords:
        raise ValueError("A cluster name needs at least one keyword.")
    terms = [_terms(text) for text, _ in keywords]
    volumes = [_volume(volume) for _, volume in keywords]
    top_volume = max(volumes)

    def centrality(i: int) -> float:
        if len(keywords) == 1:
            return 1.0
        total = 0.0
        for j, other in enumerate(terms):
            if j != i:
                union = terms[i] | other
                total += len(terms[i] & other) / len(union) if union else 0.0
        return total / (len(keywords) - 1)

    choices = list(among) if among else list(range(len(keywords)))
    central = {i: centrality(i) for i in choices}
    top_central = max(central.values()) or 1.0

    def score(i: int) -> tuple[float, int, str]:
        weight = math.log1p(volumes[i]) / math.log1p(top_volume) if top_volume else 0.0
        text = re.sub(r"\s+", " ", keywords[i][0].strip().lower())
        return (-(0.5 * central[i] / top_central + 0.5 * weight), len(text), text)

    return min(choices, key=score)


def _prose(text: str) -> str:
    return case_places(prose_case(text))


def _plural_noun(noun: str) -> str:
    """ "espresso machine" → "espresso machines"; a head that is not a plain English word
    (a number, another script) is left as typed."""
    words = noun.split()
    if not words or not _LATIN_WORD.match(words[-1]):
        return noun
    return " ".join([*words[:-1], plural(words[-1])])


def _strip_the(label: str) -> str:
    return label[4:] if label.startswith("The ") and len(label) > 4 else label


def _with_suffix(base: str, suffix: str) -> str:
    if not suffix:
        return shorten(base, NAME_LIMIT)
    tail = f" ({suffix})"  # a headline of its own: "Furnace Not Turning On (Troubleshooting)"
    return shorten(base, NAME_LIMIT - len(tail)) + tail


def _keep_typed_case(name: str, typed: str) -> str:
    """Words the searcher wrote in capitals ("IKEA", "McDonald's") keep them in the name;
    a keyword shouted as a whole is not a deliberate spelling."""
    if typed.isupper():
        return name
    cased = {w.lower(): w for w in typed.split() if w != w.lower() and any(c.isalpha() for c in w)}
    if not cased:
        return name
    out = []
    for word in name.split(" "):
        core = word.strip("()?:,")
        own = cased.get(core.lower())
        out.append(word.replace(core, own) if own and core else word)
    return " ".join(out)


def _name_for(v: Voice, intent: str) -> str:
    """The name of a cluster led by the keyword `v`, saying `intent`."""
    s = v.shape
    if intent == "best" and s.kind == "best":
        nouns = _plural_noun(s.noun) if v.number == "count" else s.noun
        top = s.superlative or "best"
        return _with_suffix(headline(_prose(" ".join(p for p in (top, nouns, s.qualifier) if p))),
                            _SUFFIX["best"])  # fmt: skip
    if intent == "comparison" and s.kind == "comparison":
        return _with_suffix(v.versus, _SUFFIX["comparison"])
    if s.kind == "question":  # the question says its intent: "How Often Should Puppies Eat?"
        return shorten(v.label, NAME_LIMIT)
    if s.kind == "how_to":
        if s.subkind == "imperative":
            return shorten(headline("how to " + _prose(s.action)), NAME_LIMIT)
        return shorten(v.label, NAME_LIMIT)
    if s.kind == "cost":
        return _with_suffix(_strip_the(v.label), _SUFFIX["cost"])
    if s.kind == "local":  # "Cheap Plumbers Near You", "Plumbers in Austin, TX"
        before, after = "", s.qualifier
        if after and " " not in after and "$" not in after:  # "plumber near me cheap"
            before, after = after, ""
        words = " ".join(p for p in (before, v.nouns, after, v.near) if p)
        return shorten(headline(_prose(words)), NAME_LIMIT)
    if s.kind == "best":  # a local or list search led by a superlative: as typed, no "The"
        return shorten(_strip_the(v.label), NAME_LIMIT)
    if s.kind == "navigational":  # "Chase Login (Brand)"; "… Customer Service" says it already
        sign_in = s.list_head not in ("customer service", "phone number")
        return _with_suffix(headline(_prose(s.keyword)), _SUFFIX[s.kind] if sign_in else "")
    if s.kind == "problem":
        return _with_suffix(headline(_prose(s.keyword)), _SUFFIX[s.kind])
    return ""  # a topic or a reference list: the keyword as typed


def cluster_name(keywords: Sequence[tuple[str, int]]) -> ClusterName:
    """The name of a cluster of (keyword, monthly volume) pairs: its intent said in headline
    case, at most NAME_LIMIT characters. Never fails on odd text; raises ValueError when there
    are no keywords."""
    if not keywords:
        raise ValueError("A cluster name needs at least one keyword.")
    pairs = [(str(text or ""), _volume(volume)) for text, volume in keywords]
    intent = dominant_intent(pairs)
    mine = [i for i, (text, _) in enumerate(pairs) if intent_of(analyse(text)) == intent]
    lead = pairs[lead_keyword(pairs, mine)][0]
    name = _name_for(voice(lead), intent)
    name = _keep_typed_case(name, lead) if name else shorten(title_case(lead), NAME_LIMIT)
    if not name:  # nothing readable in the keyword (punctuation, emoji only)
        name = shorten(re.sub(r"\s+", " ", lead).strip(), NAME_LIMIT)
    return ClusterName(name=name, intent=intent, lead=lead)


def intent_words(intent: str) -> str:
    return INTENT_WORDS.get(intent, INTENT_WORDS["topic"])


__all__ = [
    "INTENTS",
    "NAME_LIMIT",
    "ClusterName",
    "cluster_name",
    "dominant_intent",
    "intent_of",
    "intent_words",
    "lead_keyword",
]
