"""Noun phrases in keywords: the word lists and the small parsers keyword_shape.py and
questions.py share ("espresso machine under 200" → noun "espresso machine", qualifier "under
$200"; "if i miss my flight" → "flight"), and folding text the way the on-page score reads it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from igny8.ai.offline.english import (
    BASE_VERBS,
    PREDICATE_ADJECTIVES,
    is_mass,
    is_plural_word,
    singular,
    verb_of_gerund,
)

WH = frozenset("what why how when where who which whose whom".split())
AUX = frozenset("is are was were am can could do does did should would will has have may "
                "might must".split())  # fmt: skip
DETERMINERS = frozenset("a an the my your our his her their its this that these those some "
                        "any every each".split())  # fmt: skip
PRONOUNS = frozenset("i you we they it he she me us them one someone anyone".split())
PREPOSITIONS = frozenset(
    """about above across after against along around as at before behind below between by
    during for from if in inside into like near of off on onto outside over per since than
    through to under until versus via vs when while with within without""".split()
)
# The person asking becomes the reader: "is my squash dying" → "is your squash dying".
READER = {"my": "your", "i": "you", "me": "you", "mine": "yours", "am": "are", "our": "your",
          "we": "you", "us": "you", "myself": "yourself", "i'm": "you're"}  # fmt: skip

# Words that say nothing about what a keyword is about, so never make two keywords related.
GENERIC = frozenset(
    """a about affordable all an and any average bad beginner best better big budget buy
    cheap cheapest common complete cost costs diy does easy example examples fast free good
    great guide help home how idea ideas kid kids list local man men near new normal
    online people price prices pricing pro professional quick review reviews right service
    services simple small thing things time tip tips top type types way ways what when why
    woman women year""".split()
)

# Something going wrong: "breaker keeps tripping", "is my squash dying", "phone overheating".
PROBLEM_WORDS = frozenset(
    """beeping bleeding blinking broken buffering burning clicking coughing cracking crashing
    crying dead die dies dripping drooping dying failing flashing flickering freezing
    grinding humming itching lagging leaking limping overheating peeling rattling rotting
    shaking sick sinking smelling smoking sneezing squeaking stalling stuck throwing
    tripping vibrating vomiting wilting yellowing frozen sparks sparking noisy squealing
    humming""".split()
)


def words_of(text: str) -> str:
    """Text folded the way the on-page score reads it: lower-case words, single spaces."""
    return " ".join(re.findall(r"[^\W_]+", text.lower().replace("’", "'")))


def contains(text: str, keyword: str) -> bool:
    """Whether `text` carries `keyword` as whole words, ignoring case and punctuation."""
    needle = words_of(keyword)
    return bool(needle) and f" {needle} " in f" {words_of(text)} "


def clean(keyword: str) -> str:
    text = (keyword or "").lower().replace("’", "'")
    text = re.sub(r"[^\w\s'&+./$%-]", " ", text)
    return re.sub(r"\s+", " ", text).strip(" -./'")


def stem(word: str) -> str:
    """A rough stem so "composting", "compost" and "composts" meet, and "plumber"/"plumbing"."""
    word = singular(word.lower().strip("'"))
    for suffix, minimum in (("ing", 6), ("ers", 7), ("er", 6), ("ed", 6)):
        if word.endswith(suffix) and len(word) >= minimum:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2]:
                word = word[:-1]  # "running" → "run", "shipping" → "ship"
            break
    return word


def content_stems(words: list[str]) -> set[str]:
    return {
        stem(w)
        for w in words
        if w not in GENERIC
        and w not in PREPOSITIONS
        and w not in DETERMINERS
        and w not in PRONOUNS
        and w not in AUX
        and w not in WH
        and not w.isdigit()
        and len(w) > 1
    }


_ADVERBS = frozenset("fast faster quick quicker now today tonight naturally free easy cheap "
                     "online".split())  # fmt: skip


def split_noun(words: list[str]) -> tuple[list[str], list[str]]:
    """A noun phrase and what follows its head: "espresso machine under 200" → (espresso
    machine, under 200). "to" starts the tail only before a verb ("things to do")."""
    for index, word in enumerate(words):
        if index == 0:
            continue
        if word == "to" and index + 1 < len(words) and words[index + 1] not in BASE_VERBS:
            continue
        verb = (
            is_verb_3sg(word)
            and index + 1 < len(words)
            and index > 1
            and words[index - 2] in DETERMINERS
        )  # "if your dog eats chocolate", but not "fruit flies" or "clothing stores for women"
        if word in PREPOSITIONS or word in DETERMINERS or word in AUX or verb or word in (
            "and", "or", "that", "who", "as"
        ):  # fmt: skip
            return words[:index], words[index:]
    tail: list[str] = []
    words = list(words)
    # "tax brackets 2024", "pack a suitcase efficiently", "relieve period cramps fast"
    while len(words) > 1 and (
        re.fullmatch(r"\d{4}", words[-1])
        or words[-1] in _ADVERBS
        or (
            words[-1].endswith("ly")
            and len(words[-1]) > 5
            and words[-1] not in ("family", "supply", "assembly")
        )
    ):
        tail.insert(0, words.pop())
    match = re.search(r"( \d+ (?:years?|months?|weeks?|days?)(?: old)?)$", " " + " ".join(words))
    if match and len(words) > 3:
        cut = len(match.group(1).split())
        return words[:-cut], words[-cut:] + tail
    return words, tail


def number_of(noun: str) -> str:
    """ "plural", "mass" (no article, no plural), "count" or "proper" (a name: no article)."""
    words = noun.split()
    if not words:
        return "mass"
    if " and " in f" {noun} ":
        return "plural"
    head = words[-1]
    if is_plural_word(head):
        return "plural"
    if is_mass(head):
        return "mass"
    if len(words) == 1 and not head.endswith(
        ("er", "or", "ist", "ian", "ment", "tion", "sion", "age", "ure", "ant", "ent", "le",
         "et", "ck", "ine", "box", "bag", "bed", "car", "cup", "pan", "pot", "hat", "map")
    ):  # fmt: skip
        return "proper"  # "kombucha", "terracycle", "crossfit": a name more often than not
    return "count"


def dollars(qualifier: str) -> str:
    """ "under 200" → "under $200", "under 1000" → "under $1,000"; units are left alone."""

    def money(match: re.Match) -> str:
        # No thousands separator: "$1000" still matches a search for "under 1000".
        return f"{match.group(1)} ${int(match.group(2).replace(',', ''))}"

    return re.sub(r"\b(under|below|over|above|less than|around|about) \$?(\d[\d,]*)$", money,
                  qualifier)  # fmt: skip


_SKIP_LEADING = (
    DETERMINERS
    | PREPOSITIONS
    | PRONOUNS
    | AUX
    | frozenset("don't dont not doesn't can't cannot won't rid up out off down back away".split())
)


def object_noun(words: list[str], verb_first: bool = True) -> list[str]:
    """The noun a verb phrase acts on: "unclog a drain" → [drain], "get rid of fruit flies" →
    [fruit, flies], "if i miss my flight" → [flight]. The first word is the verb unless
    `verb_first` is False."""
    rest = words[1:] if words and (verb_first or words[0] in BASE_VERBS) else list(words)
    for _ in range(3):
        while rest and rest[0] in _SKIP_LEADING:
            rest = rest[1:]
        if rest and (rest[0] in BASE_VERBS or verb_of_gerund(rest[0])) and len(rest) > 1:
            rest = rest[1:]  # "if i miss my flight": past "i", then past "miss"
        else:
            break
    noun, _ = split_noun(rest) if rest else ([], [])
    return [w for w in noun if w not in PRONOUNS]


# Words that describe how a thing looks or feels at the end of "why is my pool green", "why
# are my hydrangeas droopy". Many also name a kind ("green tea", "red wine", "sticky rice"),
# so they end the noun phrase only at the end of the question or before a preposition.
STATE_ADJECTIVES = frozenset(
    """yellow brown green white black red orange purple pink grey gray blue yellowish
    brownish droopy leggy patchy mushy soggy sticky spotty limp brittle crispy curly bitter
    sour thin weak stiff dull noisy smelly foamy bumpy flat loose tight rusty dusty dirty
    greasy hard soft sad angry lazy aggressive sweet salty warm wobbly fuzzy hairy shaky
    blurry cracked small""".split()
)


def clause_subject(aux: str, words: list[str]) -> tuple[list[str], list[str], bool]:
    """After an auxiliary: (noun phrase, predicate, said "my"). The noun phrase ends at a verb,
    a predicate adjective, a new determiner or a preposition; after "is"/"are" also at an
    "-ing" word that ends the question or leads into something other than a noun phrase
    ("is my squash dying", but "is house sitting a good way to travel")."""
    mine = False
    index = 0
    while index < len(words) and words[index] in DETERMINERS:
        mine = mine or words[index] in ("my", "our")
        index += 1
    if index < len(words) and words[index] in PRONOUNS:
        return [words[index]], words[index + 1 :], mine
    be = aux in ("is", "are", "was", "were", "am")
    noun: list[str] = []
    candidates = words[index:]
    for at, word in enumerate(candidates):
        following = candidates[at + 1] if at + 1 < len(candidates) else ""
        progressive = (
            be
            and word.endswith("ing")
            and len(word) > 4
            and following not in DETERMINERS
            and following not in PREDICATE_ADJECTIVES
        )
        ends = (
            word in BASE_VERBS
            and following != "be"
            and following not in AUX  # "a pack be"
            or word in PREDICATE_ADJECTIVES
            or word in DETERMINERS
            or word in PREPOSITIONS
            and word != "of"  # "the benefits of yoga" stays whole
            or word == "not"
            or progressive
            or be
            and word in STATE_ADJECTIVES
            and (not following or following in PREPOSITIONS or following in ("and", "all"))
            or be
            and word.endswith("ed")
            and len(word) > 4
        )
        if noun and ends:
            break
        noun.append(word)
    predicate = candidates[len(noun) :]
    verb_last = not predicate or predicate[0] in PREPOSITIONS or predicate[0] in ("up", "over")
    if not be and verb_last and len(noun) > 1 and not is_plural_word(noun[-1]):
        # "why do my lights flicker", "why did my cake sink": the last word is the verb.
        noun, predicate = noun[:-1], noun[-1:]
    return noun, predicate, mine


def reader(text: str) -> str:
    return " ".join(READER.get(w, w) for w in text.split())


def is_verb_3sg(word: str) -> bool:
    if not word.endswith("s") or word in AUX:
        return False
    base = re.sub(r"(?:ies)$", "y", word) if word.endswith("ies") else word
    es = base[:-2] if re.search(r"(?:s|x|z|ch|sh|o)es$", base) else ""
    return any(candidate in BASE_VERBS for candidate in (base[:-1], es, base))


def strip_aspect(noun: list[str]) -> list[str]:
    """ "the benefits of yoga" → [yoga]: the thing, not the aspect of it."""
    if "of" in noun:
        at = noun.index("of")
        if all(w in GENERIC | {"benefits", "signs", "symptoms", "causes", "uses", "kinds",
                               "risks", "side", "effects", "meaning", "history", "rules"}
               for w in noun[:at]):  # fmt: skip
            return noun[at + 1 :]
    return noun


@lru_cache(maxsize=4096)
def is_plural_phrase(phrase: str) -> bool:
    """Whether a noun phrase takes a plural verb: "compost bins", "scrum and kanban", but not
    "choosing your soil" (a gerund phrase) or "the cost of solar panels" (its head is "cost")."""
    words = phrase.lower().split()
    if not words or words[0].endswith("ing") and len(words[0]) > 4:
        return False
    while words and words[0] in DETERMINERS:
        words = words[1:]
    before = []
    for word in words:
        if word in PREPOSITIONS:
            break
        before.append(word)
    if "and" in before[1:-1]:
        return True
    noun, _ = split_noun(words) if words else ([], [])
    return bool(noun) and is_plural_word(noun[-1])
