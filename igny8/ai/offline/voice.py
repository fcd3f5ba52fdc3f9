"""How a writer names one keyword: in titles, in headings and inside sentences.

`Voice(keyword)` turns the keyword's shape (keyword_shape.py) into the forms the offline
writer needs: "Is My Squash Dying?" as a headline and "your squash" inside a sentence,
"Electricians Near You" (never "Electrician Near Me") and "finding a good electrician near
you", "The Best Espresso Machines Under $200" and "choosing the best espresso machine under
$200". Title and heading banks live in titles.py; this module only knows the forms.
"""

from __future__ import annotations

from functools import cached_property, lru_cache

from igny8.ai.offline.english import (
    VERB_ONLY,
    gerund,
    headline,
    is_plural_word,
    plural,
    prose_case,
    sentence_case,
    singular,
    third_person,
    with_article,
)
from igny8.ai.offline.keyword_shape import Shape, analyse
from igny8.ai.offline.nouns import number_of
from igny8.ai.offline.places import case_places

# List-like keywords whose forms are the whole phrase ("backyard wedding ideas").
COLLECTIONS = frozenset(
    """activities benefits examples hacks ideas mistakes pros and cons quotes recipes
    requirements rules side effects statistics strategies symptoms tips trends""".split()
) | {"pros and cons", "side effects"}


# Verbs a comparison's sides may start with ("rent vs buy", "lease vs buy a car").
_DOING = VERB_ONLY | frozenset(
    "rent lease buy sell repair replace stay move wait refinance build fix keep quit switch".split()
)


def _reader(text: str) -> str:
    swap = {
        "my": "your",
        "i": "you",
        "me": "you",
        "our": "your",
        "we": "you",
        "us": "you",
        "mine": "yours",
        "am": "are",
        "myself": "yourself",
    }
    return " ".join(swap.get(w, w) for w in text.split())


def _prose(text: str) -> str:
    return case_places(prose_case(text))


def _pluralise_head(noun: str) -> str:
    """ "espresso machine" → "espresso machines" (the head, which is last in a noun phrase)."""
    words = noun.split()
    if not words:
        return noun
    return " ".join([*words[:-1], plural(words[-1])])


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p).strip()


class Voice:
    """The forms of one keyword. Prose forms are lower-case (acronyms, brands and places
    cased); headline forms are in headline case."""

    def __init__(self, keyword: str) -> None:
        self.shape: Shape = analyse(keyword)
        self.kind = self.shape.kind

    # --- the noun and its number -----------------------------------------------------------

    @cached_property
    def number(self) -> str:
        s = self.shape
        if s.kind == "topic" and s.list_head in COLLECTIONS:
            return "plural"
        return number_of(s.noun)

    @cached_property
    def noun(self) -> str:
        return _prose(self.shape.noun)

    @cached_property
    def nouns(self) -> str:
        """The noun in the form a writer uses for things in general: "compost bins"."""
        return _prose(_pluralise_head(self.shape.noun)) if self.number == "count" else self.noun

    @cached_property
    def a_noun(self) -> str:
        """ "an electrician", "pest control" (no article for mass nouns and names); one of a
        local search's plural ("furniture stores" → "a furniture store")."""
        if self.number == "count":
            return with_article(self.noun)
        words = self.shape.noun.split()
        if self.kind == "local" and self.number == "plural" and words:
            one = _prose(" ".join([*words[:-1], singular(words[-1])]))
            return with_article(one) if one != self.noun else self.noun
        return self.noun

    @property
    def qualifier(self) -> str:
        return _prose(self.shape.qualifier)

    # --- inside sentences ------------------------------------------------------------------

    @cached_property
    def prose(self) -> str:
        """What the article is about as a noun phrase for any sentence frame: "compost
        bins", "unclogging a drain", "your squash", "your search for a good electrician near
        you", "the choice between scrum and kanban"."""
        s = self.shape
        if s.kind in ("how_to",) or s.kind == "question" and s.subkind in ("wh_to", "best_to"):
            return self.gerund_phrase
        if s.kind == "question" or s.kind == "problem":
            if not s.noun:
                return "the answer"
            if s.mine or s.kind == "problem":
                return f"your {self.noun}"
            return self.nouns
        if s.kind == "local":
            return f"your search for {self.a_good} {self.near}"
        if s.kind == "best":
            return f"your search for {self.best_single}"
        if s.kind == "comparison":
            x, y = self.side_nouns
            return f"the choice between {x} and {y}"
        if s.kind == "cost":
            return self.cost_phrase
        if s.kind == "navigational":
            return self.brand_phrase
        return _join(self.nouns, self.qualifier)

    @cached_property
    def about(self) -> str:
        """What a group of searches is about, said to the site owner: "squash", "local
        electricians", "the best espresso machines under $200", "scrum and kanban"."""
        s = self.shape
        if s.kind == "question" and s.noun:
            return self.nouns
        if s.kind == "local":
            return _join(f"local {self.nouns}", f"in {s.place}" if s.place else "")
        if s.kind == "best":
            return self.best_plural
        if s.kind == "comparison":
            return " and ".join(self.side_nouns)
        if s.kind in ("question", "problem"):
            return f"“{_prose(s.keyword)}”"
        return self.prose

    @cached_property
    def prose_is_plural(self) -> bool:
        s = self.shape
        if (
            s.kind in ("how_to", "local", "best", "comparison")
            or s.kind == "question"
            and (s.subkind in ("wh_to", "best_to") or s.mine or not s.noun)
        ):
            return False
        if s.kind == "problem":
            return self.number == "plural"
        if s.kind == "cost":
            return s.subkind == "tail" and is_plural_word(s.keyword.split()[-1])
        return self.number in ("plural", "count")

    @cached_property
    def gerund_phrase(self) -> str:
        """ "unclog a drain" → "unclogging a drain", "find a dentist near me" → "finding a
        dentist near you"."""
        action = self.shape.action or self.shape.keyword
        verb, _, rest = action.partition(" ")
        return _prose(_join(gerund(verb), _reader(rest)))

    @cached_property
    def action(self) -> str:
        return _prose(_reader(self.shape.action))

    @cached_property
    def a_good(self) -> str:
        one = self.a_noun
        if one != self.noun:  # "a good electrician", "a good furniture store"
            return "a good " + one.split(" ", 1)[1]
        return f"good {self.noun}" if self.number != "proper" else self.noun

    @cached_property
    def near(self) -> str:
        s = self.shape
        return f"in {s.place}" if s.place else "near you"

    @cached_property
    def sides(self) -> tuple[str, str]:
        return (_prose(self.shape.sides[0]), _prose(self.shape.sides[1]))

    @cached_property
    def verb_sides(self) -> bool:
        """ "rent vs buy", "repair or replace": two things to do, not two things."""
        return any(side.split(" ", 1)[0] in _DOING for side in self.shape.sides if side)

    @cached_property
    def side_nouns(self) -> tuple[str, str]:
        """The sides as things: "renting", "buying a car" for verbs; else as typed."""
        if not self.verb_sides:
            return self.sides
        out = []
        for side in self.sides:
            verb, _, rest = side.partition(" ")
            out.append(_join(gerund(verb), rest))
        return out[0], out[1]

    @cached_property
    def cost_phrase(self) -> str:
        s = self.shape
        if s.subkind == "to":
            return f"the cost to {_prose(s.action)}"
        if s.subkind == "of":
            return f"the cost of {_join(self.noun, self.qualifier)}"
        return _prose(s.keyword)

    @cached_property
    def brand_phrase(self) -> str:
        brand = " ".join(
            w[:1].upper() + w[1:] if w == w.lower() else w for w in _prose(self.shape.noun).split()
        )
        return _join(brand, self.shape.list_head)

    @cached_property
    def question(self) -> str:
        """The question as the reader would ask it, in sentence case: "Is your squash dying?"."""
        return sentence_case(_reader(self.shape.question or self.shape.keyword)) + "?"

    @cached_property
    def asked(self) -> str:
        """The keyword as the searcher typed it, as a sentence: "Is my squash dying?"."""
        return sentence_case(self.shape.keyword.rstrip("?")) + "?"

    # --- headlines -------------------------------------------------------------------------

    @cached_property
    def label(self) -> str:
        """The keyword as a headline: "Is My Squash Dying?", "Electricians Near You", "The Best
        Espresso Machines Under $200", "Scrum vs Kanban", "How to Unclog a Drain"."""
        s = self.shape
        if s.kind == "question":
            if s.subkind in ("wh_to", "best_to"):
                words = s.keyword if s.subkind == "wh_to" else f"the {s.keyword}"
                return headline(_prose(words))
            return headline(_prose(s.keyword)) + "?"
        if s.kind == "how_to":
            if s.subkind == "ways":
                return headline(_prose(s.keyword))
            return headline("how to " + _prose(s.action))  # as searched: "… My Router"
        if s.kind == "local":
            return headline(_join(self.local_nouns, self.near))
        if s.kind == "best":
            return headline(self.best_plural)
        if s.kind == "comparison":
            return self.versus
        if s.kind == "cost":
            return headline(self.cost_phrase if s.subkind != "tail" else _prose(s.keyword))
        return headline(_prose(s.keyword))

    @cached_property
    def lead(self) -> str:
        """A title's first half, ready for a subtitle: "Is My Squash Dying?" or "How to Unclog
        a Drain:"."""
        label = self.label
        return label if label.endswith("?") else f"{label}:"

    @cached_property
    def ref(self) -> str:
        """The topic for "Guide to …", "Why … Matters": "Compost Bins", "Unclogging a Drain"."""
        s = self.shape
        if s.kind == "topic" and s.list_head in COLLECTIONS:
            return headline(_prose(s.keyword))
        if s.kind in ("topic", "how_to", "navigational"):
            return headline(self.prose)
        return self.label

    @cached_property
    def ref_is_plural(self) -> bool:
        return self.prose_is_plural if self.kind in ("topic", "how_to", "navigational") else False

    @cached_property
    def local_nouns(self) -> str:
        """ "electricians", "house cleaning services", "pest control", "lululemon"."""
        return self.nouns

    @cached_property
    def best_plural(self) -> str:
        s = self.shape
        top = s.superlative or "best"
        return _join(f"the {top}", self.nouns, self.qualifier)

    @cached_property
    def best_single(self) -> str:
        s = self.shape
        return _join(f"the {s.superlative or 'best'}", self.noun, self.qualifier)

    @cached_property
    def versus(self) -> str:
        x, y = self.sides
        joiner = "or" if self.shape.subkind == "or" else "vs"
        # The comparison's own qualifier ("for beginners") follows both sides.
        return headline(_join(f"{x} {joiner} {y}", self.qualifier))

    @cached_property
    def how_much(self) -> str:
        """ "How Much Does Roof Replacement Cost?", "How Much Do Solar Panels Cost?"."""
        s = self.shape
        if s.subkind == "to":
            return headline(f"how much does it cost to {_prose(s.action)}") + "?"
        # "How Much Does a Plumber Cost?": one of a countable thing takes its article.
        one = self.a_noun if self.number == "count" and self.noun else self.noun
        noun = _join(one, self.qualifier) if s.subkind == "of" else one
        noun = noun or _prose(s.keyword)
        does = "do" if is_plural_word(noun.split()[-1]) else "does"
        return headline(f"how much {does} {noun} cost") + "?"

    @cached_property
    def what(self) -> str:
        """The first heading, which explains: "What Is a Compost Bin?", "Is My Squash Dying?
        The Short Answer", "What to Look for in an Electrician"."""
        s = self.shape
        if s.kind == "question":
            if s.subkind == "what_is":
                return self.label
            return f"{self.lead} The Short Answer"
        if s.kind == "how_to":
            if s.subkind == "ways":
                return f"{self.label} at a Glance"
            return f"{self.label}: What It Involves"
        if s.kind == "best" and not s.superlative.startswith("top"):
            return headline(f"what makes {self.best_single}") + "?"  # "What Makes the Best …?"
        if s.kind in ("local", "best"):
            near = self.near if s.kind == "local" and s.place else ""
            return headline(_join("what to look for in", self.a_noun, self.qualifier, near))
        if s.kind == "comparison":
            return f"{self.versus} at a Glance"
        if s.kind == "cost":
            typed_cost = s.keyword.split()[-1] in ("cost", "costs")
            if s.subkind == "tail" and typed_cost:
                return self.how_much  # "How Much Does Roof Replacement Cost?"
            return f"{self.label}: What to Expect"
        if s.kind == "problem":
            return f"{self.label}: What It Means"
        if s.kind == "navigational" or s.list_head:
            return f"{self.label} at a Glance"
        noun = _join(self.noun, self.qualifier)
        if self.number == "plural":
            return headline(f"what are {noun}") + "?"
        if self.number == "count":
            return headline(f"what is {with_article(noun)}") + "?"
        return headline(f"what is {noun}") + "?"

    def verb(self, base: str, *, plural_subject: bool | None = None) -> str:
        """`base` agreeing with the topic: "matters"/"matter", "does"/"do", "is"/"are"."""
        many = self.ref_is_plural if plural_subject is None else plural_subject
        if base == "be":
            return "are" if many else "is"
        return base if many else third_person(base)

    @cached_property
    def mention(self) -> tuple[str, bool]:
        """How this keyword is named when another article brings it up: (text, quoted).
        Questions and local searches are quoted as searched; the rest are noun phrases."""
        s = self.shape
        if s.kind == "question":
            return self.asked, True
        if s.kind == "local":
            return f"{self.local_nouns} {self.near}", False  # "emergency electricians near you"
        if s.kind in ("problem", "navigational"):
            return _prose(s.keyword), True  # a search, quoted as typed
        return self.prose, False


@lru_cache(maxsize=2048)
def voice(keyword: str) -> Voice:
    return Voice(keyword)


def searched(v: Voice) -> tuple[str, dict[str, str], bool]:
    """(bank, slots, plural) for the sentences that must carry the keyword exactly as searched
    (the article's first sentence, the meta description): which bank of openings fits the
    keyword's shape, the keyword in the form that bank expects, and whether it is plural."""
    s = v.shape
    typed = _prose(s.keyword)
    if s.kind == "topic":
        if v.number == "count" and not s.list_head:
            return "topic_count", {"phrase": with_article(typed)}, False
        return "topic", {"phrase": typed}, v.number == "plural"
    if s.kind == "how_to":
        if s.subkind == "ways":
            return "ways", {"phrase": typed.lstrip("0123456789 ")}, True
        how = typed if typed.startswith("how ") else f"how to {typed}"
        return "how_to", {"phrase": how}, False
    if s.kind == "question":
        if s.subkind == "wh_to":
            return "clause", {"phrase": typed}, False
        if s.subkind == "best_to":
            return "clause", {"phrase": f"the {typed}"}, False
        return "question", {"phrase": v.asked}, False
    if s.kind == "local":
        # Said to the reader ("a good electrician near you"); the search itself, quoted, only
        # in the meta description: "near me" does not belong in a sentence.
        return "local", {"phrase": f"{v.a_good} {v.near}", "search": typed}, False
    if s.kind == "best":
        return "best", {"phrase": _join("the", s.superlative, v.noun, v.qualifier)}, False
    if s.kind == "comparison":
        x, y = v.sides
        if s.subkind == "difference":
            return "comparison", {"phrase": f"the difference between {x} and {y}"}, False
        joiner = "or" if s.subkind == "or" else re_joiner(s.keyword)
        question = _join(f"the {x} {joiner} {y} question", v.qualifier)
        return "comparison", {"phrase": question}, False
    if s.kind == "cost":
        return "cost", {"phrase": v.cost_phrase}, v.prose_is_plural
    if s.kind == "problem":
        return "problem", {"phrase": sentence_case(typed)}, False
    return "navigational", {"phrase": v.brand_phrase}, False


def re_joiner(keyword: str) -> str:
    """ "vs", "vs." or "versus", as the keyword spells it."""
    for joiner in (" versus ", " vs. ", " vs "):
        if joiner in f" {keyword} ":
            return joiner.strip()
    return "vs"
