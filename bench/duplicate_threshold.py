"""Where the near-duplicate guard's default threshold comes from.

Writes articles offline (no database, no network) for ideas of one cluster — 3 and 7 ideas per
cluster, 7 covering every structure, so siblings differ in angle but share the cluster's
keywords (clusters of 1 to 5 keywords) — and asks, with the guard's own measure
(apps.writer.services.duplicates.title_similarities):

- **siblings**: how alike is each idea's task to the other articles of its cluster that have
  another structure? These must stay under the threshold (several ideas per cluster are the
  point of the planner);
- **near-equal**: how alike is a task whose title nearly equals an article's (same, lower case,
  punctuation, a year added, "the"/"a", singular/plural, one or two words swapped)? These must
  reach it.

It prints both distributions, how many of each a threshold gets wrong, and for comparison the
embedding alone, of the titles and of title + outline against title + body (neither separates
the two). The exit
code is 1 when the site default (Site.duplicate_threshold) gets one wrong.

    .venv/bin/python bench/duplicate_threshold.py            # MiniLM (the default engine)
    .venv/bin/python bench/duplicate_threshold.py tfidf      # the fallback engine
"""

from __future__ import annotations

import os
import re
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igny8.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

from apps.planner.clustering.embed import embed  # noqa: E402
from apps.workspace.models import Site  # noqa: E402
from apps.writer import similarity  # noqa: E402
from apps.writer.services.duplicates import title_similarities  # noqa: E402
from igny8.ai.offline.ideas import generate_ideas  # noqa: E402
from igny8.ai.offline.writer import write_content  # noqa: E402

CONTEXT = {
    "site_name": "Bench",
    "language": "en",
    "language_name": "English",
    "brand_voice": "warm",
    "audience": "home owners",
    "default_word_count": 1200,
}
CLUSTERS = [
    ("Rose pruning", ["how to prune roses", "when to prune roses", "pruning roses in spring"]),
    ("Drain cleaning", ["drain cleaning service", "how to unclog a drain", "drain snake"]),
    ("Tomato blight", ["tomato blight treatment", "early blight tomatoes", "blight resistant"]),
    ("Running shoes", ["best running shoes", "running shoes for flat feet", "trail shoes"]),
    ("Home insurance", ["home insurance quotes", "cheap home insurance", "home insurance claim"]),
    ("Sourdough", ["sourdough starter", "how to feed sourdough starter", "sourdough discard"]),
    ("Solar panels", ["solar panel installation", "solar panels cost", "solar battery storage"]),
    ("Dog training", ["puppy potty training", "how to crate train a puppy", "stop puppy biting"]),
    ("Credit score", ["how to improve credit score", "credit score range", "free credit report"]),
    ("Kitchen remodel", ["kitchen remodel cost", "small kitchen remodel ideas", "diy kitchen"]),
    ("Coffee brewing", ["pour over coffee", "french press ratio", "cold brew coffee"]),
    ("Yoga", ["yoga for beginners", "beginner yoga poses", "morning yoga routine"]),
    ("Electric cars", ["electric car charging", "best electric cars", "electric car range"]),
    ("Houseplants", ["low light houseplants", "how to repot a plant", "overwatering signs"]),
    ("Budget travel", ["cheap flights", "budget travel tips", "hostel vs hotel"]),
    ("Mortgage", ["fixed vs variable mortgage", "first time buyer mortgage", "remortgage"]),
    ("Knitting", ["knitting for beginners", "how to cast on", "chunky knit blanket"]),
    ("Back pain", ["lower back pain relief", "back pain exercises", "sciatica stretches"]),
    ("Podcasting", ["how to start a podcast", "best podcast microphone", "podcast editing"]),
    ("Composting", ["how to compost at home", "what can you compost", "worm composting"]),
    (
        "Garden roses",
        [
            "how to prune roses",
            "when to prune roses",
            "pruning roses in spring",
            "rose pruning tools",
            "prune climbing roses",
        ],
    ),
    (
        "Drains",
        [
            "drain cleaning service",
            "how to unclog a drain",
            "drain snake",
            "best drain cleaner",
            "clogged kitchen sink",
        ],
    ),
    (
        "Sourdough bread",
        [
            "sourdough starter",
            "how to feed sourdough starter",
            "sourdough bread recipe",
            "sourdough discard recipes",
        ],
    ),
    ("Weddings", ["wedding photography"]),
    ("Wedding photos", ["wedding photography", "wedding photographer cost"]),
    (
        "Drain services",
        [
            "drain cleaning service",
            "drain cleaning services",
            "drain cleaning service near me",
            "best drain cleaning service",
        ],
    ),
]
SWAPS = {
    "Complete": "Full",
    "Guide": "Handbook",
    "Tips": "Hints",
    "Know": "Learn",
    "Review": "Verdict",
    "Things": "Facts",
    "Questions": "Queries",
    "Best": "Top",
    "Honest": "Frank",
}
SMALL = {"to": "into", "for": "to", "the": "your", "and": "&", "of": "on", "a": "one"}
PLURALS = {"Roses": "Rose", "Shoes": "Shoe", "Tomatoes": "Tomato", "Drain": "Drains"}


def _plural(t: str) -> str:
    for a, b in PLURALS.items():
        t = t.replace(a, b)
    return t


VARIANTS = {
    "same": lambda t: t,
    "lower case": str.lower,
    "punctuation": lambda t: t.replace(":", " –").replace("'", "’") + "!",
    "year added": lambda t: t + " (2025)",
    "a/the": lambda t: t.replace("The ", "A ", 1) if "The " in t else "The " + t,
    "plural": _plural,
    "one word": lambda t: re.sub(
        r"\b(" + "|".join(SWAPS) + r")\b", lambda m: SWAPS[m.group(1)], t, count=1
    ),
    "two small words": lambda t: re.sub(
        r"\b(" + "|".join(SMALL) + r")\b", lambda m: SMALL[m.group(1)], t, count=2
    ),
}


def _articles(ideas: list[dict]) -> list[dict]:
    return [
        write_content(
            {
                "title": i["title"],
                "outline": i["outline"],
                "primary_keyword": i["primary_keyword"],
                "secondary_keywords": i["secondary_keywords"],
                "target_words": i["estimated_words"],
                "structure": i["structure"],
                "content_type": i["content_type"],
            },
            CONTEXT,
        )
        for i in ideas
    ]


def _cosines(text: str, others: list[str]) -> np.ndarray:
    rows = similarity.vectors([text, *others])
    return rows[1:] @ rows[0]


def main() -> int:
    engine = sys.argv[1] if len(sys.argv) > 1 else None
    if engine:
        similarity.embed = lambda texts: embed(texts, engine)
    default = Site._meta.get_field("duplicate_threshold").default
    siblings: list[tuple[float, str, str]] = []
    near: list[tuple[float, str, str]] = []
    # For comparison: the embedding alone, of titles and of title + outline vs title + body.
    meaning = {"siblings": [], "near": []}
    outline_vs_body = {"siblings": [], "near": []}
    for name, keywords in CLUSTERS:
        for count in (3, 7):
            data = {"cluster": {"name": name, "keywords": keywords}, "count": count}
            ideas = generate_ideas(data, CONTEXT)["ideas"]
            articles = _articles(ideas)
            titles = [a["title"] for a in articles]
            bodies = [similarity.article_text(a["title"], a["html"]) for a in articles]
            for k, idea in enumerate(ideas):
                others = [
                    j for j in range(len(ideas)) if ideas[j]["structure"] != idea["structure"]
                ]
                if others:
                    scores = title_similarities(idea["title"], [titles[j] for j in others])
                    best = int(np.argmax(scores))
                    siblings.append((scores[best], idea["title"], titles[others[best]]))
                    meaning["siblings"].append(
                        float(_cosines(idea["title"], [titles[j] for j in others]).max())
                    )
                    task_text = similarity.article_text(idea["title"], "", idea["outline"])
                    outline_vs_body["siblings"].append(
                        float(_cosines(task_text, [bodies[j] for j in others]).max())
                    )
                if count != 7:
                    continue
                for label, vary in VARIANTS.items():
                    title = vary(idea["title"])
                    near.append((title_similarities(title, titles)[k], label, title))
                    meaning["near"].append(float(_cosines(title, titles)[k]))
                    text = similarity.article_text(title, "", idea["outline"])
                    outline_vs_body["near"].append(float(_cosines(text, bodies)[k]))

    def pct(values: list[float], q: float) -> str:
        return f"{np.percentile(values, q) * 100:.1f}"

    sib = [s for s, _, _ in siblings]
    nea = [s for s, _, _ in near]
    print(f"engine: {engine or 'default'}; {len(CLUSTERS)} clusters, 3 and 7 ideas each")
    print(f"{len(sib)} sibling tasks, {len(nea)} near-equal tasks\n")
    print(f"siblings    max {max(sib) * 100:.1f}  p95 {pct(sib, 95)}  median {pct(sib, 50)}")
    print(f"near-equal  min {min(nea) * 100:.1f}  p5 {pct(nea, 5)}  median {pct(nea, 50)}")
    by_variant: dict[str, list[float]] = defaultdict(list)
    for score, label, _ in near:
        by_variant[label].append(score)
    print("near-equal, lowest per variant: ", end="")
    print(", ".join(f"{label} {min(v) * 100:.1f}" for label, v in by_variant.items()))
    top = sorted(siblings)[-1]
    print(f"highest sibling: {top[0] * 100:.1f} {top[1]!r} ~ {top[2]!r}")
    print("lowest near-equal:", ", ".join(f"{s * 100:.1f} {t!r}" for s, _, t in sorted(near)[:3]))
    print()
    for threshold in (70, 75, 77, 78, 80, 82, 83, 85, 90):
        held = sum(s * 100 >= threshold for s in sib)
        missed = sum(s * 100 < threshold for s in nea)
        mark = "  <- default" if threshold == default else ""
        print(f"threshold {threshold}: siblings held {held}, near-equal missed {missed}{mark}")
    print("\nfor comparison (no threshold separates these):")
    for label, found in (("title meaning", meaning), ("title + outline vs body", outline_vs_body)):
        s, n = found["siblings"], found["near"]
        print(f"  {label}: siblings max {max(s) * 100:.1f}, near-equal min {min(n) * 100:.1f}")
    wrong = sum(x * 100 >= default for x in sib) + sum(x * 100 < default for x in nea)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
