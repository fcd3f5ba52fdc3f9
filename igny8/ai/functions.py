"""The registry of AI functions: input, output schema, cost operation and how units count.

A function is data, not code paths: the engine validates the input against `input_schema`,
estimates `operation` × `estimate_units(input)`, renders `prompts/<name>.txt`, asks the
provider, validates the answer against `output_schema` and the function's own `check`, and
settles on `actual_units`.

Short structured outputs (cluster names, ideas, image prompts) are answered as JSON. Long ones
(an article, a revision: `answer="article"`) are answered as plain text, a few header lines and
the article in Markdown or HTML (`igny8.ai.articles`), which any model can produce; the engine
turns that text into the same dict, so `output_schema` still describes what is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from igny8.ai import article_checks, articles
from igny8.ai.articles import words_in_html  # noqa: F401  (re-exported: tests and callers read it here)

STRUCTURES = ["article", "guide", "how_to", "listicle", "comparison", "review", "faq"]
CONTENT_TYPES = ["post", "page", "product", "taxonomy"]

_str = {"type": "string", "minLength": 1}
_keywords = {"type": "array", "items": _str}
_outline = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["heading", "level"],
        "properties": {
            "heading": _str,
            "level": {"type": "integer", "enum": [2, 3]},
            "points": {"type": "array", "items": {"type": "string"}},
        },
    },
}


@dataclass(frozen=True)
class AIFunction:
    name: str
    label: str
    operation: str  # CreditCost.operation
    kind: str  # "json" | "image"
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]
    estimate_units: Callable[[dict], int]
    actual_units: Callable[[dict, Any], int]
    description: str = ""
    # How the model answers: "json" (a JSON object) or "article" (header lines, then the text).
    answer: str = "json"
    # For "article" answers: the header lines asked for, and how the parsed text becomes output.
    header: list[str] = field(default_factory=list)
    complete: Callable[[articles.Parsed, dict], dict] | None = None
    # What is wrong with a well-formed answer, beyond its schema ([] when nothing is).
    check: article_checks.Checker | None = None


FUNCTIONS: dict[str, AIFunction] = {}


def register(function: AIFunction) -> AIFunction:
    FUNCTIONS[function.name] = function
    return function


def get(name: str) -> AIFunction:
    try:
        return FUNCTIONS[name]
    except KeyError:
        raise KeyError(f"Unknown AI function {name!r}; known: {', '.join(FUNCTIONS)}") from None


register(
    AIFunction(
        name="name_clusters",
        label="Name clusters",
        operation="cluster_naming",
        kind="json",
        description="A name and a one-sentence description for each keyword cluster.",
        input_schema={
            "type": "object",
            "required": ["clusters"],
            "properties": {
                "sector": {"type": "string"},
                "clusters": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 200,
                    "items": {
                        "type": "object",
                        "required": ["id", "keywords"],
                        "properties": {
                            "id": {"type": "integer"},
                            "keywords": {
                                "type": "array",
                                "minItems": 1,
                                "items": {
                                    "type": "object",
                                    "required": ["text"],
                                    "properties": {
                                        "text": _str,
                                        "volume": {"type": "integer", "minimum": 0},
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
        output_schema={
            "type": "object",
            "required": ["clusters"],
            "properties": {
                "clusters": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "name", "description"],
                        "properties": {
                            "id": {"type": "integer"},
                            "name": {"type": "string", "minLength": 2, "maxLength": 120},
                            "description": {"type": "string", "minLength": 10, "maxLength": 600},
                        },
                    },
                }
            },
        },
        estimate_units=lambda data: len(data["clusters"]),
        # Clusters named among those asked for (an answer about other ids names nothing).
        actual_units=lambda data, out: len(
            {c["id"] for c in out["clusters"]} & {c["id"] for c in data["clusters"]}
        ),
    )
)

register(
    AIFunction(
        name="generate_ideas",
        label="Generate ideas",
        operation="idea_generation",
        kind="json",
        description="Content ideas for a cluster, each with an outline in the requested structure.",
        input_schema={
            "type": "object",
            "required": ["cluster", "count"],
            "properties": {
                "cluster": {
                    "type": "object",
                    "required": ["name", "keywords"],
                    "properties": {
                        "name": _str,
                        "description": {"type": "string"},
                        "keywords": {"type": "array", "minItems": 1, "items": _str},
                    },
                },
                "count": {"type": "integer", "minimum": 1, "maximum": 10},
                "content_type": {"type": "string", "enum": CONTENT_TYPES},
                "structure": {"type": "string", "enum": STRUCTURES},
            },
        },
        output_schema={
            "type": "object",
            "required": ["ideas"],
            "properties": {
                "ideas": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": [
                            "title",
                            "content_type",
                            "structure",
                            "outline",
                            "primary_keyword",
                            "secondary_keywords",
                            "estimated_words",
                        ],
                        "properties": {
                            "title": {"type": "string", "minLength": 10, "maxLength": 160},
                            "content_type": {"type": "string", "enum": CONTENT_TYPES},
                            "structure": {"type": "string", "enum": STRUCTURES},
                            "outline": _outline,
                            "primary_keyword": _str,
                            "secondary_keywords": _keywords,
                            "estimated_words": {
                                "type": "integer",
                                "minimum": 300,
                                "maximum": 6000,
                            },
                        },
                    },
                }
            },
        },
        estimate_units=lambda data: data["count"],
        actual_units=lambda data, out: len(out["ideas"]),
    )
)

register(
    AIFunction(
        name="write_content",
        label="Write an article",
        operation="content_generation",
        kind="json",
        description="An article in clean HTML that follows the outline and the word target.",
        input_schema={
            "type": "object",
            "required": ["title", "outline", "primary_keyword", "target_words"],
            "properties": {
                "title": _str,
                "outline": _outline,
                "primary_keyword": _str,
                "secondary_keywords": _keywords,
                "target_words": {"type": "integer", "minimum": 200, "maximum": 6000},
                "structure": {"type": "string", "enum": STRUCTURES},
                "content_type": {"type": "string", "enum": CONTENT_TYPES},
                "include_faq": {"type": "boolean"},
                "brief": {"type": "string", "maxLength": 2000},
            },
        },
        output_schema={
            "type": "object",
            "required": ["title", "html", "meta_title", "meta_description", "slug", "excerpt"],
            "properties": {
                "title": _str,
                "html": {"type": "string", "minLength": 50},
                "meta_title": {"type": "string", "minLength": 5, "maxLength": 70},
                "meta_description": {"type": "string", "minLength": 20, "maxLength": 170},
                "slug": {"type": "string", "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$"},
                "excerpt": _str,
                "primary_keyword": {"type": "string"},
                "secondary_keywords": _keywords,
            },
        },
        # An article is priced by its target, as shown before the run: the words a model
        # writes wander around the target, and the shown price is what is taken.
        estimate_units=lambda data: data["target_words"],
        # The price is fixed by the words asked for, so what is shown is what is taken.
        actual_units=lambda data, out: data["target_words"],
        answer="article",
        header=["title", "meta_title", "meta_description", "excerpt"],
        complete=articles.complete_article,
        check=article_checks.check_article,
    )
)

register(
    AIFunction(
        name="image_prompts",
        label="Image prompts",
        operation="image_prompts",
        kind="json",
        description="Prompts and alt texts for one featured and N in-article images.",
        input_schema={
            "type": "object",
            "required": ["title", "in_article"],
            "properties": {
                "title": _str,
                "headings": {"type": "array", "items": _str},
                "in_article": {"type": "integer", "minimum": 0, "maximum": 8},
                "primary_keyword": {"type": "string"},
            },
        },
        output_schema={
            "type": "object",
            "required": ["featured", "in_article"],
            "properties": {
                "featured": {
                    "type": "object",
                    "required": ["prompt", "alt"],
                    "properties": {"prompt": _str, "alt": _str},
                },
                "in_article": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["heading", "prompt", "alt"],
                        "properties": {"heading": _str, "prompt": _str, "alt": _str},
                    },
                },
            },
        },
        estimate_units=lambda data: 1,
        actual_units=lambda data, out: 1,
    )
)

register(
    AIFunction(
        name="generate_image",
        label="Generate an image",
        operation="image_generation",
        kind="image",
        description="One image for a prompt, in the requested size and format.",
        input_schema={
            "type": "object",
            "required": ["prompt", "size"],
            "properties": {
                "prompt": _str,
                "title": {"type": "string"},
                "alt": {"type": "string"},
                "size": {"type": "string", "pattern": "^[1-9][0-9]{1,3}x[1-9][0-9]{1,3}$"},
                "format": {"type": "string", "enum": ["png", "webp"]},
            },
        },
        output_schema={},
        estimate_units=lambda data: 1,
        actual_units=lambda data, out: 1,
    )
)

register(
    AIFunction(
        name="optimize_content",
        label="Optimize an article",
        operation="optimization",
        kind="json",
        description="A revised article that fixes the listed on-page issues.",
        input_schema={
            "type": "object",
            "required": ["title", "html", "primary_keyword"],
            "properties": {
                "title": _str,
                "html": _str,
                "primary_keyword": _str,
                "secondary_keywords": _keywords,
                "target_words": {"type": "integer", "minimum": 200, "maximum": 6000},
                "meta_title": {"type": "string"},
                "meta_description": {"type": "string"},
                "fixes": {"type": "array", "items": _str},
            },
        },
        output_schema={
            "type": "object",
            "required": ["html", "meta_title", "meta_description", "changes"],
            "properties": {
                "html": {"type": "string", "minLength": 50},
                "meta_title": {"type": "string", "minLength": 5, "maxLength": 70},
                "meta_description": {"type": "string", "minLength": 20, "maxLength": 170},
                "changes": {"type": "array", "items": _str},
            },
        },
        estimate_units=lambda data: 1,
        actual_units=lambda data, out: 1,
        answer="article",
        header=["meta_title", "meta_description", "changes"],
        complete=articles.complete_revision,
        check=article_checks.check_revision,
    )
)
