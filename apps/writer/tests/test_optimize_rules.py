"""The optimizer's mechanical fixes (a pure function): on varied articles, every check they
cover passes afterwards or comes with the reason it could not; the score never goes down; a
second pass changes nothing; what a person wrote is kept where it already passes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from apps.writer import optimize_rules as rules
from apps.writer import scoring
from apps.writer.html import sanitize
from apps.writer.scoring_text import fold, has_phrase, read_article

FILLER = "Compost turns kitchen scraps and garden waste into food for the soil. "


def article(html: str, **fields) -> scoring.ScoreInput:
    values = {"title": "Getting started", "target_words": 600, **fields}
    return scoring.ScoreInput(html=sanitize(html), **values)


def fixed_input(data: scoring.ScoreInput, fx: rules.Fixed) -> scoring.ScoreInput:
    """What the article reads like once the fixes are saved (sanitised, as content_save does)."""
    return replace(
        data,
        title=fx.title,
        html=sanitize(fx.html),
        meta_title=fx.meta_title,
        meta_description=fx.meta_description,
        image_alts=tuple(fx.image_alts.get(pk, alt) for pk, alt in fx.outside),
    )


# Varied articles: plain English, German, Japanese, keywords with punctuation and questions,
# empty and overlong meta, an H1 in the body, skipped levels, pictures without alt text.
CASES = {
    "english, h1 in body, skipped levels, empty meta": (
        article(
            "<h1>Compost</h1><p>" + FILLER * 6 + "</p><h4>Bins</h4><p>Any bin will do.</p>"
            "<h2>Greens</h2><p>Grass and peelings.</p>",
            primary_keyword="home composting",
        ),
        (),
    ),
    "german, short meta title, no headings": (
        article(
            "<p>Kompost macht den Boden fruchtbar. Man braucht nur Geduld und einen Behälter "
            "mit Deckel. Grünschnitt und Küchenabfälle gehören hinein.</p>"
            "<p>Nach einigen Monaten ist die Erde dunkel und krümelig.</p>",
            title="Kompost im Garten",
            primary_keyword="Kompostierung zu Hause",
            meta_title="Kompost",
            language="de",
        ),
        (),
    ),
    "japanese keyword": (
        article(
            "<h2>はじめに</h2><p>家庭でできる堆肥作りは簡単です。生ごみと落ち葉を混ぜます。</p>"
            "<h2>道具</h2><p>ふた付きの容器があれば十分です。</p>",
            title="堆肥の基本",
            primary_keyword="家庭 堆肥",
            language="ja",
        ),
        (),
    ),
    "keyword with punctuation and an ampersand": (
        article(
            "<h2>Setup</h2><p>Templates let the compiler write code for you. They are "
            "checked when used.</p><h2>Pitfalls</h2><p>Error messages get long.</p>",
            title="Generic code",
            primary_keyword="C++ & Rust: generics",
            meta_description="x" * 190,
        ),
        (),
    ),
    "question keyword": (
        article(
            "<p>Yellow leaves and soft stems are warning signs. Water deeply at the base.</p>"
            "<h2>Signs</h2><p>Wilting at noon is normal; wilting at dawn is not.</p>",
            title="Squash troubles",
            primary_keyword="is my squash dying",
        ),
        (),
    ),
    "pictures without alt text": (
        article(
            "<p>" + FILLER + "</p><h2>Bins</h2>"
            '<figure><img src="/writer/images/7/file/" data-igny8-image="7">'
            "<figcaption>A bin by the shed</figcaption></figure>"
            '<p>Any bin will do.</p><figure><img src="https://cdn.example.com/a.jpg" alt="">'
            "<figcaption>Turning the heap</figcaption></figure>",
            primary_keyword="compost bin",
            image_alts=("",),
        ),
        (
            rules.Picture(
                id=3, kind="featured", alt="", prompt="Flat-lay of a compost bin; no text"
            ),
            rules.Picture(
                id=7,
                kind="in_article",
                alt="",
                prompt="Watercolour of a green compost bin beside a shed, morning light, "
                "close-up; a palette that works with #4f46e5",
            ),
        ),
    ),
    "already good meta kept": (
        article(
            "<p>Home composting starts with a bin and patience. " + FILLER + "</p>"
            "<h2>Home composting basics</h2><p>Greens and browns.</p>",
            title="Home composting made simple",
            primary_keyword="home composting",
            meta_title="Home composting made simple: a guide",
            meta_description="Home composting explained: what goes in the bin, how long it "
            "takes and how to use the compost in your garden.",
        ),
        (),
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_every_fixable_check_passes_or_says_why(name):
    data, pictures = CASES[name]
    fx = rules.fix(data, pictures=pictures, site_name="Garden Notes")
    after = scoring.score(fixed_input(data, fx))
    assert after.total == fx.after.total
    assert after.total >= fx.before.total, "the score never goes down"
    failing = [c for c in after.fixes if c.key in rules.FIXABLE]
    explained = {label for label, _ in fx.not_fixed}
    for check in failing:
        assert check.label in explained, f"{check.label} fails without a reason"
    for _, why in fx.not_fixed:
        assert why.endswith((".", ")")) and len(why) > 20
    # A second pass finds nothing to change.
    saved = tuple(replace(p, alt=fx.image_alts.get(p.id, p.alt)) for p in pictures)
    again = rules.fix(fixed_input(data, fx), pictures=saved, site_name="Garden Notes")
    assert again.changes == [] and again.after.total == after.total


def test_the_poor_english_article_gets_each_fix_named():
    data, _ = CASES["english, h1 in body, skipped levels, empty meta"]
    fx = rules.fix(data, site_name="Garden Notes")
    checks = {c.key: c for c in scoring.score(fixed_input(data, fx)).checks}
    for key in (
        "keyword_title",
        "keyword_heading",
        "keyword_intro",
        "keyword_meta_title",
        "keyword_meta_description",
        "meta_title_length",
        "meta_description_length",
        "headings",
    ):
        assert checks[key].passed, key
    assert fx.title == "Home composting: Getting started"
    levels = [level for level, _ in read_article(fx.html).headings]
    assert levels == [2, 3, 2], "the H1 became H2 and the H4 under it an H3"
    text = " ".join(fx.changes)
    assert "H1" in text and "heading levels" in text and "meta title" in text
    assert fx.meta_description.startswith("This article is about home composting.")
    assert scoring.META_DESCRIPTION_MIN <= len(fx.meta_description) <= 160


def test_other_languages_get_no_english_sentence():
    data, _ = CASES["german, short meta title, no headings"]
    fx = rules.fix(data)
    assert "This article" not in fx.html
    assert "<p>Kompostierung zu Hause: Kompost macht" in fx.html
    assert fx.html.startswith("<h2>Kompostierung zu Hause</h2>")
    assert has_phrase(fold("Kompostierung zu Hause"), fx.meta_title)
    assert 30 <= len(fx.meta_title) <= 60
    # The description is the article's own German sentences.
    assert "Boden fruchtbar" in fx.meta_description


def test_punctuation_in_the_keyword_is_kept_and_escaped():
    data, _ = CASES["keyword with punctuation and an ampersand"]
    fx = rules.fix(data)
    assert "C++ &amp; Rust: generics" in fx.html and "&amp;amp;" not in fx.html
    assert fx.title.startswith("C++ & Rust: generics: ")
    assert len(fx.meta_description) <= 160 and "x" * 150 not in fx.meta_description
    assert has_phrase(fold("C++ & Rust: generics"), fx.meta_description)


def test_a_question_keyword_reads_as_a_question():
    data, _ = CASES["question keyword"]
    fx = rules.fix(data)
    assert fx.title == "Is my squash dying? Squash troubles"
    assert "<h2>Is my squash dying? Signs</h2>" in fx.html
    assert "Is my squash dying? This article answers it." in fx.html


@pytest.mark.parametrize(
    ("heading", "fixed"),
    [
        ("What You Will Need", "How to Install a Ceiling Fan: What You Will Need"),
        ("What you will need", "How to install a ceiling fan: What you will need"),
    ],
)
def test_the_keyword_takes_the_casing_of_the_heading_it_joins(heading, fixed):
    """Not "How to install a ceiling fan: What You Will Need" (the demo article's fix)."""
    body = f"<h2>{heading}</h2><p>How to install a ceiling fan, step by step. {FILLER}</p>"
    data = article(body, primary_keyword="how to install a ceiling fan")
    fx = rules.fix(data)
    assert f"<h2>{fixed}</h2>" in fx.html
    after = scoring.score(fixed_input(data, fx))
    assert next(c for c in after.checks if c.key == "keyword_heading").passed


def test_alt_text_comes_from_the_image_prompt_then_the_caption():
    data, pictures = CASES["pictures without alt text"]
    fx = rules.fix(data, pictures=pictures)
    assert (
        'alt="Watercolour of a green compost bin beside a shed, morning light, close-up"' in fx.html
    )
    assert 'alt="Turning the heap"' in fx.html, "no prompt: the caption"
    assert fx.image_alts == {
        3: "Flat-lay of a compost bin",
        7: "Watercolour of a green compost bin beside a shed, morning light, close-up",
    }
    assert scoring.score(fixed_input(data, fx)).checks[-2].passed


def test_what_already_passes_is_left_as_the_person_wrote_it():
    data, _ = CASES["already good meta kept"]
    fx = rules.fix(data)
    assert fx.meta_title == data.meta_title and fx.meta_description == data.meta_description
    assert fx.title == data.title and fx.html == data.html
    assert fx.fields(data) == {}


def test_without_a_keyword_the_rest_is_fixed_and_the_keyword_named():
    data = article(
        "<h3>Deep</h3><p>" + FILLER * 3 + "</p>", primary_keyword="", meta_description=""
    )
    fx = rules.fix(data, site_name="Garden Notes")
    assert [level for level, _ in read_article(fx.html).headings] == [2]
    assert fx.meta_title and fx.meta_description
    (reason,) = [why for label, why in fx.not_fixed if label == "A primary keyword is chosen"]
    assert "No primary keyword is set" in reason and "Primary keyword" in reason


def test_a_keyword_too_long_for_a_meta_title_says_so():
    keyword = "the complete beginner friendly guide to composting kitchen scraps at home"
    data = article("<p>" + FILLER + "</p><h2>Start</h2><p>Go.</p>", primary_keyword=keyword)
    fx = rules.fix(data)
    assert len(fx.meta_title) <= 60
    reasons = dict(fx.not_fixed)
    assert "shorter primary keyword" in reasons["Primary keyword in the meta title"]


def test_a_rule_that_would_lower_the_score_is_not_applied(monkeypatch):
    def damaging(html: str, changes: list[str]) -> str:
        changes.append("Threw the article away.")
        return "<p>Gone.</p>"

    monkeypatch.setattr(rules, "_fix_levels", damaging)
    data, _ = CASES["english, h1 in body, skipped levels, empty meta"]
    fx = rules.fix(data)
    assert "Threw the article away." not in fx.changes
    assert FILLER.strip() in fx.html
    assert fx.after.total > fx.before.total, "the other rules still apply"


def test_no_images_is_explained():
    data = article("<p>" + FILLER + "</p>", primary_keyword="compost")
    fx = rules.fix(data)
    reasons = dict(fx.not_fixed)
    assert "Generate images" in reasons["Images with alt text"]


# --- the keyword as a writer puts it to the reader ------------------------------------------


def _keyword_points(data: scoring.ScoreInput) -> dict[str, bool]:
    checks = scoring.score(data).checks
    return {c.key: c.earned == c.weight for c in checks if c.key.startswith("keyword_")}


@pytest.mark.parametrize(
    ("keyword", "title", "heading"),
    [
        (
            "electrician near me",
            "Electricians Near You: How to Choose One",
            "Electricians near you",
        ),
        ("best espresso machine", "The 7 Best Espresso Machines", "Best espresso machines"),
        ("raspberry bush", "Raspberry Bushes for Small Gardens", "Raspberry bushes"),
        ("compost boxes", "How to Build a Compost Box", "The compost box"),
    ],
)
def test_the_score_reads_near_you_and_the_other_number_as_the_keyword(keyword, title, heading):
    opening = f"{heading} are what this page is about, with the facts that matter."
    data = article(
        f"<h2>{heading}</h2><p>{opening}</p>",
        title=title,
        primary_keyword=keyword,
        meta_title=title,
        meta_description=f"{opening} Read on for prices, questions and what to look for.",
    )
    assert all(_keyword_points(data).values()), _keyword_points(data)
    # And the optimizer leaves such a title alone instead of prefixing the search's words.
    fx = rules.fix(data)
    assert fx.title == title


def test_other_words_still_do_not_count_as_the_keyword():
    data = article(
        "<h2>Plumbers in town</h2><p>Plumbers in town are what this page is about.</p>",
        title="Plumbers in Town",
        primary_keyword="electrician near me",
        meta_title="Plumbers in Town",
        meta_description="Plumbers in town: prices and what to ask before you hire anyone.",
    )
    assert not any(_keyword_points(data).values())
    fx = rules.fix(data)
    assert fx.title.startswith("Electrician near you")
    assert "near me" not in fx.title.lower()


def test_other_languages_match_the_keyword_as_typed():
    data = article(
        "<h2>Kaffeemaschinen</h2><p>Kaffeemaschinen für zu Hause.</p>",
        title="Die besten Kaffeemaschinen",
        primary_keyword="kaffeemaschine",
        language="de",
    )
    assert _keyword_points(data)["keyword_title"] is False
