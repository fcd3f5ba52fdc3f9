"""The near-duplicate guard: is a task about to write an article the site already has?

How alike a task and an article are is measured on their titles, as a weighted mean of:
- meaning (1/4): the cosine of the titles' offline embeddings (apps.writer.similarity, MiniLM);
- wording (3/4): how much of the normalised titles match, half by characters and half by words
  (difflib), so that "Questions" → "Queries" costs a little and a reordered title a lot.

Why not embeddings alone, or title + outline against title + body? Measured with the offline
writer (bench/duplicate_threshold.py prints the figures): ideas of ONE cluster (same keywords,
different structures — what the planner is for) were up to 95 % alike by title meaning and 91 %
by title + outline against title + body, while a task titled like an existing article scored as
low as 66 % and 46 % (MiniLM moves a lot on one changed word, and an outline reads nothing like
an article's opening). Meaning cannot tell "the same topic from another angle" from "the same
article again"; wording can. With these weights, sibling ideas stay at or under 77 % and
near-equal titles (case, punctuation, a year, "a"/"the", singular/plural, one or two words
swapped) start at 83 %, so the default threshold is 80 %, in the middle of the gap.

Wording also makes titles built on one pattern look alike ("Tire shop near me: a complete
guide", "Bike shop near me: …", 85 %). So a close title is held only when the two primary
keywords name the same subject too (`same_subject`): two articles on one keyword compete in
search, which is what the guard exists to prevent.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from apps.workspace.models import Site
from apps.writer import similarity
from apps.writer.models import Content, Task

_NOT_WORD = re.compile(r"[^\w\s]+")
# Cosine of the keywords' embeddings at and above which they name one subject (MiniLM:
# "running shoes"/"running shoe" 0.95, "how to prune roses"/"pruning roses" 0.86, "home
# composting"/"… 2025" 0.83; "best running shoes"/"best trail shoes" 0.78, "tire shop near
# me"/"bike shop near me" 0.76, "home"/"car insurance quotes" 0.72).
KEYWORD_GATE = 0.8


def _normalised(title: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", title.casefold()).split())


MEANING, CHARACTERS, WORDS = 0.25, 0.375, 0.375


def wording(a: str, b: str) -> float:
    """0..1: how much of the two normalised titles match, by characters and by words."""
    a, b = _normalised(a), _normalised(b)
    by_chars = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    by_words = difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()
    return (CHARACTERS * by_chars + WORDS * by_words) / (CHARACTERS + WORDS)


def title_similarities(title: str, others: list[str]) -> list[float]:
    """0..1 for each of `others`: meaning and wording of the titles (see the module notes)."""
    if not others:
        return []
    rows = similarity.vectors([title, *others])
    meaning = rows[1:] @ rows[0]
    return [
        MEANING * max(0.0, min(1.0, float(m))) + (1 - MEANING) * wording(title, other)
        for m, other in zip(meaning, others, strict=True)
    ]


@dataclass(frozen=True)
class Duplicate:
    content: Content
    similarity: float  # 0..1

    @property
    def percent(self) -> int:
        return int(self.similarity * 100)

    def message(self) -> str:
        return f"Near duplicate of “{self.content.title}” ({self.percent}% alike). Write it anyway?"


def near_duplicate(*, site: Site, task: Task) -> Duplicate | None:
    """The live article of the site most like `task` when it is at least the site's threshold
    alike, else None. The task's own article (a re-run) never counts; 100 turns the guard off."""
    threshold = site.duplicate_threshold
    if threshold >= 100:
        return None
    candidates = list(
        Content.objects.alive()
        .filter(site=site)
        .exclude(task_id=task.pk)
        .only("pk", "title", "primary_keyword")
        .order_by("pk")
    )
    if not candidates:
        return None
    scores = title_similarities(task.title, [c.title for c in candidates])
    close = sorted(
        (i for i, s in enumerate(scores) if s * 100 >= threshold), key=lambda i: -scores[i]
    )
    for i in close:
        if same_subject(task.primary_keyword, candidates[i].primary_keyword):
            return Duplicate(content=candidates[i], similarity=scores[i])
    return None


def same_subject(a: str, b: str) -> bool:
    """Do two primary keywords name the same subject? Titles built on one pattern ("Tire shop
    near me: a complete guide", "Bike shop near me: …") read alike while their keywords do
    not; two articles on one keyword are what the guard is for. Without both keywords the
    titles alone decide."""
    a, b = _normalised(a), _normalised(b)
    if not a or not b or a == b:
        return True
    rows = similarity.vectors([a, b])
    return float(rows[0] @ rows[1]) >= KEYWORD_GATE
