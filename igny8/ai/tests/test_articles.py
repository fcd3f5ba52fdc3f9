"""The plain-text article format: read whatever a small model makes of it, and refuse articles
that are not what was asked (too short, missing outline sections or the FAQ, repeating)."""

from __future__ import annotations

import json

import pytest

from igny8.ai import articles
from igny8.ai.article_checks import check_article, check_revision
from igny8.ai.articles import parse, render, words_in_html
from igny8.ai.markdown import markdown_to_html

OUTLINE = [
    {"heading": "Why squash leaves wilt", "level": 2, "points": []},
    {"heading": "Watering in hot weather", "level": 2, "points": []},
    {"heading": "Pests to look for", "level": 3, "points": []},
]
REQUEST = {
    "title": "Why is my squash dying",
    "outline": OUTLINE,
    "primary_keyword": "squash dying",
    "target_words": 600,
    "include_faq": True,
}


def prose(topic: str, paragraphs: int, words: int = 30) -> str:
    """Markdown paragraphs of `words` words each, all different."""
    return "\n\n".join(
        " ".join([f"{topic}{n}"] + [f"word{(n * words + i) % 997}" for i in range(words - 1)]) + "."
        for n in range(paragraphs)
    )


def markdown_article(*, sections=OUTLINE, faq: bool = True, per_section: int = 4) -> str:
    parts = [prose("intro", 2)]
    for index, s in enumerate(sections):
        parts.append(f"{'#' * s['level']} {s['heading']}\n\n{prose(f's{index}x', per_section)}")
    if faq:
        parts.append("## Frequently asked questions\n\n### Can squash recover?\n\nOften, yes.")
    return "\n\n".join(parts)


def article_output(text: str) -> dict:
    return articles.complete_article(parse(text), REQUEST)


# --- reading ------------------------------------------------------------------------------------


def test_header_lines_then_markdown_become_the_output_fields():
    text = (
        "Title: Why Is My Squash Dying?\n"
        "Meta title: Squash dying? Causes and fixes\n"
        "Meta description: Wilting, yellow leaves or mildew: what kills squash plants and how "
        "to save them.\n"
        "Excerpt: Most squash trouble is water, pests or mildew.\n"
        "---\n" + markdown_article()
    )
    out = article_output(text)
    assert out["title"] == "Why Is My Squash Dying?"
    assert out["meta_title"] == "Squash dying? Causes and fixes"
    assert out["meta_description"].startswith("Wilting, yellow leaves")
    assert out["excerpt"] == "Most squash trouble is water, pests or mildew."
    assert out["slug"] == "why-is-my-squash-dying"
    assert "<h2>Why squash leaves wilt</h2>" in out["html"]
    assert "<h3>Pests to look for</h3>" in out["html"]
    assert "Title:" not in out["html"] and "---" not in out["html"]
    assert check_article(REQUEST, out) == []


@pytest.mark.parametrize(
    "header",
    [
        "**Title:** Squash care\n**Meta title:** Squash care made easy\n",
        "Title: Squash care\nMeta Title: Squash care made easy\n\n",
        "- Title: Squash care\n- Meta title: Squash care made easy\n",
        "TITLE: Squash care\nSEO title: Squash care made easy\n",
        "Title: <Squash care>\nMeta title: <Squash care made easy>\n",
    ],
    ids=["bold", "blank-line", "list", "upper-and-alias", "placeholder-brackets"],
)
def test_header_lines_survive_what_models_do_to_them(header):
    out = article_output(header + "\n" + markdown_article())
    assert (out["title"], out["meta_title"]) == ("Squash care", "Squash care made easy")
    assert out["html"].startswith("<p>intro0 ")


def test_a_fenced_answer_with_the_meta_data_at_the_end_is_read():
    text = (
        "```markdown\n# Why Is My Squash Dying?\n\n"
        + markdown_article()
        + "\n\n---\nMeta title: Squash dying? Causes and fixes\n"
        "Meta description: What kills squash plants and how to save them, step by step.\n```"
    )
    out = article_output(text)
    assert out["title"] == "Why Is My Squash Dying?"  # the # line is the title, not a heading
    assert "<h1" not in out["html"] and "```" not in out["html"]
    assert out["meta_title"] == "Squash dying? Causes and fixes"
    assert "Meta description" not in out["html"]
    assert check_article(REQUEST, out) == []


def test_an_article_ending_on_a_summary_line_keeps_it():
    text = markdown_article() + "\n\nSummary: water deeply, check for borers, and pick often."
    out = article_output(text)
    assert "Summary: water deeply" in out["html"]


def test_html_instead_of_markdown_is_taken_as_it_is():
    body = "<p>Intro words here.</p>\n<h2>Why squash leaves wilt</h2>\n<p>Because.</p>"
    parsed = parse(f"Title: Squash\n---\n{body}")
    assert parsed.form == "html" and parsed.html == body


def test_the_old_json_answer_is_still_accepted():
    answer = {"title": "Squash", "html": "<p>Hello squash growers.</p>", "meta_title": "Squash"}
    parsed = parse(json.dumps(answer))
    assert parsed.form == "json"
    assert parsed.html == "<p>Hello squash growers.</p>"
    assert parsed.fields["title"] == "Squash"


def test_markdown_lists_tables_quotes_links_and_emphasis_become_html():
    html = markdown_to_html(
        "Some **bold**, *italic* and `code` with a [link](https://example.com/a) and 3 < 5.\n\n"
        "- one\n- two,\n  continued\n\n1. first\n2. second\n\n"
        "| Plant | Water |\n|---|---|\n| Squash | Deep |\n\n> A quote\n\n"
        "<script>alert(1)</script>"
    )
    assert "<strong>bold</strong>" in html and "<em>italic</em>" in html
    assert "<code>code</code>" in html and '<a href="https://example.com/a">link</a>' in html
    assert "3 &lt; 5" in html
    assert "<ul><li>one</li><li>two, continued</li></ul>" in html
    assert "<ol><li>first</li><li>second</li></ol>" in html
    assert "<th>Plant</th>" in html and "<td>Deep</td>" in html
    assert "<blockquote><p>A quote</p></blockquote>" in html
    assert "<script>" not in html  # text, escaped (and nh3 cleans whatever is saved anyway)


def test_what_is_missing_is_derived_from_the_article_and_the_request():
    out = article_output(markdown_article())
    assert out["title"] == REQUEST["title"]
    assert out["meta_title"] == REQUEST["title"]
    assert 20 <= len(out["meta_description"]) <= 170
    assert out["excerpt"] and out["slug"] == "why-is-my-squash-dying"


def test_overlong_meta_data_is_shortened_at_a_word():
    text = f"Meta title: {'squash ' * 20}\nMeta description: {'wilting leaves ' * 20}\n---\n"
    out = article_output(text + markdown_article())
    assert len(out["meta_title"]) <= 60 and not out["meta_title"].endswith(" ")
    assert len(out["meta_description"]) <= 160


def test_a_title_in_another_script_still_gets_a_slug():
    parsed = parse("Title: Почему гибнут кабачки\n---\n" + markdown_article())
    out = articles.complete_article(parsed, {**REQUEST, "primary_keyword": "кабачки"})
    assert out["slug"] == "article"


def test_render_and_parse_give_back_the_same_output():
    output = {
        "title": "Squash: a guide",
        "html": "<p>Hello.</p>\n<h2>Water</h2><p>Deeply.</p>",
        "meta_title": "Squash guide",
        "meta_description": "All about squash: water, pests, mildew and harvest.",
        "excerpt": "All about squash.",
        "changes": ["Put the keyword in the title", "Shortened the meta description"],
    }
    fields = ["title", "meta_title", "meta_description", "excerpt", "changes"]
    parsed = parse(render(output, fields))
    assert parsed.html == output["html"]
    assert {k: parsed.fields[k] for k in fields} == {k: output[k] for k in fields}


# --- checking -------------------------------------------------------------------------------------


def test_a_ten_word_article_for_a_600_word_task_is_refused_with_the_count():
    out = article_output("Squash plants die when they lack water or get pests.")
    problems = check_article(REQUEST, out)
    assert problems[0].what == ("it has 10 words and at least 300 are needed (asked for: 600)")
    assert problems[0].reason == "the article came out too short"


def test_the_share_of_words_needed_is_a_setting(settings):
    out = article_output(markdown_article(per_section=3))  # about 340 words
    words = words_in_html(out["html"])
    assert 300 < words < 400
    assert check_article(REQUEST, out) == []
    settings.AI_MIN_WORDS_RATIO = 0.9
    assert "too short" in check_article(REQUEST, out)[0].reason


def test_an_article_many_times_longer_than_asked_is_refused():
    out = article_output(markdown_article(per_section=25))
    assert [p.reason for p in check_article(REQUEST, out)] == ["the article came out far too long"]


def test_missing_outline_sections_are_named():
    out = article_output(markdown_article(sections=OUTLINE[:1], per_section=10))
    (problem,) = check_article(REQUEST, out)
    assert problem.what.startswith(
        "it lacks the outline's sections “Watering in hot weather” and “Pests to look for”"
    )


def test_reworded_or_translated_headings_pass_when_every_section_has_one():
    reworded = [
        {"heading": "Wilting squash leaves: why", "level": 2},
        {"heading": "How to water squash when it is hot", "level": 2},
        {"heading": "Plagas comunes", "level": 3},  # another language: counted, not matched
    ]
    out = article_output(markdown_article(sections=reworded))
    assert check_article(REQUEST, out) == []


def test_an_faq_is_needed_only_when_asked_for_and_may_be_in_another_language():
    without = article_output(markdown_article(faq=False))
    assert [p.reason for p in check_article(REQUEST, without)] == ["the article had no FAQ section"]
    assert check_article({**REQUEST, "include_faq": False}, without) == []
    spanish = markdown_article(faq=False) + "\n\n## Preguntas frecuentes\n\n### ¿Por qué?\n\nSí."
    assert check_article(REQUEST, article_output(spanish)) == []


def test_an_article_repeating_one_paragraph_is_refused():
    paragraph = "Squash needs deep water every few days in summer, more when it is very hot. " * 2
    body = "\n\n".join([paragraph] * 8)
    text = "\n\n".join(
        [body, *(f"## {s['heading']}\n\n{paragraph}" for s in OUTLINE), "## FAQ\n\n### Q?\n\nA."]
    )
    reasons = [p.reason for p in check_article(REQUEST, article_output(text))]
    assert "the article repeated itself" in reasons


def test_a_revision_must_keep_the_article_its_sections_and_its_images():
    before = (
        "<p>Intro.</p>"
        + "".join(f"<h2>Part {n}</h2><p>{f'word{n} ' * 60}</p>" for n in range(4))
        + '<figure><img src="/writer/images/1/file/" alt="A squash"></figure>'
    )
    data = {"title": "Squash", "html": before, "primary_keyword": "squash"}
    kept = {"html": before.replace("Intro.", "A better intro about squash.")}
    assert check_revision(data, kept) == []
    summary = {"html": "<p>Squash is nice.</p>"}
    reasons = {p.reason for p in check_revision(data, summary)}
    assert reasons == {
        "the article came out too short",
        "the revision dropped sections of the article",
        "the revision dropped images of the article",
    }
