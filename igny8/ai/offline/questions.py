"""Question keywords: "is my squash dying", "how much protein do i need", "what to pack for a
cruise". `parse_question` finds what is asked about and asks it back to the reader ("is your
squash dying"); keyword_shape.py turns that into a Shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from igny8.ai.offline.english import PREDICATE_ADJECTIVES
from igny8.ai.offline.nouns import (
    AUX,
    DETERMINERS,
    PROBLEM_WORDS,
    PRONOUNS,
    WH,
    clause_subject,
    is_verb_3sg,
    object_noun,
    reader,
    split_noun,
    strip_aspect,
)

# Words after "how" that ask about an amount, not a thing ("how much protein do i need").
HOW_WORDS = frozenset("much many often long far soon old big heavy tall fast early late hot "
                       "cold deep high wide".split())  # fmt: skip

# "how much protein do i need": words after "how much" that name what is asked about, unless
# they only measure it ("how many times a week should you do hiit").
_MEASURES = frozenset("size kind type sort brand color colour times time hours minutes days "
                      "weeks months years age".split())  # fmt: skip
_WH_TO = re.compile(r"^(what|which|when|where|who|how(?: (?:often|long|much|many|far|soon|"
                    r"early|late))?)((?: [\w'$]+){0,2}?) (not )?to (.+)$")  # fmt: skip


def parse_question(text: str, original: str, make: Callable) -> Any:
    """A Shape (built by `make`) when `text` is a question, else None."""
    words = text.split()
    first = words[0]
    asks = original.rstrip().endswith("?")
    if first not in WH and first not in AUX:
        return None
    if first in AUX and (len(words) < 3 and not asks or words[1] in ("opener", "openers", "of")):
        return None
    match = _WH_TO.match(text)
    if match and not (set(match.group(2).split()) & AUX):
        wh, asked, negative, action = match.groups()
        asked_words = [w for w in asked.split() if w not in _MEASURES and wh != "how"]
        noun = asked_words or object_noun(action.split())
        question = f"{wh}{asked} should you {'not ' if negative else ''}{reader(action)}"
        return make(text, "question", noun, subkind="wh_to", action=action,
                     extra_terms=action.split(), question=question)  # fmt: skip
    rest = words
    wh: list[str] = []
    if first in WH:
        wh.append(first)
        rest = words[1:]
        # "how much protein do i need": the words before the auxiliary are asked about.
        while rest and rest[0] not in AUX and len(wh) < 4 and not _verb_next(wh, rest[0]):
            wh.append(rest[0])
            rest = rest[1:]
    asked = [w for w in wh[1:] if w not in HOW_WORDS and w not in _MEASURES]
    asked = split_noun([w for w in asked if w not in DETERMINERS] or [""])[0]
    asked = [w for w in asked if w]
    if first in WH and (not rest or rest[0] not in AUX and not _verb_next(wh, rest[0])):
        # "what lens for real estate photography", "how many steps a day to lose weight"
        return make(text, "question", asked or object_noun(rest, verb_first=False),
                     subkind="wh", question=reader(text), extra_terms=rest)  # fmt: skip
    if rest and _verb_next(wh, rest[0]):  # "what attracts cockroaches", "who pays closing costs"
        return make(text, "question", object_noun(rest), subkind="wh", question=reader(text),
                     extra_terms=rest)  # fmt: skip
    aux, after = rest[0], rest[1:]
    what_is = first == "what" and aux in ("is", "are") and len(wh) == 1
    if (
        what_is
        and after
        and after[-1] not in PREDICATE_ADJECTIVES
        and not (
            after[0].endswith("ed")
            or after[0] in ("my", "your", "the", "it", "in")
            and after[-1] in ("worth", "included", "mean", "for")
        )
    ):
        # "what is a good credit score", "what is ultra processed food": all of it is the noun.
        return make(text, "question", strip_aspect(after), subkind="what_is",
                     question=reader(text), qualifier="")  # fmt: skip
    noun, predicate, mine = clause_subject(aux, after)
    if noun and noun[0] in PRONOUNS:
        # "how long does it take to charge an electric car", "can you build muscle after 50"
        object_words = predicate[predicate.index("to") + 1 :] if "to" in predicate else predicate
        noun = asked or object_noun(object_words)
    elif asked and len(wh) > 2 and wh[1] in ("much", "many"):
        predicate = predicate + asked  # "how many calories does cycling burn": also calories
    noun = strip_aspect(noun)
    extra = predicate if not noun else [w for w in predicate if w in PROBLEM_WORDS] + asked
    subkind = "yes_no" if first in AUX else "wh"
    return make(text, "question", noun, subkind=subkind, mine=mine, question=reader(text),
                 extra_terms=extra, qualifier="")  # fmt: skip


def _verb_next(wh: list[str], word: str) -> bool:
    """ "what attracts …", "who pays …": a verb straight after "what", "who" or "which"
    ("how many sets …" asks about sets)."""
    return len(wh) == 1 and wh[0] in ("what", "who", "which") and is_verb_3sg(word)
