"""The on-page score (optimizer): a pure function from an article to 0–100 and the fixes.

INTERFACE (stable, used by the content services and the editor):
    ScoreInput(...)                 what is scored (no Django objects)
    score(data) -> Score            total 0..100, checks with weight, passed, fix text
    score_input_for(content) -> ScoreInput
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.writer import html as article


@dataclass(frozen=True)
class ScoreInput:
    title: str
    html: str
    meta_title: str = ""
    meta_description: str = ""
    primary_keyword: str = ""
    secondary_keywords: tuple[str, ...] = ()
    target_words: int = 1200
    language: str = "en"
    site_url: str = ""  # links to this host (or relative links) count as internal


@dataclass(frozen=True)
class Check:
    key: str
    label: str  # what is checked, e.g. "Primary keyword in the title"
    weight: int  # points this check is worth
    earned: int  # points it got (0..weight)
    fix: str = ""  # what to do, when not all points were earned

    @property
    def passed(self) -> bool:
        return self.earned >= self.weight


@dataclass(frozen=True)
class Score:
    total: int
    checks: list[Check] = field(default_factory=list)

    @property
    def fixes(self) -> list[Check]:
        """Checks that lost points, the costliest first."""
        return sorted((c for c in self.checks if not c.passed), key=lambda c: c.earned - c.weight)


def score(data: ScoreInput) -> Score:
    # Minimal first version; the optimizer work replaces it with the full rule set.
    keyword = data.primary_keyword.casefold().strip()
    checks = [
        Check(
            "keyword_title",
            "Primary keyword in the title",
            10,
            10 if keyword and keyword in data.title.casefold() else 0,
            "Put the primary keyword in the title.",
        ),
    ]
    words = article.word_count(data.html)
    length_ok = data.target_words and words >= 0.8 * data.target_words
    checks.append(
        Check(
            "length",
            "Length near the target",
            10,
            10 if length_ok else 0,
            f"Write about {data.target_words} words (now {words}).",
        )
    )
    total = round(100 * sum(c.earned for c in checks) / sum(c.weight for c in checks))
    return Score(total=total, checks=checks)


def score_input_for(content) -> ScoreInput:  # noqa: ANN001  (a writer Content)
    return ScoreInput(
        title=content.title,
        html=content.html,
        meta_title=content.meta_title,
        meta_description=content.meta_description,
        primary_keyword=content.primary_keyword,
        secondary_keywords=tuple(content.secondary_keywords or ()),
        target_words=content.target_words,
        language=content.site.language,
        site_url=content.site.url,
    )
