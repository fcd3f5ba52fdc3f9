"""The built-in offline provider: every function's answer fits its schema, articles follow the
outline and hit the word target, images are real pictures of the requested size, and the same
input always gives the same output."""

from __future__ import annotations

import io
import json
import math
import re
from html import unescape

import pytest
from jsonschema import Draft202012Validator
from PIL import Image, ImageStat

from igny8.ai.config import OFFLINE
from igny8.ai.errors import AIError, InvalidInput
from igny8.ai.functions import STRUCTURES, get, words_in_html
from igny8.ai.providers import provider_for
from igny8.ai.providers.offline import OfflineProvider
from igny8.ai.types import ImageRequest, TextRequest

CONTEXT = {
    "site_name": "Green Thumb",
    "site_url": "https://greenthumb.example",
    "industry": "Home & Garden",
    "sector": "Organic Gardening",
    "language": "en",
    "language_name": "English",
    "brand_voice": "Warm and practical",
    "audience": "first-time gardeners",
    "extra_instructions": "",
    "image_style": "Soft watercolour illustration",
    "brand_color": "#2f855a",
    "images_per_article": 2,
    "default_word_count": 1200,
}
OUTLINE = [
    {"heading": "What Is Home Composting?", "level": 2},
    {"heading": "Why Composting Matters for Small Gardens", "level": 2},
    {"heading": "How to Start a Compost Bin", "level": 2},
    {"heading": "Choose the Right Spot", "level": 3},
    {"heading": "Balance Greens & Browns", "level": 3},
    {"heading": "Common Mistakes to Avoid", "level": 2, "points": ["Adding meat or dairy"]},
    {"heading": "Final Thoughts", "level": 2},
]
ARTICLE = {
    "title": "Home Composting: The Complete Guide for Beginners",
    "outline": OUTLINE,
    "primary_keyword": "home composting",
    "secondary_keywords": ["compost bin", "green waste", "worm composting"],
    "target_words": 1200,
    "structure": "guide",
    "content_type": "post",
    "include_faq": True,
}
CLUSTER = {
    "name": "Composting at home",
    "keywords": ["home composting", "compost bin", "how to start composting", "worm farm"],
}
ALLOWED_TAGS = {"h2", "h3", "p", "ul", "ol", "li", "strong", "em", "blockquote"}

provider = OfflineProvider()


def ask(function: str, data: dict, context: dict | None = None) -> dict:
    """Run one function through the provider; the input and the answer must fit the schemas."""
    spec = get(function)
    Draft202012Validator(spec.input_schema).validate(data)
    request = TextRequest(
        function=function,
        messages=[],
        schema=spec.output_schema,
        input=data,
        context=CONTEXT if context is None else context,
    )
    result = provider.complete_json(request)
    answer = json.loads(result.text)
    Draft202012Validator(spec.output_schema).validate(answer)
    assert (result.provider, result.model) == ("offline", "igny8-offline-1")
    return answer


def article(**changes) -> dict:
    return ask("write_content", {**ARTICLE, **changes})


def headings(html: str) -> list[tuple[int, str]]:
    return [
        (int(level), unescape(text)) for level, text in re.findall(r"<h([23])>(.*?)</h\1>", html)
    ]


def plain(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


# --- every function ------------------------------------------------------------------------


def test_the_offline_provider_is_what_an_unconfigured_workspace_gets():
    chosen = provider_for(OFFLINE)
    assert chosen.name == "offline"
    assert chosen.label == "Offline writer — connect a provider for real prose"
    assert chosen.test_connection() == "The offline writer is built in and always available."


def test_a_function_it_does_not_know_is_refused_in_plain_words():
    request = TextRequest("summarise_everything", [], {}, {}, CONTEXT)
    with pytest.raises(AIError, match="cannot run"):
        provider.complete_json(request)


def test_cluster_names_come_from_the_leading_keyword_and_keep_their_ids():
    answer = ask(
        "name_clusters",
        {
            "sector": "Composting",
            "clusters": [
                {
                    "id": 41,
                    "keywords": [
                        {"text": "compost bin", "volume": 900},
                        {"text": "compost bin diy", "volume": 850},
                        {"text": "rotating drum", "volume": 100},
                    ],
                },
                {"id": 7, "keywords": [{"text": "worm farm  kits!", "volume": 40}]},
            ],
        },
    )
    clusters = answer["clusters"]
    assert [c["id"] for c in clusters] == [41, 7]
    assert [c["name"] for c in clusters] == ["Compost Bin", "Worm Farm Kits"]
    for cluster in clusters:
        assert cluster["description"].endswith(".")
        assert "composting" in cluster["description"].lower()  # the sector
        assert "first-time gardeners" in cluster["description"]  # the audience


@pytest.mark.parametrize("structure", STRUCTURES)
def test_ideas_use_the_cluster_keywords_and_the_requested_structure(structure):
    ideas = ask("generate_ideas", {"cluster": CLUSTER, "count": 3, "structure": structure})["ideas"]
    assert len(ideas) == 3
    assert len({idea["title"] for idea in ideas}) == 3
    for idea in ideas:
        assert idea["structure"] == structure
        assert idea["primary_keyword"] in CLUSTER["keywords"]
        assert idea["secondary_keywords"]
        assert set(idea["secondary_keywords"]) <= set(CLUSTER["keywords"]) - {
            idea["primary_keyword"]
        }


def outline_of(structure: str) -> tuple[str, list[dict]]:
    idea = ask("generate_ideas", {"cluster": CLUSTER, "count": 1, "structure": structure})["ideas"][
        0
    ]
    return idea["title"], idea["outline"]


def test_a_listicle_is_numbered_items_as_many_as_its_title_promises():
    title, outline = outline_of("listicle")
    number = int(re.match(r"(\d+) ", title).group(1))
    items = [o["heading"] for o in outline if re.match(r"\d+\. ", o["heading"])]
    assert len(items) == number
    assert [int(h.split(".")[0]) for h in items] == list(range(1, number + 1))
    assert all(o["level"] == 2 for o in outline)


def test_a_how_to_is_steps_in_order():
    title, outline = outline_of("how_to")
    steps = [o["heading"] for o in outline if o["heading"].startswith("Step ")]
    assert len(steps) >= 4
    assert [int(re.match(r"Step (\d+):", s).group(1)) for s in steps] == list(
        range(1, len(steps) + 1)
    )
    assert title.startswith("How to") or "Step" in title


def test_a_comparison_weighs_criteria_and_ends_with_a_verdict():
    title, outline = outline_of("comparison")
    assert " vs " in title or " or " in title
    names = [o["heading"] for o in outline]
    assert names[-1] == "The Verdict"
    assert "Which Should You Choose?" in names
    assert len(names) >= 7  # overview, at least three criteria, the choice, its two sides, verdict


def test_an_faq_outline_is_questions():
    _, outline = outline_of("faq")
    assert len(outline) >= 6
    assert all(o["heading"].endswith("?") and o["level"] == 2 for o in outline)


@pytest.mark.parametrize("structure", ["guide", "article", "review"])
def test_long_form_outlines_nest_subheadings_under_sections(structure):
    _, outline = outline_of(structure)
    levels = [o["level"] for o in outline]
    assert levels[0] == 2 and 3 in levels
    first = outline[0]["heading"]
    assert first.startswith("What") or first.endswith("at a Glance")


def test_estimated_length_follows_the_structure():
    words = {
        s: ask("generate_ideas", {"cluster": CLUSTER, "count": 1, "structure": s})["ideas"][0][
            "estimated_words"
        ]
        for s in ("guide", "faq")
    }
    assert words["guide"] > words["faq"] >= 300


# --- articles ------------------------------------------------------------------------------


@pytest.mark.parametrize("target", [300, 1000, 1500, 2500, 4000])
@pytest.mark.parametrize("include_faq", [False, True])
def test_articles_hit_the_word_target_within_ten_percent(target, include_faq):
    answer = article(target_words=target, include_faq=include_faq)
    assert abs(words_in_html(answer["html"]) - target) <= target * 0.10


@pytest.mark.parametrize("structure", STRUCTURES)
def test_articles_written_from_ideas_hit_their_estimate(structure):
    idea = ask("generate_ideas", {"cluster": CLUSTER, "count": 1, "structure": structure})["ideas"][
        0
    ]
    fields = ("title", "outline", "primary_keyword", "secondary_keywords", "structure")
    answer = article(**{k: idea[k] for k in fields}, target_words=idea["estimated_words"])
    assert abs(words_in_html(answer["html"]) - idea["estimated_words"]) <= (
        idea["estimated_words"] * 0.10
    )
    written = headings(answer["html"])
    for item in idea["outline"]:
        assert (item["level"], item["heading"]) in written


def test_the_article_follows_the_outline_headings_in_order():
    html = article(include_faq=False)["html"]
    assert headings(html) == [(o["level"], o["heading"]) for o in OUTLINE]


def test_an_faq_section_is_added_only_when_asked():
    with_faq = headings(article(include_faq=True)["html"])
    tail = with_faq[len(OUTLINE) :]
    assert tail[0] == (2, "Frequently Asked Questions")
    assert len(tail) >= 3 and all(level == 3 and text.endswith("?") for level, text in tail[1:])
    assert (2, "Frequently Asked Questions") not in headings(article(include_faq=False)["html"])


def test_keywords_open_the_article_and_run_through_it():
    answer = article(target_words=1500)
    text = plain(answer["html"]).lower()
    assert "home composting" in " ".join(text.split()[:100])
    for keyword in ("compost bin", "worm composting"):  # about composting too: written in
        assert keyword in text
    assert answer["primary_keyword"] == "home composting"
    assert answer["secondary_keywords"] == ARTICLE["secondary_keywords"]


def test_the_html_is_clean():
    html = article(target_words=2500)["html"]
    assert set(re.findall(r"</?([a-zA-Z0-9]+)", html)) <= ALLOWED_TAGS
    assert not re.search(r"<[a-z0-9]+\s", html)  # no attributes at all: no styles, no handlers
    assert "&amp;" in html and "Greens & Browns" in unescape(html)  # text is escaped


def test_no_paragraph_repeats_within_a_long_article():
    html = article(target_words=4000)["html"]
    paragraphs = re.findall(r"<p>(.*?)</p>", html)
    assert len(paragraphs) > 40
    assert len(paragraphs) == len(set(paragraphs))


def test_different_topics_read_differently():
    def paragraphs_and_sentences(html: str) -> tuple[set[str], set[str]]:
        paragraphs = {plain(p) for p in re.findall(r"<(?:p|li)>(.*?)</(?:p|li)>", html)}
        return paragraphs, set(re.split(r"(?<=[.!?])\s+", " ".join(paragraphs)))

    compost_paragraphs, compost_sentences = paragraphs_and_sentences(article()["html"])
    shoes_paragraphs, shoes_sentences = paragraphs_and_sentences(
        article(
            title="Choosing Running Shoes for Flat Feet",
            primary_keyword="running shoes for flat feet",
            secondary_keywords=["arch support"],
            outline=[
                {"heading": "What Makes a Shoe Supportive?", "level": 2},
                {"heading": "Test the Fit at Home", "level": 2},
                {"heading": "The Bottom Line", "level": 2},
            ],
        )["html"]
    )
    # Some stock sentences ("Start with one change…") may recur; whole paragraphs never do.
    assert not compost_paragraphs & shoes_paragraphs
    assert len(compost_sentences & shoes_sentences) < 0.2 * len(shoes_sentences)


def test_meta_fields_fit_search_engines():
    answer = article(title="A Very Long Title About Home Composting That Goes On and On for Ever")
    assert 5 <= len(answer["meta_title"]) <= 60
    assert 120 <= len(answer["meta_description"]) <= 160
    assert "home composting" in answer["meta_description"].lower()
    assert answer["slug"] == "a-very-long-title-about-home-composting-that-goes-on-and-on-for-ever"
    assert answer["excerpt"] and answer["excerpt"] in plain(answer["html"])


def test_tokens_are_counted_like_a_real_model_would():
    spec = get("write_content")
    request = TextRequest("write_content", [], spec.output_schema, ARTICLE, CONTEXT)
    result = provider.complete_json(request)
    words = words_in_html(json.loads(result.text)["html"])
    assert result.tokens_out >= math.floor(words * 4 / 3)
    assert 0 < result.tokens_in < result.tokens_out


# --- determinism ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "data"),
    [
        ("name_clusters", {"clusters": [{"id": 1, "keywords": [{"text": "compost bin"}]}]}),
        ("generate_ideas", {"cluster": CLUSTER, "count": 4}),
        ("write_content", ARTICLE),
        ("image_prompts", {"title": ARTICLE["title"], "headings": ["Why", "How"], "in_article": 2}),
        ("optimize_content", {"title": "T", "html": "<p>x</p>", "primary_keyword": "compost"}),
    ],
)
def test_the_same_input_gives_the_same_output_and_another_input_another(function, data):
    spec = get(function)
    first = provider.complete_json(TextRequest(function, [], spec.output_schema, data, CONTEXT))
    again = provider.complete_json(TextRequest(function, [], spec.output_schema, data, CONTEXT))
    assert first.text == again.text
    other_site = {**CONTEXT, "audience": "balcony growers", "sector": "Urban Farming"}
    other = provider.complete_json(TextRequest(function, [], spec.output_schema, data, other_site))
    assert other.text != first.text


# --- images --------------------------------------------------------------------------------


def image(size: str, fmt: str, title: str = "How to Start a Compost Bin", **context):
    request = ImageRequest(
        prompt="Soft watercolour illustration of a compost bin",
        size=size,
        input={"prompt": "…", "title": title, "size": size, "format": fmt},
        context={**CONTEXT, **context},
        format=fmt,
    )
    return provider.generate_image(request)


@pytest.mark.parametrize("size", ["1200x630", "1024x1024", "512x768"])
@pytest.mark.parametrize("fmt", ["png", "webp"])
def test_images_are_real_pictures_of_the_requested_size_and_format(size, fmt):
    result = image(size, fmt)
    picture = Image.open(io.BytesIO(result.image))
    picture.load()
    assert result.image_format == fmt
    assert picture.format == fmt.upper()
    assert f"{picture.width}x{picture.height}" == size


def test_a_title_card_is_in_the_brand_colour_with_light_text_on_it():
    picture = Image.open(io.BytesIO(image("1200x630", "png").image)).convert("RGB")
    red, green, blue = ImageStat.Stat(picture).mean
    assert green > red and green > blue  # the site's green, not a default colour
    white = sum(picture.convert("L").histogram()[236:])
    assert white > 2000  # the heading is drawn


def test_images_are_deterministic_and_differ_by_title():
    assert image("800x600", "webp").image == image("800x600", "webp").image
    assert image("800x600", "png").image != image("800x600", "png", title="Other").image


def test_an_image_without_a_title_is_captioned_from_its_prompt():
    with_prompt = ImageRequest(
        prompt="Soft watercolour illustration of a compost bin",
        size="640x360",
        input={"prompt": "Soft watercolour illustration of a compost heap, morning light"},
        context=CONTEXT,
    )
    captioned = image("640x360", "png", title="A compost heap").image
    assert provider.generate_image(with_prompt).image == captioned


def test_an_impossible_image_size_is_refused_in_plain_words():
    with pytest.raises(InvalidInput, match="1200x630"):
        image("20000x20", "png")


def test_image_prompts_cover_the_featured_image_and_each_requested_heading():
    heads = ["What Is Home Composting?", "How to Start a Compost Bin", "Common Mistakes to Avoid"]
    answer = ask(
        "image_prompts",
        {
            "title": ARTICLE["title"],
            "headings": heads,
            "in_article": 2,
            "primary_keyword": "compost",
        },
    )
    assert len(answer["in_article"]) == 2
    assert {p["heading"] for p in answer["in_article"]} <= set(heads)
    for item in [answer["featured"], *answer["in_article"]]:
        assert "Soft watercolour illustration" in item["prompt"]
        assert 10 < len(item["alt"]) < 125
    none = ask("image_prompts", {"title": ARTICLE["title"], "in_article": 0})
    assert none["in_article"] == []


# --- optimizing ----------------------------------------------------------------------------


def test_optimizing_fixes_the_listed_problems_and_says_what_changed():
    html = (
        '<h1 style="color:red">Composting</h1><p>Gardens love it.<script>x()</script></p>'
        "<h2>Getting started</h2><p>Pick a shady spot.</p><img src='/a.png'>"
        "<h2>Summary</h2><p>Go for it.</p>"
    )
    answer = ask(
        "optimize_content",
        {
            "title": "Composting for Beginners",
            "html": html,
            "primary_keyword": "home composting",
            "secondary_keywords": ["compost bin"],
            "target_words": 500,
            "meta_title": "x",
            "fixes": ["Add the keyword to the first paragraph", "Article is too short"],
        },
    )
    out = answer["html"]
    first_paragraph = re.search(r"<p>(.*?)</p>", out).group(1)
    assert "home composting" in first_paragraph.lower()
    assert any("home composting" in text.lower() for level, text in headings(out) if level == 2)
    assert "<h1" not in out and "<script" not in out and "style=" not in out
    assert re.search(r'<img [^>]*alt="[^"]+"', out)
    assert "compost bin" in plain(out).lower()
    assert abs(words_in_html(out) - 500) <= 50
    assert "home composting" in answer["meta_title"].lower() and len(answer["meta_title"]) <= 60
    assert 120 <= len(answer["meta_description"]) <= 160
    changes = " ".join(answer["changes"])
    for words in ("opening paragraph", "subheading", "alt text", "Expanded", "meta title"):
        assert words in changes


def test_optimizing_a_sound_article_changes_nothing():
    written = article(target_words=1000)
    answer = ask(
        "optimize_content",
        {
            "title": ARTICLE["title"],
            "html": written["html"],
            "primary_keyword": "home composting",
            "secondary_keywords": ARTICLE["secondary_keywords"],
            "target_words": 1000,
            "meta_title": written["meta_title"],
            "meta_description": written["meta_description"],
        },
    )
    assert answer["html"] == written["html"]
    assert answer["changes"] == ["Checked every on-page rule; nothing needed changing."]


# --- embeddings ----------------------------------------------------------------------------


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_embeddings_put_similar_texts_closer_than_unrelated_ones():
    texts = [
        "how to start a compost bin at home",
        "starting a home compost bin",
        "best running shoes for flat feet",
        "",
    ]
    result = provider.embed(texts)
    compost, compost_again, shoes, empty = result.embeddings
    assert all(len(v) == 256 for v in result.embeddings)
    assert all(abs(math.sqrt(cosine(v, v)) - 1) < 1e-9 for v in (compost, compost_again, shoes))
    assert cosine(compost, compost_again) > 0.5 > cosine(compost, shoes)
    assert not any(empty)
    assert provider.embed(texts).embeddings == result.embeddings
