"""What the offline writer's titles and headings must never do, as checks a test can run on
thousands of them; and the keywords to run them on.

The keywords are the library that ships with the product (apps/catalog/data/library.json,
3,000+ keywords across industries) plus crafted ones of every shape. They are split in two
by a stable hash: the writer was tuned on the "tuning" half only; the tests report on the
"held-out" half, which nobody looked at while writing the rules.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path

from igny8.ai.offline.english import ACRONYMS, BRANDS, SMALL_WORDS, doubled_word
from igny8.ai.offline.keyword_shape import analyse

LIBRARY = Path(__file__).resolve().parents[3] / "apps" / "catalog" / "data" / "library.json"

# Crafted keywords of every shape, beyond the library.
CRAFTED = """is my squash dying
why is my zucchini dying
how often should puppies eat
can dogs eat grapes
what is seo
what are raised garden beds
is it safe to eat raw cookie dough
are eggs good for you
should i repot my monstera
when to plant garlic
how much water does a cactus need
why do cats purr
electrician near me
plumber in austin
dentist chicago
24 hour locksmith near me
dog groomers nearby
pest control near me
best espresso machine under 200
best laptop for students under 1000
top 10 hiking boots
cheapest car insurance for young drivers
best coffee grinder
best time to plant garlic
how to unclog a drain
how do i reset my router
ways to save money on groceries
scrum vs kanban
iphone or android
difference between baking soda and baking powder
roth ira vs traditional ira
rent vs buy
roof replacement cost
cost of solar panels
cost to paint a house
dog grooming prices
garden fertilizer
home composting
compost bin
seo
crossfit
netflix login
facebook customer service
breaker keeps tripping
dishwasher not draining
squash plant leaves turning yellow
backyard wedding ideas
sleep hygiene tips
mortgage calculator
gutter guards worth it
learn spanish""".split("\n")


def _bucket(keyword: str) -> str:
    digest = hashlib.sha1(keyword.encode()).digest()[0]
    return "held-out" if digest % 2 else "tuning"


@lru_cache(maxsize=1)
def library() -> list[str]:
    data = json.loads(LIBRARY.read_text())
    seen: dict[str, None] = {}
    for industry in data["industries"]:
        for sector in industry["sectors"]:
            for row in sector["keywords"]:
                seen.setdefault(row[0].strip(), None)
    return list(seen)


def keywords(half: str) -> list[str]:
    """The library and crafted keywords in one half ("tuning" or "held-out")."""
    return [k for k in dict.fromkeys(library() + CRAFTED) if k and _bucket(k) == half]


# --- the checks -----------------------------------------------------------------------------

_QUESTION_START = re.compile(
    r"^(?:what|why|how|when|where|who|which|is|are|can|could|do|does|did|should|would|will)\b",
    re.I,
)
_CASED = {b.lower(): b for b in BRANDS.values()}


def heading_problems(text: str, keyword: str) -> list[str]:
    """What is wrong with one title or heading written for `keyword` (empty when nothing)."""
    problems = []
    low = text.lower()
    shape = analyse(keyword)
    word = doubled_word(text)
    if word and f"{word} {word}" not in keyword.lower():  # "no makeup makeup look" is the keyword's
        problems.append(f"doubled word “{word} {word}”")
    if re.search(r"\bwhat (?:is|are) (?:is|are|can|do|does|should|how|why|what|when)\b", low):
        problems.append("“What Is” before a question")
    if re.search(r"\b(?:guide|introduction|approach|basics) (?:to|of) (?:is|are|can|do|does|"
                 r"should|how|why|what|when|where)\b", low):  # fmt: skip
        problems.append("“Guide to” before a question")
    if "near me" in low:
        problems.append("“near me” in a title or heading")
    if "{" in text or "}" in text:
        problems.append("an unfilled slot")
    if shape.kind == "question" and shape.subkind not in ("wh_to", "best_to"):
        # The keyword used as a heading is asked as a question.
        asked = " ".join(re.findall(r"[\w'$]+", keyword.lower()))
        plain = " ".join(re.findall(r"[\w'$?]+", low))
        if asked in plain and f"{asked}?" not in plain.replace(" ?", "?"):
            problems.append("a question keyword without its question mark")
    problems += _casing_problems(text)
    vowels = re.findall(r"\ba ([aeio]\w*)", text)
    if [w for w in vowels if not w.isupper() and not re.match(r"(?:one|once|eu|uni|use|usu)", w)]:
        problems.append("“a” before a vowel")
    if re.search(r"\ban (?:[bcdfgjklmnpqrstvwxyz]\w+)", low) and not re.search(
        r"\ban (?:hour|honest|honou?r|heir|[A-Z]{2,})", text
    ):
        problems.append("“an” before a consonant")
    return problems


def _casing_problems(text: str) -> list[str]:
    """Headline case: every word capitalised except small words inside; "vs" lower-case."""
    problems = []
    words = text.split()
    for index, word in enumerate(words):
        bare = word.strip("“”\"'(),:;?!.")
        if not bare or not bare[0].isalpha():
            continue
        low = bare.lower()
        starts = index == 0 or words[index - 1].endswith((":", "?", "!", "—"))
        last = index == len(words) - 1 or word.endswith((":", "?", "!"))
        if low == "vs" and index > 0:
            if bare != "vs":
                problems.append(f"“{bare}” should be “vs”")
            continue
        if low in SMALL_WORDS and not starts and not last and bare != "A":
            if bare != low:
                problems.append(f"“{bare}” should be lower-case")
            continue
        if low in ACRONYMS and bare == low:
            problems.append(f"“{bare}” should be upper-case")
        elif low in _CASED and bare != _CASED[low]:
            continue
        elif bare[0].islower() and low not in _CASED:
            problems.append(f"“{bare}” should be capitalised")
    return problems


def body_problems(text: str, keyword: str = "") -> list[str]:
    """What is wrong with an article's running text (tags removed)."""
    problems = []
    word = doubled_word(text)
    if word and f"{word} {word}" not in keyword.lower():
        problems.append(f"doubled word “{word} {word}”")
    if "{" in text or "}" in text:
        problems.append("an unfilled slot")
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        unquoted = re.sub(r"“[^”]*”", "", sentence)
        if "near me" in unquoted.lower():
            problems.append(f"“near me” mid-sentence: {sentence}")
    if re.search(r"\bwhat is (?:is|are|can|do|does|should|how|why)\b", text, re.I):
        problems.append("“What is” before a question")
    return problems
