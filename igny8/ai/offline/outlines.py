"""Titles and outlines for each content structure (generate_ideas offline).

Each builder returns (titles, outline) for one idea; the outline follows the structure: a
listicle is numbered items, a how-to is steps, a comparison is criteria and a verdict, an FAQ
is questions, a guide or article runs from "what" and "why" to "how", mistakes and a
conclusion, with some H3s under the H2s. What the headings say depends on the keyword's
shape (voice.py, titles.py): a question keyword is answered, never defined ("What Is Is My
Squash Dying?"), and only related keywords about the same thing get sections of their own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from igny8.ai.offline import titles as t_
from igny8.ai.offline.english import headline
from igny8.ai.offline.keyword_shape import related as is_related
from igny8.ai.offline.nouns import is_plural_phrase
from igny8.ai.offline.voice import Voice, voice

Outline = list[dict]


@dataclass(frozen=True)
class Topic:
    """What an idea is about: its primary keyword's voice, the related keywords about the
    same thing, and the audience ("First-Time Gardeners", or "" when the site names none)."""

    voice: Voice
    related: list[Voice] = field(default_factory=list)
    audience: str = ""

    @property
    def for_whom(self) -> str:
        return self.audience or "You"

    def titles(self, structure: str, *, n: int = 0, steps: int = 0) -> list[str]:
        return t_.titles(self.voice, structure, for_whom=self.audience, n=n, steps=steps,
                         related=self.related)  # fmt: skip


def topic_of(keyword: str, secondary: list[str], audience: str) -> Topic:
    """The topic of an idea: only secondary keywords about the same thing count as related."""
    primary = voice(keyword)
    related = [voice(k) for k in secondary if k.strip() and is_related(keyword, k)]
    return Topic(primary, [r for r in related if r.label != primary.label], audience)


def h2(heading: str, points: list[str] | None = None) -> dict:
    return {"heading": headline(heading), "level": 2, "points": points or []}


def h3(heading: str) -> dict:
    return {"heading": headline(heading), "level": 3, "points": []}


MISTAKES = [
    "Skipping the preparation",
    "Copying someone else's plan without adapting it",
    "Ignoring early warning signs",
    "Changing too much at once",
    "Forgetting regular checks",
    "Spending on extras before the basics work",
]
CONCLUSIONS = ["Conclusion", "Final Thoughts", "Wrapping Up", "The Bottom Line"]


def _before_you_start(v: Voice) -> tuple[str, ...]:
    """What to settle first, for the kind of search: a question or a problem is checked, not
    shopped for ("Why Are My Tomato Leaves Yellow?" needs no budget), a comparison starts
    from what matters to the reader, a brand's page from what to have ready."""
    s = v.shape
    if v.kind == "problem" or (v.kind == "question" and s.subkind != "what_is"):
        return "What to Check First", "Questions to Ask Yourself"
    if v.kind == "comparison":
        return "What Matters Most to You", "Setting a Realistic Budget"
    if v.kind == "navigational":
        return ("What to Have Ready",)
    return "What You Will Need", "Setting a Realistic Budget"


def guide(rng: random.Random, t: Topic) -> tuple[list[str], Outline]:
    v = t.voice
    steps = rng.sample(
        ["Plan Your Approach", "Put the Basics in Place", "Build a Simple Routine",
         "Review and Adjust", "Measure Your Progress"], 3)  # fmt: skip
    outline = [
        h2(v.what),
        h2(rng.choice(t_.why(v))),
        h2("Before You Start"),
        *[h3(heading) for heading in _before_you_start(v)],
        h2(rng.choice(t_.start(v))),
        *[h3(step) for step in steps],
    ]
    if t.related:
        outline.append(h2(f"Going Further: {t_.related_heading(t.related[0])}"))
    outline += [
        h2("Common Mistakes to Avoid", rng.sample(MISTAKES, 3)),
        h2(rng.choice(CONCLUSIONS)),
    ]
    return t.titles("guide"), outline


def article(rng: random.Random, t: Topic) -> tuple[list[str], Outline]:
    v = t.voice
    first = [v.what] + ([g] if (g := t_.glance(v)) else [])
    why = f"Why It Matters for {t.audience}" if t.audience else rng.choice(t_.why(v))
    outline = [h2(rng.choice(first)), h2(why), h2(t_.works(v))]
    for r in t.related[:2]:
        noun = t_.related_noun(r)
        outline.append(h3(f"The Role of {noun}" if noun else t_.related_heading(r)))
    outline += [h2(rng.choice(["Tips for Getting It Right", "Practical Tips"])),
                h2(rng.choice(CONCLUSIONS))]  # fmt: skip
    return t.titles("article"), outline


STEPS = [
    "Assess Your Starting Point",
    "Gather the Right Tools",
    "Plan Your Approach",
    "Prepare the Groundwork",
    "Put the Plan into Action",
    "Test and Adjust",
    "Check the Results",
    "Maintain What You Have Built",
]


def how_to(rng: random.Random, t: Topic) -> tuple[list[str], Outline]:
    count = rng.randint(4, 7)
    steps = [STEPS[0], *sorted(rng.sample(STEPS[1:-1], count - 2), key=STEPS.index), STEPS[-1]]
    nouns = [n for n in map(t_.related_noun, t.related) if n]
    if nouns:
        steps.insert(
            2, f"Decide Where {nouns[0]} {'Fit' if is_plural_phrase(nouns[0]) else 'Fits'}"
        )
        steps = steps[:count]
    outline = [h2("What You Will Need")]
    outline += [h2(f"Step {n}: {step}") for n, step in enumerate(steps, start=1)]
    outline += [h2("Troubleshooting Common Problems"), h2("Next Steps")]
    return t.titles("how_to", steps=len(steps)), outline


ITEMS = [
    "Start with a Clear Goal",
    "Choose Quality Over Quantity",
    "Set a Realistic Budget",
    "Keep a Simple Log",
    "Use the Right Tools",
    "Ask an Expert When in Doubt",
    "Review Your Results Regularly",
    "Avoid the Most Common Shortcuts",
    "Think About the Long Term",
    "Test Before You Commit",
    "Keep It Simple",
    "Learn from Every Attempt",
]


def listicle(rng: random.Random, t: Topic) -> tuple[list[str], Outline]:
    items = rng.sample(ITEMS, rng.randint(5, 9))
    nouns = [n for n in map(t_.related_noun, t.related) if n]
    for index, noun in enumerate(nouns[:2]):
        items[1 + 2 * index] = f"Learn the Basics of {noun}"
    n = len(items)
    outline = [h2(f"{i}. {item}") for i, item in enumerate(items, start=1)]
    outline.append(h2(rng.choice(["Putting It All Together", "Final Thoughts"])))
    return t.titles("listicle", n=n), outline


CRITERIA = ["Cost and Value", "Ease of Use", "Results", "Time and Effort", "Maintenance",
            "Flexibility", "Long-Term Value"]  # fmt: skip


def comparison(rng: random.Random, t: Topic) -> tuple[list[str], Outline]:
    x, y = t_.sides(t.voice, t.related)
    criteria = sorted(rng.sample(CRITERIA, rng.randint(3, 5)), key=CRITERIA.index)
    outline = [h2(f"{x} vs {y} at a Glance", [f"What {x} offers", f"What {y} offers"])]
    outline += [h2(criterion) for criterion in criteria]
    makes = [
        f"When {side} {'Make' if is_plural_phrase(side) else 'Makes'} Sense" for side in (x, y)
    ]
    outline += [h2("Which Should You Choose?"), h3(makes[0]), h3(makes[1]), h2("The Verdict")]
    return t.titles("comparison"), outline


def review(rng: random.Random, t: Topic) -> tuple[list[str], Outline]:
    v = t.voice
    outline = [h2(v.what), h2("Key Features")]
    outline += [h3(t_.related_heading(r)) for r in t.related[:3]]
    outline += [
        h2("What We Liked"),
        h2("What Could Be Better"),
        h2(rng.choice(["Who It Is For", "Who Should Consider It"])),
        h2("Alternatives Worth Considering"),
        h2("The Verdict"),
    ]
    return t.titles("review"), outline


def faq(rng: random.Random, t: Topic) -> tuple[list[str], Outline]:
    questions = t_.faq_questions(t.voice, t.audience, t.related)
    count = min(len(questions) - 1, rng.randint(5, 8))
    chosen = [questions[0], *rng.sample(questions[1:], count)]
    return t.titles("faq", n=len(chosen)), [h2(question) for question in chosen]


BUILDERS = {
    "guide": guide,
    "article": article,
    "how_to": how_to,
    "listicle": listicle,
    "comparison": comparison,
    "review": review,
    "faq": faq,
}
# Rough length of each structure relative to the site's default word count.
LENGTH = {"guide": 1.6, "article": 1.0, "how_to": 1.1, "listicle": 1.1, "comparison": 1.3,
          "review": 1.1, "faq": 0.9}  # fmt: skip
# The structures that suit each kind of keyword, best first: a writer does not answer "is my
# squash dying" with a product comparison, nor "scrum vs kanban" with a step-by-step.
SUITS = {
    "question": ["article", "guide", "faq", "listicle", "how_to"],
    "how_to": ["how_to", "guide", "listicle", "faq", "article"],
    "local": ["guide", "listicle", "faq", "article"],
    "best": ["listicle", "guide", "review", "comparison", "faq"],
    "comparison": ["comparison", "article", "faq", "guide"],
    "cost": ["guide", "article", "faq", "listicle"],
    "problem": ["how_to", "guide", "faq", "article", "listicle"],
    "navigational": ["guide", "faq", "article", "how_to"],
    "topic": ["guide", "how_to", "listicle", "article", "faq", "review"],
}


def suited(t: Topic) -> list[str]:
    """The structures that suit a topic; a comparison only when there is something to compare
    it with (its own two sides, or a related keyword naming a sibling)."""
    kinds = list(SUITS.get(t.voice.kind, SUITS["topic"]))
    if t.voice.kind in ("topic", "navigational") and any(map(t_.related_noun, t.related)):
        kinds.insert(3, "comparison")
    # A batch asking for more ideas than suit the keyword still gets every structure once.
    return kinds + [s for s in BUILDERS if s not in kinds]
