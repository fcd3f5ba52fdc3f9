"""The offline writer answers in the same plain-text format a model is asked for, and its
articles and revisions pass the same checks, whatever the structure, length, outline or FAQ."""

from __future__ import annotations

import itertools

import pytest

from igny8.ai import engine, functions
from igny8.ai.providers.offline import OfflineProvider
from igny8.ai.types import TextRequest

CONTEXT = {"site_name": "Garden Notes", "language": "en", "audience": "new gardeners"}
OUTLINES = {
    "one": [{"heading": "Getting started", "level": 2, "points": []}],
    "nested": [
        {"heading": "Why squash leaves wilt", "level": 2, "points": ["heat", "borers"]},
        {"heading": "Checking the stems", "level": 3, "points": []},
        {"heading": "Watering in hot weather", "level": 2, "points": ["morning"]},
        {"heading": "Mulch and shade", "level": 3, "points": []},
        {"heading": "When to give up on a plant", "level": 2, "points": []},
    ],
    "questions": [
        {"heading": "Is my squash dying?", "level": 2, "points": []},
        {"heading": "Can a wilted squash recover?", "level": 2, "points": []},
        {"heading": "Squash vs zucchini: which is hardier?", "level": 2, "points": []},
    ],
}


def answer(function: str, data: dict) -> tuple[dict | None, list]:
    fn = functions.get(function)
    engine.validate_input(function, data)
    result = OfflineProvider().complete_text(TextRequest(function, [], {}, data, CONTEXT))
    assert result.text.split("\n---\n", 1)[0].startswith(
        "Title:" if function == "write_content" else "Meta title:"
    )
    return engine._parse(fn, result.text, data)


@pytest.mark.parametrize(
    ("structure", "words", "outline", "faq"),
    list(itertools.product(functions.STRUCTURES, [200, 600, 2500], list(OUTLINES), [True, False])),
)
def test_offline_articles_pass_the_checks(structure, words, outline, faq):
    data = {
        "title": "Why is my squash dying",
        "outline": OUTLINES[outline],
        "primary_keyword": "squash dying",
        "secondary_keywords": ["squash wilt", "zucchini leaves"],
        "target_words": words,
        "structure": structure,
        "content_type": "post",
        "include_faq": faq and structure != "faq",
    }
    output, problems = answer("write_content", data)
    assert problems == [], [p.what for p in problems]
    assert output["html"].startswith("<") and "Meta title:" not in output["html"]


def test_offline_revisions_pass_the_checks():
    written, _ = answer(
        "write_content",
        {
            "title": "Why is my squash dying",
            "outline": OUTLINES["nested"],
            "primary_keyword": "squash dying",
            "target_words": 900,
            "include_faq": True,
        },
    )
    data = {
        "title": written["title"],
        "html": written["html"],
        "primary_keyword": "squash dying",
        "meta_title": written["meta_title"],
        "meta_description": written["meta_description"],
        "fixes": ["Use the primary keyword in the first paragraph."],
    }
    output, problems = answer("optimize_content", data)
    assert problems == [], [p.what for p in problems]
    assert set(output) == {"html", "meta_title", "meta_description", "changes"}
