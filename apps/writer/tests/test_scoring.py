"""The on-page score as a table: a well-made article passes every check; each row breaks one
rule (or an edge of it) and names the check that must lose points and what its fix says."""

from __future__ import annotations

import random
import time
from dataclasses import replace

import pytest

from apps.writer import scoring
from apps.writer.scoring import WEIGHTS, ScoreInput, score

SENTENCES = [
    "A road bike is light and quick on smooth roads.",
    "Pick a frame that fits your height.",
    "Test the brakes before every ride.",
    "Good tyres make the ride calm and safe.",
    "Start with short rides and build up slowly.",
    "Keep the chain clean and oiled.",
]


def paragraph(n: int = 6, start: int = 0) -> str:
    return "<p>" + " ".join(SENTENCES[(start + i) % len(SENTENCES)] for i in range(n)) + "</p>"


BODY = (
    "<p>Choosing your first road bike is easier than it looks. This guide shows the steps.</p>"
    + "<h2>Road bike frame and fit</h2>"
    + paragraph(6)
    + '<p>Read our <a href="/frame-sizes/">frame size chart</a> first.</p>'
    + "<h3>Frame materials</h3>"
    + paragraph(5, 2)
    + '<img src="/media/bike.webp" alt="A red road bike against a wall">'
    + "<h2>Riding well</h2>"
    + paragraph(6, 3)
)


def good(**changes) -> ScoreInput:
    """An article that passes every check (its target is its own length)."""
    base = ScoreInput(
        title="Road Bike Guide for Beginners",
        html=BODY,
        meta_title="Road Bike Guide: How to Choose Your First Bike",
        meta_description=(
            "How to choose a road bike as a beginner: frame size, materials, brakes and tyres, "
            "and the first rides that build confidence."
        ),
        primary_keyword="road bike",
        target_words=scoring_words(BODY),
        language="en",
        site_url="https://www.example.com",
    )
    return replace(base, **changes)


def scoring_words(html: str) -> int:
    from apps.writer.html import word_count

    return word_count(html)


def check(result: scoring.Score, key: str) -> scoring.Check:
    found = [c for c in result.checks if c.key == key]
    assert found, f"no check {key!r} in {[c.key for c in result.checks]}"
    return found[0]


def keys(result: scoring.Score) -> set[str]:
    return {c.key for c in result.checks}


# --- the baseline ----------------------------------------------------------------------------


def test_weights_make_100_and_a_good_article_earns_them_all():
    assert sum(WEIGHTS.values()) == 100
    result = score(good())
    assert keys(result) == set(WEIGHTS)
    assert [c.key for c in result.checks if not c.passed] == []
    assert result.total == 100
    assert result.fixes == []


# --- one broken rule per row -----------------------------------------------------------------

LONG_PARAGRAPH = "<p>" + " ".join(SENTENCES * 5) + "</p>"  # 5 × 43 words, one paragraph
LONG_SENTENCES = "".join(
    "<p>" + " ".join(["the road bike rides on and on along the quiet country lanes"] * 3) + ".</p>"
    for _ in range(8)
)
HARD_WORDS = "".join(
    "<p>Considerable organisational responsibilities necessitate comprehensive "
    "administrative documentation. Institutional regulatory requirements complicate "
    "infrastructural modernisation.</p>"
    for _ in range(6)
)

ROWS = [
    # (id, changes, failing check, earned, words expected in the fix)
    ("title lacks keyword", {"title": "Beginner Cycling Guide"}, "keyword_title", 0,
     ["“road bike”", "title", "Beginner Cycling Guide"]),
    ("first heading lacks keyword, a later one has it",
     {"html": BODY.replace("<h2>Road bike frame and fit</h2>", "<h2>Before you buy</h2>")
      .replace("<h2>Riding well</h2>", "<h2>Riding a road bike</h2>")},
     "keyword_heading", 4, ["first heading", "“Before you buy”", "later heading"]),
    ("no heading has the keyword", {"primary_keyword": "frame size chart",
                                    "title": "Frame size chart guide",
                                    "meta_title": "Frame size chart guide for new riders",
                                    "meta_description": "Our frame size chart for riders who "
                                    "want the right fit on their first bike, with simple steps."},
     "keyword_heading", 0,
     ["“frame size chart”", "first heading", "now “Road bike frame and fit”"]),
    ("keyword only after the first 100 words",
     {"html": ("<p>" + "Cycling is a calm and healthy way to travel. " * 6 + "</p>") * 2 + BODY},
     "keyword_intro", 0, ["first 100 words"]),
    ("meta title lacks keyword", {"meta_title": "How to Choose Your First Bicycle Today"},
     "keyword_meta_title", 0, ["meta title"]),
    ("meta description lacks keyword",
     {"meta_description": "How to choose a bicycle as a beginner: frame size, materials, "
      "brakes and tyres, and the first rides."},
     "keyword_meta_description", 0, ["meta description"]),
    ("meta title too long", {"meta_title": "Road Bike Guide: " + "x" * 60},
     "meta_title_length", 0, ["60 characters or fewer", "now 77", "17 too many"]),
    ("meta title a little long", {"meta_title": "Road Bike Guide: " + "x" * 47},
     "meta_title_length", 3, ["now 64"]),
    ("meta title very short", {"meta_title": "Road bike"}, "meta_title_length", 3,
     ["30–60", "now 9"]),
    ("meta title empty", {"meta_title": ""}, "meta_title_length", 0,
     ["Write a meta title of 30–60 characters"]),
    ("meta description too long", {"meta_description": "road bike " * 20},
     "meta_description_length", 0, ["160 characters or fewer", "now 199"]),
    ("meta description short", {"meta_description": "All about the road bike."},
     "meta_description_length", 3, ["70–160", "now 24"]),
    ("skipped heading level", {"html": BODY.replace("<h3>Frame materials</h3>",
                                                    "<h4>Frame materials</h4>")},
     "headings", 4, ["H2 → H4", "“Frame materials”", "make it H3"]),
    ("first heading skips from the title",
     {"html": BODY.replace("<h2>Road bike frame and fit</h2>", "<h3>Road bike frame and fit</h3>")},
     "headings", 4, ["title (H1) → H3", "make it H2"]),
    ("two H1s", {"html": "<h1>Road bike basics</h1>" + BODY + "<h1>More</h1>"},
     "headings", 4, ["keep one H1 (now 2"]),
    ("skipped level and two H1s",
     {"html": "<h1>Road bike basics</h1>" + BODY.replace("h3>", "h4>") + "<h1>More</h1>"},
     "headings", 0, ["H2 → H4", "keep one H1"]),
    ("long text without headings",
     {"html": "<p>Road bike.</p>" + paragraph(6) * 8},
     "headings", 0, ["H2 subheadings"]),
    ("far too short", {"target_words": 1200}, "length", None, ["Add about", "of the 1,200"]),
    ("far too long", {"target_words": 60}, "length", 0, ["Cut about", "target is 60"]),
    ("long paragraph", {"html": BODY + LONG_PARAGRAPH}, "paragraph_length", None,
     ["Split 1 paragraph longer than 150 words", "225"]),
    ("long sentences", {"html": "<h2>Road bike</h2>" + LONG_SENTENCES}, "sentence_length", 0,
     ["Shorten sentences", "aim for 20 or fewer"]),
    ("hard words", {"html": BODY + HARD_WORDS}, "flesch", None,
     ["Flesch reading ease is", "aim for 60"]),
    ("image without alt", {"html": BODY + '<img src="/a.webp">'}, "images_alt", 3,
     ["Add alt text to 1 of 2 images"]),
    ("image with blank alt", {"html": BODY.replace('alt="A red road bike against a wall"',
                                                   'alt="  "')},
     "images_alt", 0, ["Add alt text to 1 of 1 image"]),
    ("no images at all", {"html": BODY.replace('<img src="/media/bike.webp" alt="A red road '
                                               'bike against a wall">', "")},
     "images_alt", 0, ["Add an image"]),
    ("content image without alt",
     {"html": BODY, "image_alts": ("", "Featured photo")}, "images_alt", 4,
     ["Add alt text to 1 of 3 images"]),
    ("only external links", {"html": BODY.replace('href="/frame-sizes/"',
                                                  'href="https://other.org/frames/"')},
     "internal_links", 0, ["Link to at least one other article"]),
    ("only a same-page anchor", {"html": BODY.replace('href="/frame-sizes/"', 'href="#top"')},
     "internal_links", 0, ["Link to at least one other article"]),
    ("mail link is not internal", {"html": BODY.replace('href="/frame-sizes/"',
                                                        'href="mailto:a@example.com"')},
     "internal_links", 0, ["Link to at least one other article"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "key", "earned", "words"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_one_broken_rule(changes, key, earned, words):
    result = score(good(**changes))
    c = check(result, key)
    assert not c.passed, c
    if earned is not None:
        assert c.earned == earned, c
    assert 0 <= c.earned < c.weight
    for word in words:
        assert word in c.fix, (word, c.fix)
    assert c in result.fixes
    assert 0 <= result.total < 100


# --- rows that must pass ---------------------------------------------------------------------

PASSING = [
    ("keyword in another case", {"primary_keyword": "ROAD Bike"}),
    ("accents and case ignored",
     {"primary_keyword": "Café Crème", "title": "cafe-creme at home",
      "meta_title": "CAFÉ CRÈME at home: a guide for slow mornings",
      "meta_description": "Make a cafe creme at home with the beans you have, and learn what "
      "changes the taste most, step by step.",
      "html": BODY.replace("Choosing your first road bike", "Making a café crème")
      .replace("<h2>Road bike frame and fit</h2>", "<h2>The Cafe Creme basics</h2>")}),
    ("length within 20% above", {"target_words": round(scoring_words(BODY) / 1.19)}),
    ("length within 20% below", {"target_words": round(scoring_words(BODY) / 0.81)}),
    ("absolute link to the site's host", {"html": BODY.replace(
        'href="/frame-sizes/"', 'href="https://example.com/frame-sizes/"')}),
    ("www and case of the host ignored", {"html": BODY.replace(
        'href="/frame-sizes/"', 'href="HTTPS://WWW.Example.com/x/"')}),
    ("relative link without a slash", {"html": BODY.replace('href="/frame-sizes/"',
                                                            'href="frame-sizes/"')}),
    ("one H1 in the body is fine", {"html": "<h1>Road bike basics</h1>" + BODY}),
    ("image alt from the content's images",
     {"html": BODY.replace('<img src="/media/bike.webp" alt="A red road bike against a wall">',
                           ""), "image_alts": ("A road bike",)}),
]  # fmt: skip


@pytest.mark.parametrize("changes", [r[1] for r in PASSING], ids=[r[0] for r in PASSING])
def test_variations_that_still_pass(changes):
    result = score(good(**changes))
    assert [c.key for c in result.fixes] == [], [(c.key, c.fix) for c in result.fixes]
    assert result.total == 100


def test_keyword_matches_whole_words_only():
    result = score(good(primary_keyword="road", title="Railroads of the world"))
    assert not check(result, "keyword_title").passed


def test_keyword_in_first_heading_when_body_has_an_h1():
    html = "<h1>Cycling for everyone</h1>" + BODY
    c = check(score(good(html=html)), "keyword_heading")
    assert c.earned == 4 and "Use “road bike” in the H1 (“Cycling for everyone”)" in c.fix


def test_length_credit_is_scaled_not_all_or_nothing():
    words = scoring_words(BODY)
    half = check(score(good(target_words=words * 2)), "length")  # half the target
    tenth = check(score(good(target_words=words * 10)), "length")
    assert 0 < tenth.earned < half.earned < WEIGHTS["length"]


# --- what does not apply is left out --------------------------------------------------------


def test_flesch_is_english_only_and_the_total_is_rescaled():
    german = score(good(language="de", html=BODY + HARD_WORDS))
    assert "flesch" not in keys(german)
    assert "sentence_length" in keys(german)
    assert sum(c.weight for c in german.checks) == 100 - WEIGHTS["flesch"]
    english = score(good(html=BODY + HARD_WORDS))
    assert not check(english, "flesch").passed
    assert german.total > english.total


def test_chinese_skips_sentence_length_and_estimates_words_from_characters():
    text = "公路自行车很轻。" * 40  # 320 characters, about 160 words
    result = score(
        good(
            language="zh",
            html=f"<h2>公路自行车</h2><p>{text}</p>",
            primary_keyword="公路自行车",
            title="公路自行车指南",
            target_words=160,
            meta_title="公路自行车指南：如何挑选第一辆车，从车架尺寸到轮胎与刹车",
            meta_description="公路自行车" * 15,
        )
    )
    assert check(result, "keyword_title").passed
    assert "sentence_length" not in keys(result) and "flesch" not in keys(result)
    assert check(result, "length").passed, check(result, "length")
    assert check(result, "keyword_intro").passed


def test_empty_html():
    result = score(good(html=""))
    assert {"sentence_length", "paragraph_length", "flesch", "headings"}.isdisjoint(keys(result))
    assert not check(result, "length").passed
    assert not check(result, "keyword_intro").passed
    assert "Add an image" in check(result, "images_alt").fix
    assert 0 <= result.total < 50


def test_everything_empty_scores_zero():
    result = score(ScoreInput(title="", html=""))
    assert result.total == 0
    assert all(c.earned == 0 for c in result.checks)


def test_no_keyword_is_one_costly_fix_not_five():
    result = score(good(primary_keyword="  "))
    assert not any(c.key.startswith("keyword_") for c in result.checks)
    c = check(result, "keyword")
    assert c.weight == sum(WEIGHTS[k] for k in scoring.KEYWORD_CHECKS) and c.earned == 0
    assert result.fixes[0] is c
    assert "Choose the primary keyword" in c.fix


def test_no_target_leaves_length_out():
    assert "length" not in keys(score(good(target_words=0)))


# --- fixes, totals, details ------------------------------------------------------------------


def test_fixes_sorted_by_points_lost():
    result = score(
        good(
            title="Cycling",  # −10
            meta_title="Road bike",  # −3 (short)
            html=BODY.replace('href="/frame-sizes/"', 'href="https://x.org/"'),  # −6
        )
    )
    lost = [c.weight - c.earned for c in result.fixes]
    assert lost == sorted(lost, reverse=True)
    assert [c.key for c in result.fixes][:2] == ["keyword_title", "internal_links"]
    assert all(c.fix for c in result.fixes)
    assert all(not c.fix for c in result.checks if c.passed)


def test_details_carry_the_numbers():
    result = score(good())
    assert check(result, "length").detail.endswith(f"of {scoring_words(BODY)} words")
    assert check(result, "meta_title_length").detail == "46 characters"
    assert check(result, "internal_links").detail == "1 internal link"


FRAGMENTS = [
    "<h1>Road bike</h1>",
    "<h2>Road bike care</h2>",
    "<h3>Tyres</h3>",
    "<h5>Deep</h5>",
    paragraph(3),
    paragraph(9, 1),
    LONG_PARAGRAPH,
    "<ul><li>Pump</li><li>Lights</li></ul>",
    '<img src="/a.png">',
    '<img src="/b.png" alt="A bike">',
    '<a href="/x/">x</a>',
    '<a href="https://else.org">else</a>',
    "<p>Ünïcödé façade — “quotes” &amp; entities&nbsp;here.</p>",
    "<p></p>",
    "<p>no terminator</p>",
]


@pytest.mark.parametrize("seed", range(40))
def test_total_is_always_between_0_and_100(seed):
    rng = random.Random(seed)
    html = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(0, 25)))
    data = ScoreInput(
        title=rng.choice(["", "Road bike", "Cycling"]),
        html=html,
        meta_title=rng.choice(["", "Road bike", "x" * 90]),
        meta_description=rng.choice(["", "road bike " * 10, "y" * 300]),
        primary_keyword=rng.choice(["", "road bike", "Ünïcödé"]),
        target_words=rng.choice([0, 50, 1200]),
        language=rng.choice(["en", "de", "ja"]),
        site_url=rng.choice(["", "https://example.com"]),
        image_alts=tuple(rng.choice(["", "alt"]) for _ in range(rng.randint(0, 3))),
    )
    result = score(data)
    assert 0 <= result.total <= 100
    for c in result.checks:
        assert 0 <= c.earned <= c.weight
        assert c.passed == (not c.fix)
    assert sum(c.weight for c in result.checks) <= 100


def test_score_is_fast_on_a_1500_word_article():
    html = "".join(
        f"<h2>Part {i} of the road bike guide</h2>" + paragraph(6, i) + paragraph(5, i + 1)
        for i in range(16)
    )
    data = good(html=html, target_words=1500)
    assert 1300 < scoring_words(html) < 1700
    score(data)
    started = time.perf_counter()
    for _ in range(20):
        score(data)
    per_article = (time.perf_counter() - started) / 20
    assert per_article < 0.010, f"{per_article * 1000:.1f} ms per article"
