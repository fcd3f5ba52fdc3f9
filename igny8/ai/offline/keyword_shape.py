"""What a keyword is, read from its words: a question, a "how to", a local or "best" search,
a comparison, a price, a problem, a brand page or a plain topic, and what it is about.

Pure and fast (a few microseconds, cached): the offline writer calls it for every keyword it
writes titles, headings and sentences for. `analyse` never fails; anything it does not
recognise is a plain topic. `related` says whether two keywords are about the same thing,
so a garlic keyword is not written into a squash article as if it were about squash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from igny8.ai.offline.english import BASE_VERBS, VERB_ONLY, is_plural_word
from igny8.ai.offline.nouns import (
    AUX,
    DETERMINERS,
    GENERIC,
    PREPOSITIONS,
    PROBLEM_WORDS,
    WH,
    clean,
    content_stems,
    dollars,
    object_noun,
    reader,
    split_noun,
    stem,
)
from igny8.ai.offline.places import place_at_end
from igny8.ai.offline.questions import parse_question

KINDS = (
    "question", "how_to", "local", "best", "comparison", "cost", "problem", "navigational",
    "topic",
)  # fmt: skip


# The last word of a list-like keyword ("backyard wedding ideas", "mortgage calculator").
LIST_HEADS = frozenset(
    """activities benefits calculator chart checklist checklists examples generator guide
    hacks ideas itinerary list mistakes plan planner printable quotes recipe recipes
    requirements rules schedule statistics strategies symptoms template templates tips
    tracker trends""".split()
)
COST_WORDS = frozenset("cost costs price prices pricing fee fees".split())
NAV_ENDINGS = ("login", "log in", "sign in", "sign up", "customer service", "phone number",
               "portal", "official site")  # fmt: skip
_PROBLEM_PHRASE = re.compile(
    r"\b(?:keeps?|won'?t|doesn'?t|isn'?t|not|stopped|turning)\b|\blights? (?:is )?on$"
)

# "best time to plant garlic": a question about timing or method, not a product list.
_BEST_TO = frozenset("time times way ways age day days month months season year size "
                     "temperature place".split())  # fmt: skip
# Service nouns: a "plumber in austin" is a local search; "pizza in chicago" is a topic.
_PROVIDER_SUFFIXES = ("er", "ers", "or", "ors", "ist", "ists", "ian", "ians")
_PROVIDER_WORDS = frozenset(
    """agency agencies clinic clinics company companies contractor contractors dealership
    dealerships gym gyms hospital hospitals salon salons service services shop shops spa
    spas store stores studio studios vet vets""".split()
)


@dataclass(frozen=True)
class Shape:
    """A keyword read as a writer reads it. Text fields are lower-case prose (acronyms are
    cased by the writer), without the question mark."""

    keyword: str  # the keyword, cleaned: "is my squash dying"
    kind: str  # one of KINDS
    # question: what_is | yes_no | wh | wh_to | best_to; cost: of | to | tail; comparison: vs |
    # or | difference; how_to: how | ways | imperative
    subkind: str = ""
    noun: str = ""  # what it is about, as a noun phrase: "squash", "espresso machine"
    qualifier: str = ""  # "under $200", "for flat feet", "for rent"
    action: str = ""  # the verb phrase of a "how to" or "when to": "unclog a drain"
    question: str = ""  # the question put to the reader: "is your squash dying"
    sides: tuple[str, str] = ("", "")  # a comparison's two sides: ("scrum", "kanban")
    place: str = ""  # "Austin, TX" for "plumber in austin tx"
    near_me: bool = False  # "near me" / "nearby" / "in my area"
    list_head: str = ""  # "ideas" in "backyard wedding ideas"
    problem: bool = False  # something is going wrong
    cost: bool = False  # asks about a price
    mine: bool = False  # says "my": the reader's own squash, dog or house
    superlative: str = ""  # "best", "top 10", "cheapest", "most reliable"
    heads: frozenset[str] = frozenset()  # stems of the head nouns: {"squash"}
    terms: frozenset[str] = frozenset()  # stems of every word that says what it is about

    @property
    def head(self) -> str:
        return min(self.heads) if len(self.heads) == 1 else ""


def _make(keyword: str, kind: str, noun_words: list[str], **fields) -> Shape:
    while noun_words and noun_words[0] in DETERMINERS:
        noun_words = noun_words[1:]
    noun, tail = split_noun(noun_words) if noun_words else ([], [])
    if fields.pop("whole", False):  # "board and train dog training cost" is one name
        head_words = fields.get("head_words") or noun[-1:]
        fields["head_words"] = head_words
        noun, tail = noun_words, []
    extra = fields.pop("extra_terms", [])
    qualifier = fields.pop("qualifier", None)
    if qualifier is None:
        qualifier = dollars(" ".join(tail))
    head_words = fields.pop("head_words", None) or ([noun[-1]] if noun else [])
    heads = frozenset(stem(w) for w in head_words if w not in GENERIC) or frozenset(
        stem(w) for w in noun[-1:]
    )
    words = keyword.split()
    problem = bool(PROBLEM_WORDS & set(words) or _PROBLEM_PHRASE.search(keyword))
    return Shape(
        keyword=keyword,
        kind=kind,
        noun=" ".join(noun),
        qualifier=qualifier,
        problem=fields.pop("problem", problem),
        cost=fields.pop("cost", bool(COST_WORDS & set(words)) or keyword.startswith("how much")),
        heads=heads,
        terms=frozenset(content_stems(noun + extra)) | heads,
        **fields,
    )


def _comparison(text: str) -> Shape | None:
    match = re.match(r"^(?:what(?:'s| is) the )?difference between (.+?) and (.+)$", text)
    joiner = "difference"
    if match:
        left, right = match.groups()
    else:
        joiner = "vs"
        parts = re.split(r"\s+(?:vs\.?|versus)\s+", text, maxsplit=1)
        if len(parts) != 2:
            joiner = "or"
            parts = re.split(r"\s+or\s+", text, maxsplit=1)
            short = len(parts) == 2 and all(0 < len(p.split()) <= 3 for p in parts)
            if not short or parts[0].split()[0] in WH | AUX | {"best", "how"}:
                return None
        left, right = parts
    left = re.sub(r"^(?:which is better|which is best|should i (?:get|choose|buy|use))\s*,?\s*",
                  "", left).strip()  # fmt: skip
    right = right.strip()
    if not left or not right:
        return None
    sides = [re.sub(r"^(?:a|an|the)\s+", "", s) for s in (left, right)]
    qualifier = ""
    noun, tail = split_noun(sides[1].split())
    if joiner != "difference" and tail and tail[0] in PREPOSITIONS and noun:
        # "python vs java for beginners": the qualifier belongs to the whole comparison,
        # not to java ("Can You Switch from Python to Java for Beginners Later?").
        sides[1], qualifier = " ".join(noun), " ".join(tail)
    heads = [split_noun(s.split())[0][-1] for s in sides]
    return _make(text, "comparison", [], sides=(sides[0], sides[1]), head_words=heads,
                 subkind=joiner, qualifier=qualifier,
                 extra_terms=" ".join(sides + [qualifier]).split())  # fmt: skip


def _how_to(text: str) -> Shape | None:
    match = re.match(r"^(?:how (?:to|do i|do you|do we|can i|can you|should i|should you)|"
                     r"(?:\d+ )?(?:ways|tips) to)\s+(.+)$", text)  # fmt: skip
    if not match:
        return None
    action = match.group(1)
    first = action.split()[0]
    if first not in BASE_VERBS and not text.startswith(("how to", "ways", "tips", *"0123456789")):
        return None  # "how do personal injury lawyers get paid" asks a question
    words = action.split()
    ways = bool(re.match(r"^(?:\d+ )?(?:ways|tips)", text))
    return _make(text, "how_to", object_noun(words), action=action,
                 subkind="ways" if ways else "how", qualifier="", extra_terms=words)  # fmt: skip


_SUPERLATIVES = frozenset(
    """best biggest cheapest coldest comfiest coolest cutest easiest fastest greatest
    healthiest highest hottest largest lightest longest loudest lowest newest oldest quickest
    quietest safest shortest simplest smallest softest strongest tallest warmest""".split()
)
_SUPERLATIVE = re.compile(r"^(?:the )?((?:top(?: \d+)?|top rated|top-rated|(?:most|least) "
                          r"\w+|\w+)(?: \d+)?)\s+(.+)$")  # fmt: skip


def _best(text: str) -> Shape | None:
    match = _SUPERLATIVE.match(text)
    if not match or re.match(r"^(?:best buy|best western)\b", text):
        return None
    superlative = match.group(1)
    first = superlative.split()[0]
    if first not in _SUPERLATIVES and first not in ("top", "most", "least", "top-rated"):
        return None
    if first in ("most", "least") and superlative.split()[1] in WH | {"of", "common"}:
        return None  # "most of …", "most common …" are topics
    rest = match.group(2).split()
    if rest[0] in _BEST_TO and "to" in rest[:3]:
        # "best time to plant garlic": when is the best time, not a list of times.
        to = rest.index("to")
        action = " ".join(rest[to + 1 :])
        superlative = "best" if superlative.startswith("top") else superlative
        when = rest[0] in ("time", "times", "day", "days", "month", "months", "season", "year")
        asked = " ".join([superlative, *rest[:to]])
        question = f"{'when' if when else 'what'} is the {asked} to {reader(action)}"
        return _make(text, "question", object_noun(rest[to + 1 :]), subkind="best_to",
                     action=action, extra_terms=rest[to + 1 :], question=question,
                     qualifier="")  # fmt: skip
    return _make(text, "best", rest, superlative=superlative)


def _cost(text: str) -> Shape | None:
    match = re.match(r"^(?:the )?(?:average |typical )?(?:cost|price) (of|to) (.+)$", text)
    if match:
        how, rest = match.groups()
        words = rest.split()
        noun = object_noun(words) if how == "to" else words
        return _make(text, "cost", noun, subkind=how, cost=True, qualifier="",
                     action=rest if how == "to" else "", extra_terms=words)  # fmt: skip
    words = text.split()
    if len(words) >= 2 and words[-1] in COST_WORDS:
        body = words[:-1]
        if body and body[0] in ("average", "typical"):
            body = body[1:]
        return _make(text, "cost", body, subkind="tail", cost=True, whole=True) if body else None
    return None


def _navigational(text: str) -> Shape | None:
    for ending in NAV_ENDINGS:
        if text.endswith(" " + ending):
            brand = text[: -len(ending)].split()
            if set(brand) & PREPOSITIONS:  # "ai chatbot for customer service" is a topic
                return None
            return _make(text, "navigational", brand, list_head=ending)
    return None


def _problem(text: str) -> Shape | None:
    words = text.split()
    if len(words) < 2:
        return None
    match = _PROBLEM_PHRASE.search(text)
    if match and match.start() > 0:
        return _make(text, "problem", text[: match.start()].split(), problem=True,
                     extra_terms=words)  # fmt: skip
    if words[-1] in PROBLEM_WORDS:
        return _make(text, "problem", words[:-1], problem=True, extra_terms=words)
    return None


_ASPECTS = frozenset("signs symptoms causes types kinds benefits uses history cost price "
                     "pros".split())  # fmt: skip


def _topic(text: str) -> Shape:
    words = text.split()
    worth = re.match(r"^(.+?) (?:worth it|worth the money|a good idea)$", text)
    if worth and len(worth.group(1).split()) <= 5:
        # "gutter guards worth it": asked as "are gutter guards worth it"
        noun = worth.group(1)
        verb = "are" if is_plural_word(noun.split()[-1]) else "is"
        return _make(text, "question", noun.split(), subkind="yes_no", qualifier="",
                     question=f"{verb} {noun} {text[len(noun) + 1:]}")  # fmt: skip
    if words[0] in VERB_ONLY and len(words) > 1:  # "learn sql", "sell on tiktok shop"
        return _make(text, "how_to", object_noun(words), subkind="imperative", action=text,
                     qualifier="", extra_terms=words)  # fmt: skip
    if text.endswith(" pros and cons") and len(words) > 3:
        return _make(text, "topic", words[:-3], list_head="pros and cons", qualifier="",
                     extra_terms=[])  # fmt: skip
    noun, tail = split_noun(words)
    list_head = noun[-1] if len(noun) > 1 and noun[-1] in LIST_HEADS else ""
    if len(noun) > 2 and " ".join(noun[-2:]) == "side effects":
        list_head = "side effects"
    heads = None
    if list_head:
        base = noun[: -len(list_head.split())]
        heads = [base[-1]] if base else None
    elif noun and noun[-1] in _ASPECTS and tail[:1] == ["of"]:  # "signs of worms in dogs"
        inner, _ = split_noun(tail[1:]) if len(tail) > 1 else ([], [])
        heads = inner[-1:] or None
    return _make(text, "topic", words, list_head=list_head, head_words=heads)


_NEAR = re.compile(r"\s*\b(?:near me|nearby|near you|in my area|close to me|close by|"
                   r"open now|around me)\b\s*")  # fmt: skip


def _parse(text: str, original: str) -> Shape:
    return (
        _comparison(text)
        or _how_to(text)
        or _best(text)
        or parse_question(text, original, _make)
        or _cost(text)
        or _navigational(text)
        or _problem(text)
        or _topic(text)
    )


@lru_cache(maxsize=8192)
def analyse(keyword: str) -> Shape:
    """The shape of `keyword` (see `Shape`)."""
    text = clean(keyword)
    if not text:
        return Shape(keyword="", kind="topic")
    near_me = bool(_NEAR.search(text))
    core = _NEAR.sub(" ", text).strip()
    if core.startswith("local ") and len(core.split()) > 1:
        near_me, core = True, core[6:]
    place, rest = place_at_end(core)
    first = _parse(rest or core or text, keyword)
    provider = _is_provider(first.noun)
    listing = first.list_head and not provider
    if first.kind == "topic" and not listing and (near_me or place and provider):
        return _replace(first, kind="local", keyword=text, near_me=near_me, place=place)
    # Not a local search: read it whole, with "near me" said to the reader as "near you".
    whole = re.sub(r"\s+", " ", _NEAR.sub(" near you ", text)).strip() if near_me else text
    return _replace(_parse(whole, keyword), keyword=whole, near_me=near_me)


def _is_provider(noun: str) -> bool:
    head = noun.split()[-1] if noun else ""
    return head in _PROVIDER_WORDS or head.endswith(_PROVIDER_SUFFIXES) and len(head) > 4


def _replace(shape: Shape, **changes) -> Shape:
    return Shape(**{**shape.__dict__, **changes})


def related(primary: str | Shape, other: str | Shape) -> bool:
    """Whether `other` is about the same thing as `primary`: one's head noun is among the
    other's words ("compost bin" and "home composting"), and two keywords with the same head
    are not about different kinds of it ("tomato plant" and "pepper plant")."""
    a = primary if isinstance(primary, Shape) else analyse(primary)
    b = other if isinstance(other, Shape) else analyse(other)
    if not a.terms or not b.terms:
        return False
    if a.heads & b.heads:
        if a.kind == "comparison" or b.kind == "comparison":
            return True
        mods_a, mods_b = a.terms - a.heads, b.terms - b.heads
        return not (mods_a and mods_b) or bool(mods_a & mods_b) or len(a.terms & b.terms) > 1
    if a.heads & b.terms or b.heads & a.terms:
        return True
    if not a.heads or not b.heads:
        shared = a.terms & b.terms
        return len(shared) >= max(1, min(len(a.terms), len(b.terms)) // 2 + 1)
    return False
