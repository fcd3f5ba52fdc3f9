"""Titles and outlines for each content structure (generate_ideas offline).

Each builder returns (title templates, outline) for one idea; the outline follows the
structure: a listicle is numbered items, a how-to is steps, a comparison is criteria and a
verdict, an FAQ is questions, a guide or article runs from "what" and "why" to "how",
mistakes and a conclusion, with some H3s under the H2s.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from igny8.ai.offline.kinds import gerund
from igny8.ai.offline.text import clean_phrase, title_case

Outline = list[dict]


@dataclass(frozen=True)
class Topic:
    """What an idea is about, in the forms titles and headings need."""

    name: str  # title-cased noun phrase: "Home Composting", "Unclogging a Drain"
    related: list[str]  # other cluster keywords, title-cased
    audience: str  # "First-Time Gardeners" or "" when the site names none
    is_action: bool  # came from a "how to …" keyword
    phrase: str = ""  # the keyword itself, title-cased: "How to Unclog a Drain"

    @property
    def what(self) -> str:
        return f"What Does {self.name} Involve?" if self.is_action else f"What Is {self.name}?"

    @property
    def other(self) -> str:
        return self.related[0] if self.related else "the Alternatives"

    @property
    def for_whom(self) -> str:
        return self.audience or "You"


def topic_of(keyword: str, related: list[str], audience: str) -> Topic:
    text = clean_phrase(keyword)
    lowered = text.lower()
    if lowered.startswith("how to ") and len(text.split()) > 2:
        verb, _, rest = text[7:].partition(" ")
        name = title_case(f"{gerund(verb)} {rest}")
        return Topic(name, related, audience, True, title_case(text))
    text = re.sub(r"^(?:what is|what are|why|best|top)\s+|\s+near me$", "", text, flags=re.I)
    name = title_case(text or keyword) or keyword.strip()
    return Topic(name, related, audience, False, name)


def h2(heading: str, points: list[str] | None = None) -> dict:
    return {"heading": heading, "level": 2, "points": points or []}


def h3(heading: str) -> dict:
    return {"heading": heading, "level": 3, "points": []}


MISTAKES = [
    "Skipping the preparation",
    "Copying someone else's plan without adapting it",
    "Ignoring early warning signs",
    "Changing too much at once",
    "Forgetting regular checks",
    "Spending on extras before the basics work",
]
CONCLUSIONS = ["Conclusion", "Final Thoughts", "Wrapping Up", "The Bottom Line"]


def guide(rng: random.Random, t: Topic) -> tuple[list[str], Outline]:
    titles = [
        "The Complete Guide to {name}",
        "{name}: The Complete Guide for {for_whom}",
        "The Beginner's Guide to {name}",
        "{name} Explained: A Practical Guide",
        "Everything You Need to Know About {name}",
    ]
    steps = rng.sample(
        ["Plan Your Approach", "Put the Basics in Place", "Build a Simple Routine",
         "Review and Adjust", "Measure Your Progress"], 3)  # fmt: skip
    outline = [
        h2(t.what),
        h2(rng.choice([f"Why {t.name} Matters", f"The Benefits of {t.name}"])),
        h2("Before You Start"),
        h3("What You Will Need"),
        h3("Setting a Realistic Budget"),
        h2(rng.choice([f"How to Get Started with {t.name}", "A Step-by-Step Approach"])),
        *[h3(step) for step in steps],
    ]
    if t.related:
        outline.append(h2(f"Going Further: {t.related[0]}"))
    outline += [
        h2("Common Mistakes to Avoid", rng.sample(MISTAKES, 3)),
        h2(rng.choice(CONCLUSIONS)),
    ]
    return titles, outline


def article(rng: random.Random, t: Topic) -> tuple[list[str], Outline]:
    titles = [
        "{name}: What It Is and Why It Matters",
        "What Everyone Should Know About {name}",
        "{name}: Key Facts, Tips and Common Questions",
        "Why {name} Deserves Your Attention",
        "A Practical Look at {name} for {for_whom}",
    ]
    why = f"Why It Matters for {t.audience}" if t.audience else f"Why {t.name} Matters"
    outline = [h2(rng.choice([t.what, f"{t.name} at a Glance"])), h2(why)]
    outline.append(h2(f"How {t.name} Works" if not t.is_action else "How It Works"))
    outline += [h3(f"The Role of {k}") for k in t.related[:2]]
    outline += [h2(rng.choice(["Tips for Getting It Right", "Practical Tips"])),
                h2(rng.choice(CONCLUSIONS))]  # fmt: skip
    return titles, outline


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
    titles = (
        [
            "How to Get Started with {name}",
            "How to Make the Most of {name}",
            "How to Get {name} Right the First Time",
            "{name}: A Step-by-Step Guide",
            "{name} in {steps} Simple Steps",
        ]  # fmt: skip
        if not t.is_action
        else [
            "{phrase}: A Step-by-Step Guide",
            "{phrase} in {steps} Simple Steps",
            "{phrase}: A Beginner's Step-by-Step Guide",
        ]  # fmt: skip
    )
    steps = [STEPS[0], *sorted(rng.sample(STEPS[1:-1], count - 2), key=STEPS.index), STEPS[-1]]
    if t.related:
        steps.insert(2, f"Decide Where {t.related[0]} Fits")
        steps = steps[:count]
    outline = [h2("What You Will Need")]
    outline += [h2(f"Step {n}: {step}") for n, step in enumerate(steps, start=1)]
    outline += [h2("Troubleshooting Common Problems"), h2("Next Steps")]
    return [title.replace("{steps}", str(len(steps))) for title in titles], outline


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
    for index, keyword in enumerate(t.related[:2]):
        items[1 + 2 * index] = rng.choice([f"Learn the Basics of {keyword}", f"Try {keyword}"])
    n = len(items)
    titles = [
        f"{n} Tips for {{name}} That Actually Work",
        f"{n} Things to Know About {{name}}",
        f"{n} Smart Ways to Approach {{name}}",
        f"{n} Expert Tips on {{name}} for {{for_whom}}",
        f"{n} Simple Ideas for Better Results with {{name}}",
    ]
    outline = [h2(f"{i}. {item}") for i, item in enumerate(items, start=1)]
    outline.append(h2(rng.choice(["Putting It All Together", "Final Thoughts"])))
    return titles, outline


CRITERIA = ["Cost and Value", "Ease of Use", "Results", "Time and Effort", "Maintenance",
            "Flexibility", "Long-Term Value"]  # fmt: skip


def comparison(rng: random.Random, t: Topic) -> tuple[list[str], Outline]:
    x, y = t.name, t.other
    titles = [
        "{name} vs {other}: Which Is Better for {for_whom}?",
        "{name} vs {other}: Key Differences Explained",
        "{name} or {other}? An Honest Comparison",
        "{name} vs {other}: Pros, Cons and Costs Compared",
    ]
    criteria = sorted(rng.sample(CRITERIA, rng.randint(3, 5)), key=CRITERIA.index)
    outline = [h2(f"{x} vs {y} at a Glance", [f"What {x} offers", f"What {y} offers"])]
    outline += [h2(criterion) for criterion in criteria]
    outline += [
        h2("Which Should You Choose?"),
        h3(f"When {x} Makes Sense"),
        h3(f"When {y} Makes Sense"),
        h2("The Verdict"),
    ]
    return titles, outline


def review(rng: random.Random, t: Topic) -> tuple[list[str], Outline]:
    titles = [
        "{name} Review: What Works and What Doesn't",
        "An Honest Review of {name}",
        "{name} Review: Is It Worth It?",
        "{name}: A Hands-On Review for {for_whom}",
    ]
    outline = [h2(t.what), h2("Key Features")]
    outline += [h3(keyword) for keyword in t.related[:3]]
    outline += [
        h2("What We Liked"),
        h2("What Could Be Better"),
        h2(rng.choice(["Who It Is For", "Who Should Consider It"])),
        h2("Alternatives Worth Considering"),
        h2("The Verdict"),
    ]
    return titles, outline


def faq(rng: random.Random, t: Topic) -> tuple[list[str], Outline]:
    questions = [
        t.what,
        f"How Does {t.name} Work?",
        f"How Much Does {t.name} Cost?",
        f"How Long Does {t.name} Take?",
        f"Is {t.name} Worth It for {t.for_whom}?",
        f"What Mistakes Should You Avoid with {t.name}?",
        f"Do You Need Special Tools for {t.name}?",
        f"Can Beginners Handle {t.name}?",
        *[f"How Is {t.name} Different from {k}?" for k in t.related[:2]],
    ]
    chosen = [questions[0], *rng.sample(questions[1:], min(len(questions) - 1, rng.randint(5, 8)))]
    n = len(chosen)
    titles = [
        f"{{name}} FAQ: {n} Questions Answered",
        f"{{name}}: Answers to the {n} Most Common Questions",
        "Your {name} Questions, Answered",
    ]
    return titles, [h2(question) for question in chosen]


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
