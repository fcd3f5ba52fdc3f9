"""The on-page score (optimizer): a pure function from an article to 0–100 and the fixes.

INTERFACE (stable, used by the content services and the editor):
    ScoreInput(...)                 what is scored (no Django objects)
    score(data) -> Score            total 0..100, checks with weight, passed, fix text
    score_input_for(content) -> ScoreInput

Rules, each worth a share of 100 points (WEIGHTS): the primary keyword in the title, the H1 or
first heading, the first 100 words, the meta title and description; meta lengths; heading
hierarchy; length against the target; readability (sentence length, paragraph length, Flesch
reading ease for English); images with alt text; internal links.

Decisions:
- A check that does not apply (Flesch outside English, sentence length in Chinese or Japanese,
  readability of an empty body, length without a target) is left out and the total is scaled
  to the checks that remain, so a German article is not marked down for lacking an English
  formula.
- Without a primary keyword the five keyword checks become one failing check worth all their
  points: the first fix is to choose a keyword, not five variations of it.
- The page title is the article's H1 on the site, so headings start at H2; a body H1 is allowed
  once. Levels are checked from the title down (title → H3 skips H2).
- Keywords match whole words, ignoring case, accents and punctuation ("Café-Crème" matches
  "cafe creme").
- Images: the pictures in the body (in-article figures, or any <img>) and the featured image,
  which the site shows above the article. An in-article picture taken out of the body does not
  count: it is not in the article.
- Chinese and Japanese write no spaces: words are estimated as two characters each.
- `score` runs on every save, so it reads the HTML once with a regex tokenizer (scoring_text;
  the HTML is already sanitised) instead of a full parser: about 1 ms for 1,500 words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.writer.scoring_text import (
    ASCII_WORD,
    ENDS,
    NO_SPACES,
    SENTENCE_END,
    WORD,
    Article,
    count_words,
    first_words,
    fold,
    has_keyword,
    host_of,
    is_internal,
    read_article,
    syllables,
)

WEIGHTS = {
    "keyword_title": 10,
    "keyword_heading": 8,
    "keyword_intro": 8,
    "keyword_meta_title": 8,
    "keyword_meta_description": 6,
    "meta_title_length": 6,
    "meta_description_length": 6,
    "headings": 8,
    "length": 10,
    "sentence_length": 6,
    "paragraph_length": 6,
    "flesch": 6,
    "images_alt": 6,
    "internal_links": 6,
}
KEYWORD_CHECKS = (
    "keyword_title",
    "keyword_heading",
    "keyword_intro",
    "keyword_meta_title",
    "keyword_meta_description",
)
META_TITLE_MAX, META_TITLE_MIN = 60, 30
META_DESCRIPTION_MAX, META_DESCRIPTION_MIN = 160, 70
INTRO_WORDS = 100
LENGTH_TOLERANCE = 0.2  # ±20% of the target earns every point
SENTENCE_GOOD, SENTENCE_BAD = 20, 30  # average words per sentence: full marks / none
PARAGRAPH_MAX = 150  # words
FLESCH_GOOD, FLESCH_BAD = 60, 30
LONG_WITHOUT_HEADINGS = 300  # words of text that need subheadings


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
    image_alts: tuple[str, ...] = ()  # alt texts of images shown outside the body (featured)


@dataclass(frozen=True)
class Check:
    key: str
    label: str  # what is checked, e.g. "Primary keyword in the title"
    weight: int  # points this check is worth
    earned: int  # points it got (0..weight)
    fix: str = ""  # what to do, when not all points were earned
    detail: str = ""  # what was measured ("1,240 words of 1,200"), shown beside the label

    @property
    def passed(self) -> bool:
        return self.earned >= self.weight

    @property
    def lost(self) -> int:
        return self.weight - self.earned


@dataclass(frozen=True)
class Score:
    total: int
    checks: list[Check] = field(default_factory=list)

    @property
    def fixes(self) -> list[Check]:
        """Checks that lost points, the costliest first."""
        return sorted((c for c in self.checks if not c.passed), key=lambda c: c.earned - c.weight)


def _n(value: int) -> str:
    return f"{value:,}"


def _q(text: str, limit: int = 60) -> str:
    text = text.strip()
    return f"“{text if len(text) <= limit else text[: limit - 1].rstrip() + '…'}”"


# --- the checks ------------------------------------------------------------------------------


def _check(key: str, label: str, fraction: float, fix: str, detail: str = "") -> Check:
    weight = WEIGHTS[key]
    earned = max(0, min(weight, round(weight * fraction)))
    if fraction < 1 and earned == weight:
        earned = weight - 1  # a real shortfall never rounds up to full marks
    return Check(key, label, weight, earned, "" if earned >= weight else fix, detail)


def _keyword_checks(data: ScoreInput, doc: Article) -> list[Check]:
    keyword = data.primary_keyword.strip()
    if not fold(keyword).strip():
        weight = sum(WEIGHTS[k] for k in KEYWORD_CHECKS)
        return [
            Check(
                "keyword",
                "A primary keyword is chosen",
                weight,
                0,
                "Choose the primary keyword this article should rank for, then use it in the "
                "title, the first heading, the first 100 words and the meta title and "
                "description.",
            )
        ]
    q, lang = _q(keyword), data.language
    checks = [
        _check(
            "keyword_title",
            "Primary keyword in the title",
            has_keyword(keyword, data.title, lang),
            f"Put {q} in the title (now {_q(data.title)}).",
        )
    ]
    h1s = [text for level, text in doc.headings if level == 1]
    main = h1s[0] if h1s else (doc.headings[0][1] if doc.headings else "")
    if main and has_keyword(keyword, main, lang):
        fraction, fix = 1.0, ""
    elif any(has_keyword(keyword, text, lang) for _, text in doc.headings):
        fraction = 0.5
        where = "H1" if h1s else "first heading"
        fix = f"Use {q} in the {where} ({_q(main)}), not only in a later heading."
    elif doc.headings:
        fraction = 0.0
        fix = f"Use {q} in the {'H1' if h1s else 'first heading'} (now {_q(main)})."
    else:
        fraction, fix = 0.0, f"Start the article with an H2 heading that contains {q}."
    checks.append(
        _check("keyword_heading", "Primary keyword in the H1 / first heading", fraction, fix)
    )
    opening = first_words(doc.blocks, INTRO_WORDS, data.language)
    checks.append(
        _check(
            "keyword_intro",
            "Primary keyword in the first 100 words",
            has_keyword(keyword, opening, lang),
            f"Mention {q} in the opening paragraph, within the first {INTRO_WORDS} words.",
        )
    )
    checks.append(
        _check(
            "keyword_meta_title",
            "Primary keyword in the meta title",
            has_keyword(keyword, data.meta_title, lang),
            f"Put {q} in the meta title, near its start."
            if data.meta_title.strip()
            else f"Write a meta title of {META_TITLE_MIN}–{META_TITLE_MAX} characters that "
            f"contains {q}.",
        )
    )
    checks.append(
        _check(
            "keyword_meta_description",
            "Primary keyword in the meta description",
            has_keyword(keyword, data.meta_description, lang),
            f"Put {q} in the meta description."
            if data.meta_description.strip()
            else f"Write a meta description of {META_DESCRIPTION_MIN}–{META_DESCRIPTION_MAX} "
            f"characters that contains {q}.",
        )
    )
    return checks


def _length_check(key: str, label: str, text: str, low: int, high: int, what: str) -> Check:
    n = len(text.strip())
    detail = f"{n} characters"
    if not n:
        return _check(key, label, 0, f"Write a {what} of {low}–{high} characters.", "empty")
    if n > high:
        over = n - high
        fraction = 0.5 if over <= 10 else 0.0
        fix = (
            f"Shorten the {what} to {high} characters or fewer (now {n}, {over} too many): "
            "search engines cut off the rest."
        )
        return _check(key, label, fraction, fix, detail)
    if n < low:
        return _check(
            key, label, 0.5, f"Lengthen the {what} to {low}–{high} characters (now {n}).", detail
        )
    return _check(key, label, 1, "", detail)


def _headings_check(doc: Article, words: int) -> Check | None:
    label = "Heading hierarchy"
    if not doc.headings:
        if words < LONG_WITHOUT_HEADINGS:
            return None
        return _check(
            "headings",
            label,
            0,
            f"Break the {_n(words)} words into sections with H2 subheadings (none yet).",
            "no headings",
        )
    problems = []
    previous = 1  # the page title is the H1
    for level, text in doc.headings:
        if level > previous + 1:
            start = "the title (H1)" if previous == 1 and level != 1 else f"H{previous}"
            problems.append(
                f"{start} → H{level} before {_q(text, 40)} skips a level (make it H{previous + 1})"
            )
        previous = level
    h1 = sum(1 for level, _ in doc.headings if level == 1)
    if h1 > 1:
        problems.append(f"keep one H1 (now {h1}; make the others H2)")
    fraction = 1.0 if not problems else (0.5 if len(problems) == 1 else 0.0)
    fix = "Fix the heading levels: " + "; ".join(problems[:3]) + "." if problems else ""
    return _check("headings", label, fraction, fix, f"{len(doc.headings)} headings")


def _target_check(words: int, target: int) -> Check | None:
    if target <= 0:
        return None
    low, high = round(target * (1 - LENGTH_TOLERANCE)), round(target * (1 + LENGTH_TOLERANCE))
    ratio = words / target
    detail = f"{_n(words)} of {_n(target)} words"
    label = "Length near the target"
    aim = f"aim for {_n(low)}–{_n(high)}"
    if words < low:
        fix = (
            f"Add about {_n(target - words)} words: the article has {_n(words)} of the "
            f"{_n(target)} targeted ({aim})."
        )
        return _check("length", label, ratio / (1 - LENGTH_TOLERANCE), fix, detail)
    if words > high:
        fix = (
            f"Cut about {_n(words - target)} words: the article has {_n(words)}, the target "
            f"is {_n(target)} ({aim})."
        )
        fraction = 1 - (ratio - 1 - LENGTH_TOLERANCE) / 0.8  # none left at twice the target
        return _check("length", label, fraction, fix, detail)
    return _check("length", label, 1, "", detail)


def _readability_checks(data: ScoreInput, doc: Article, words: list[str] | None) -> list[Check]:
    """Paragraph length always; sentence length where words are spaced; Flesch for English.
    `words` are the body's words (None for languages written without spaces)."""
    if not doc.blocks:
        return []
    checks = []
    if words is None:
        counts = [count_words(block, data.language) for block in doc.blocks]
    else:
        counts = [len(block.split()) for block in doc.blocks]
    long = [n for n in counts if n > PARAGRAPH_MAX]
    if long:
        share = len(long) / len(counts)
        fix = (
            f"Split {len(long)} paragraph{'s' if len(long) != 1 else ''} longer than "
            f"{PARAGRAPH_MAX} words (the longest has {_n(max(long))})."
        )
        checks.append(
            _check("paragraph_length", "Paragraph length", 1 - 2 * share, fix, f"{len(long)} long")
        )
    else:
        checks.append(_check("paragraph_length", "Paragraph length", 1, "", "none too long"))
    if not words:
        return checks
    # Every terminator ends a sentence; a block without one (a list item) is one sentence.
    sentences = len(SENTENCE_END.findall("\n".join(doc.blocks)))
    sentences += sum(1 for block in doc.blocks if not ENDS.search(block))
    average = len(words) / max(1, sentences)
    fraction = 1 - (average - SENTENCE_GOOD) / (SENTENCE_BAD - SENTENCE_GOOD)
    checks.append(
        _check(
            "sentence_length",
            "Sentence length",
            min(1.0, fraction),
            f"Shorten sentences: they average {average:.0f} words; aim for {SENTENCE_GOOD} or "
            "fewer.",
            f"{average:.0f} words on average",
        )
    )
    if data.language.split("-")[0] == "en":
        total = sum(map(syllables, words))
        flesch = 206.835 - 1.015 * average - 84.6 * total / len(words)
        fraction = (flesch - FLESCH_BAD) / (FLESCH_GOOD - FLESCH_BAD)
        checks.append(
            _check(
                "flesch",
                "Reading ease (Flesch)",
                min(1.0, fraction),
                f"Make the text easier to read: Flesch reading ease is {flesch:.0f}, aim for "
                f"{FLESCH_GOOD} or more (shorter sentences, shorter words).",
                f"{flesch:.0f} of 100",
            )
        )
    return checks


def _images_check(data: ScoreInput, doc: Article) -> Check:
    alts = [*doc.alts, *data.image_alts]
    label = "Images with alt text"
    if not alts:
        return _check(
            "images_alt",
            label,
            0,
            "Add an image (a featured image or one in the article) with alt text that "
            "describes it.",
            "no images",
        )
    missing = sum(1 for alt in alts if not alt.strip())
    detail = f"{len(alts) - missing} of {len(alts)} with alt text"
    fix = f"Add alt text to {missing} of {len(alts)} image{'s' if len(alts) != 1 else ''}."
    return _check("images_alt", label, 1 - missing / len(alts), fix, detail)


def _links_check(data: ScoreInput, doc: Article) -> Check:
    host = host_of(data.site_url) if data.site_url else ""
    internal = sum(1 for href in doc.hrefs if is_internal(href, host))
    return _check(
        "internal_links",
        "Internal links",
        1 if internal else 0,
        "Link to at least one other article of this site (the Links panel suggests some).",
        f"{internal} internal link{'s' if internal != 1 else ''}",
    )


def score(data: ScoreInput) -> Score:
    """Score the article 0–100; every check that lost points carries its fix."""
    doc = read_article(data.html or "")
    headings = " ".join(text for _, text in doc.headings)
    if data.language in NO_SPACES:
        body_words = None
        words = count_words(" ".join(doc.blocks), data.language)
        words += count_words(headings, data.language)
    else:
        body = "\n".join(doc.blocks)
        body_words = (ASCII_WORD if body.isascii() else WORD).findall(body)
        words = len(body_words) + len(WORD.findall(headings))
    checks = _keyword_checks(data, doc)
    checks.append(
        _length_check(
            "meta_title_length",
            "Meta title length",
            data.meta_title,
            META_TITLE_MIN,
            META_TITLE_MAX,
            "meta title",
        )
    )
    checks.append(
        _length_check(
            "meta_description_length",
            "Meta description length",
            data.meta_description,
            META_DESCRIPTION_MIN,
            META_DESCRIPTION_MAX,
            "meta description",
        )
    )
    for check in (_headings_check(doc, words), _target_check(words, data.target_words)):
        if check is not None:
            checks.append(check)
    checks.extend(_readability_checks(data, doc, body_words))
    checks.append(_images_check(data, doc))
    checks.append(_links_check(data, doc))
    possible = sum(c.weight for c in checks)
    total = round(100 * sum(c.earned for c in checks) / possible) if possible else 0
    return Score(total=total, checks=checks)


def score_input_for(content) -> ScoreInput:  # noqa: ANN001  (a writer Content)
    """What `score` reads of a content: its text, meta, keywords, target, the site's language
    and address, and the alt text of its featured image when it has a picture. In-article
    images count from the body (their figures), where a reader meets them: a picture that is
    not in the body is not in the article."""
    alts: tuple[str, ...] = ()
    if content.pk is not None:
        alts = tuple(
            content.images.filter(kind="featured").exclude(file="").values_list("alt", flat=True)
        )
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
        image_alts=alts,
    )
