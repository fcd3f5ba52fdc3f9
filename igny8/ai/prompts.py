"""Prompt templates: a built-in file per AI function, a workspace override, a per-task override.

Format (`igny8/ai/prompts/<function>.txt` and every override)::

    <system part: who the model is, the site's language, voice, audience, instructions>
    ---
    <user part: this run's targets and the JSON answer expected>

The first line that holds only `---` separates the system message from the user message; the
template is split before rendering, so a `---` inside a setting or an input cannot move it.

Each part is Django template language rendered by a dedicated engine: autoescape off, a missing
variable renders as "", and only the tags and filters in ALLOWED_TAGS / ALLOWED_FILTERS exist
(no `{% load %}`, `{% include %}`, `{% debug %}`, `{% now %}` or `|random`: a prompt may not read
files or the server's state, and the same input always gives the same prompt). Loops nest at most
MAX_LOOP_DEPTH deep, which bounds the work a customised template can ask of the server.

Variables:
    site.*           the site's settings, see igny8.ai.context.site_context (language_name,
                     brand_voice, audience, extra_instructions, image_style, ...)
    input.*          the function's validated input (its input_schema in functions.py)
    json_format      the JSON answer expected, described from the function's output schema
    answer_format    for functions answered as plain text (an article, a revision): the header
                     lines and the body expected (`igny8.ai.articles`)
    structure_guide  what the requested structure (input.structure, default "article") asks for

Whitespace: a line holding only tags or comments (`{% if … %}`, `{% endfor %}`) leaves no empty
line behind when it outputs nothing; trailing spaces go and runs of blank lines become one.

For image functions the user part is the picture's description; providers that take a single
prompt use it alone, so it carries every setting itself.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.template import Context, Engine, Library, Template, TemplateSyntaxError
from django.template import defaultfilters as _filters
from django.template import defaulttags as _tags
from django.template.defaulttags import ForNode, IfNode

from igny8.ai import functions
from igny8.ai.errors import InvalidInput
from igny8.ai.types import Message

PROMPT_DIR = Path(__file__).with_name("prompts")
SEPARATOR = re.compile(r"^---[ \t]*\r?$", re.M)
MAX_TEMPLATE_CHARS = 20_000
MAX_PROMPT_CHARS = 400_000
MAX_LOOP_DEPTH = 2

ALLOWED_TAGS = (
    "autoescape",
    "comment",
    "cycle",
    "filter",
    "firstof",
    "for",
    "if",
    "ifchanged",
    "regroup",
    "resetcycle",
    "spaceless",
    "templatetag",
    "verbatim",
    "widthratio",
    "with",
)
# No |center, |ljust, |rjust, |stringformat (a width of a billion is a memory bomb), no |random,
# |timesince or |timeuntil (the prompt would change from run to run).
ALLOWED_FILTERS = (
    "add",
    "capfirst",
    "cut",
    "default",
    "default_if_none",
    "dictsort",
    "dictsortreversed",
    "divisibleby",
    "first",
    "floatformat",
    "join",
    "last",
    "length",
    "linenumbers",
    "lower",
    "make_list",
    "pluralize",
    "slice",
    "slugify",
    "striptags",
    "title",
    "truncatechars",
    "truncatewords",
    "upper",
    "wordcount",
    "wordwrap",
    "yesno",
)

STRUCTURE_GUIDES = {
    "article": "an informative article: a short introduction, sections in a logical order, "
    "and a brief conclusion",
    "guide": "an in-depth guide: start from the basics, build up to advanced points, and end "
    "with clear next steps",
    "how_to": "a step-by-step how-to: what the reader needs first, then numbered steps in "
    "order, then tips and common mistakes",
    "listicle": "a list article: a short introduction, then one section per item, each item "
    "with its own heading",
    "comparison": "a comparison: the options side by side, the criteria that matter, a table "
    "of the differences, and a verdict for each kind of reader",
    "review": "a review: what it is and who it is for, strengths, weaknesses, alternatives, "
    "and an honest verdict",
    "faq": "questions readers ask: each heading is a question, answered directly in the first "
    "sentence under it",
}

SITE_VARIABLES = {
    "site_name": "the site's name",
    "site_url": "the site's address",
    "industry": "the site's industry",
    "sector": "the sector this run is for (may be empty)",
    "language": "language code, e.g. es",
    "language_name": "language to write in, e.g. Spanish",
    "brand_voice": "how the site sounds",
    "audience": "who reads the site",
    "extra_instructions": "the site owner's standing instructions",
    "image_style": "the look of generated images",
    "brand_color": "brand colour, #rrggbb",
    "images_per_article": "in-article images per article",
    "default_word_count": "the site's usual article length",
}


@dataclass(frozen=True)
class RenderedPrompt:
    messages: list[Message]  # [system, user]
    source: str  # "task" | "workspace" | "default"
    version: str  # short hash of the template text used (provenance)


# The engine ------------------------------------------------------------------------------

_LIBRARY = Library()
for _name in ALLOWED_TAGS:
    _LIBRARY.tags[_name] = _tags.register.tags[_name]
for _name in ALLOWED_FILTERS:
    _LIBRARY.filters[_name] = _filters.register.filters[_name]


class _PromptEngine(Engine):
    """Builtins are the allowlist above and nothing else: no library can be loaded."""

    def get_template_builtins(self, builtins: list) -> list[Library]:
        return [_LIBRARY]


# debug=True only makes syntax errors carry their line number; nothing is loaded from disk.
_ENGINE = _PromptEngine(
    loaders=[], libraries={}, autoescape=False, string_if_invalid="", debug=True
)

# Marks a source line that holds only tags, so that the line it leaves behind can be dropped.
_TAG_LINE_MARK = "\x1f"
_TAG_LINE = re.compile(r"^[ \t]*(?:(?:\{%.*?%\}|\{#.*?#\})[ \t]*)+$", re.M)


def _split(text: str) -> tuple[str, str, int]:
    """(system, user, the template line the user part starts on)."""
    text = text.replace("\r\n", "\n").replace(_TAG_LINE_MARK, "")
    match = SEPARATOR.search(text)
    if match is None:
        raise ValidationError(
            "The template needs a line with only --- on it: the system part goes above it, "
            "the user part below it."
        )
    # The user part starts on the line after the separator; its line numbers stay true.
    system, user = text[: match.start()], text[match.end() + 1 :]
    return system, user, text.count("\n", 0, match.end()) + 2


def _syntax_message(exc: TemplateSyntaxError, first_line: int) -> str:
    message = str(exc).replace(" Did you forget to register or load this tag?", "")
    debug = getattr(exc, "template_debug", None)
    line = ""
    if debug:
        line = f"Line {debug['line'] + first_line - 1}: "
        message = re.sub(r" on line \d+", "", message)
    if match := re.match(r"Invalid block tag: '(\w+)', expected (.+?)\.?$", message):
        expected = re.sub(r"'(\w+)'", r"{% \1 %}", match[2])
        message = f"“{{% {match[1]} %}}” is in the wrong place: expected {expected}."
    elif match := re.match(r"Invalid block tag: '(\w+)'\.?$", message):
        message = (
            f"“{{% {match[1]} %}}” is not a tag prompts can use. Tags you can use: "
            f"{', '.join(ALLOWED_TAGS)}."
        )
    elif match := re.match(r"Unclosed tag: '(\w+)'\. Looking for one of: (.+?)\.?$", message):
        closing = match[2].split(", ")[-1]
        message = f"“{{% {match[1]} %}}” is never closed: add {{% {closing} %}} after it."
    elif match := re.match(r"Could not parse the remainder: '(.*)' from '(.*)'$", message):
        message = (
            f"“{match[2]}” cannot be read (the trouble starts at “{match[1]}”). Variables look "
            'like {{ site.brand_voice }}, filters like {{ input.keywords|join:", " }}, and '
            "tags like {% if input.title %} hold no {{ }}."
        )
    elif message.startswith("Empty variable tag"):
        message = "An empty {{ }}: put a variable name in it, or remove it."
    elif match := re.match(r"Invalid filter: '(\w+)'$", message):
        message = (
            f"“|{match[1]}” is not a filter prompts can use. Filters you can use: "
            f"{', '.join(ALLOWED_FILTERS)}."
        )
    return f"{line}{message}"


def _loop_depth(nodelist: Any) -> int:
    deepest = 0
    for node in nodelist:
        children = [getattr(node, attr, None) for attr in node.child_nodelists]
        if isinstance(node, IfNode):
            children += [nodes for _, nodes in node.conditions_nodelists]
        inner = max((_loop_depth(c) for c in children if c), default=0)
        deepest = max(deepest, inner + (1 if isinstance(node, ForNode) else 0))
    return deepest


@lru_cache(maxsize=64)
def _compile(text: str) -> tuple[Template, Template]:
    """Both parts, parsed; ValidationError with a plain message when the template is broken."""
    if len(text) > MAX_TEMPLATE_CHARS:
        raise ValidationError(
            f"The template is {len(text):,} characters long; the limit is "
            f"{MAX_TEMPLATE_CHARS:,}. Shorten it."
        )
    system, user, user_line = _split(text)
    parts = []
    for source, first_line in ((system, 1), (user, user_line)):
        marked = _TAG_LINE.sub(lambda m: m[0] + _TAG_LINE_MARK, source)
        try:
            template = _ENGINE.from_string(marked)
        except TemplateSyntaxError as exc:
            raise ValidationError(_syntax_message(exc, first_line)) from None
        if _loop_depth(template.nodelist) > MAX_LOOP_DEPTH:
            raise ValidationError(
                f"Loops ({{% for %}}) can be nested at most {MAX_LOOP_DEPTH} deep. "
                "Flatten the innermost one."
            )
        parts.append(template)
    return parts[0], parts[1]


def _tidy(rendered: str) -> str:
    lines = []
    for line in rendered.split("\n"):
        if _TAG_LINE_MARK in line and not line.replace(_TAG_LINE_MARK, "").strip():
            continue  # a line that only held tags and printed nothing
        lines.append(line.replace(_TAG_LINE_MARK, "").rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# Resolution ------------------------------------------------------------------------------


@cache
def default_template(function: str) -> str:
    """The built-in template shipped in `igny8/ai/prompts/<function>.txt`."""
    functions.get(function)  # KeyError for an unknown function, never a path from input
    return (PROMPT_DIR / f"{function}.txt").read_text(encoding="utf-8")


def _workspace_override(function: str) -> str | None:
    from django_tenants.utils import get_public_schema_name

    # Overrides live in workspace schemas; the public schema has no such table.
    if getattr(connection, "schema_name", None) in (None, get_public_schema_name()):
        return None
    from apps.workspace.models import PromptOverride

    row = PromptOverride.objects.filter(function=function).only("template").first()
    return row.template if row is not None else None


def template_for(function: str, *, override: str | None = None) -> tuple[str, str]:
    """(text, source): the per-task override, else the workspace's, else the built-in file."""
    functions.get(function)
    if override and override.strip():
        return override, "task"
    workspace = _workspace_override(function)
    if workspace is not None:
        return workspace, "workspace"
    return default_template(function), "default"


def validate_template(text: str) -> None:
    """Raise ValidationError (one plain message) if `text` cannot be used as a prompt."""
    _compile(text)


def version_of(text: str) -> str:
    return hashlib.sha256(text.replace("\r\n", "\n").encode()).hexdigest()[:12]


# Rendering -------------------------------------------------------------------------------


def template_variables(
    function: str, *, input: dict[str, Any], context: dict[str, Any]
) -> dict[str, Any]:
    fn = functions.get(function)
    structure = input.get("structure") or "article"
    return {
        "site": context,
        "input": input,
        "json_format": describe_schema(fn.output_schema) if fn.kind == "json" else "",
        "answer_format": describe_answer(fn),
        "structure_guide": STRUCTURE_GUIDES.get(structure, ""),
    }


def _render_text(
    function: str, text: str, *, input: dict[str, Any], context: dict[str, Any]
) -> list[Message]:
    """[system, user] from `text`; ValidationError (one plain message) if it cannot be used."""
    system, user = _compile(text)
    variables = template_variables(function, input=input, context=context)
    try:
        contents = [
            _tidy(part.render(Context(variables, autoescape=False))) for part in (system, user)
        ]
    except Exception as exc:  # a filter or tag failing on these values, e.g. |divisibleby:0
        raise ValidationError(f"It fails on this input ({exc.__class__.__name__}: {exc}).") from exc
    if sum(len(c) for c in contents) > MAX_PROMPT_CHARS:
        raise ValidationError(
            f"It comes out longer than {MAX_PROMPT_CHARS:,} characters; shorten it."
        )
    return [Message("system", contents[0]), Message("user", contents[1])]


def render(
    function: str,
    *,
    input: dict[str, Any],
    context: dict[str, Any],
    override: str | None = None,
) -> RenderedPrompt:
    """The [system, user] messages for one run, and which template made them.

    A broken template (a customised one: the built-in ones are tested) raises InvalidInput
    with what is wrong and what to do, before anything is sent to a provider.
    """
    fn = functions.get(function)
    text, source = template_for(function, override=override)
    try:
        messages = _render_text(function, text, input=input, context=context)
    except ValidationError as exc:
        where = {"task": "this task's", "workspace": "the workspace's", "default": "the built-in"}
        fix = " Fix it under Settings → Prompts, or reset it to the default."
        raise InvalidInput(
            f"The {where[source]} prompt for “{fn.label}” cannot be used. {exc.messages[0]}"
            + (fix if source == "workspace" else "")
        ) from exc
    return RenderedPrompt(messages=messages, source=source, version=version_of(text))


def preview(function: str, *, text: str, context: dict[str, Any]) -> list[Message]:
    """`text` rendered with sample input and these site settings, for the editor's preview and
    the check before an override is saved. ValidationError if it cannot be used."""
    return _render_text(function, text, input=sample_input(function, context), context=context)


# Describing the expected answer ----------------------------------------------------------


def _describe(schema: dict[str, Any], indent: int) -> str:
    pad = "  " * indent
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        lines = [
            f'{pad}  "{key}"{"" if key in required else " (optional)"}: '
            f"{_describe(sub, indent + 1).lstrip()}"
            for key, sub in props.items()
        ]
        return f"{pad}{{\n" + ",\n".join(lines) + f"\n{pad}}}"
    if kind == "array":
        item = _describe(schema.get("items", {}), indent).lstrip()
        limits = []
        if "minItems" in schema:
            limits.append(f"at least {schema['minItems']}")
        if "maxItems" in schema:
            limits.append(f"at most {schema['maxItems']}")
        return f"{pad}[{item}, ...]" + (f" ({', '.join(limits)})" if limits else "")
    if "enum" in schema:
        return pad + " or ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in schema["enum"])
    words = [kind or "any"]
    low, high = (
        schema.get("minimum", schema.get("minLength")),
        schema.get("maximum", schema.get("maxLength")),
    )
    unit = " characters" if kind == "string" else ""
    if low is not None and high is not None:
        words.append(f"{low}–{high}{unit}")
    elif low is not None and (kind != "string" or low > 1):
        words.append(f"at least {low}{unit}")
    elif high is not None:
        words.append(f"at most {high}{unit}")
    if "pattern" in schema:
        words.append(f"matching {schema['pattern']}")
    return pad + ", ".join(words)


def describe_schema(schema: dict[str, Any]) -> str:
    """A compact, readable picture of the JSON a function must answer with."""
    return _describe(schema, 0) if schema else ""


# What goes on each header line of a plain-text answer.
HEADER_HINTS = {
    "title": "the article's title",
    "meta_title": "5 to 70 characters, with the primary keyword near the start",
    "meta_description": "20 to 170 characters that make a searcher want to click",
    "excerpt": "one or two sentences that sum the article up",
    "changes": "one short sentence in English for each change you made, one per line",
}
BODY_HINTS = {
    "write_content": "the article in Markdown, from the introduction to the end",
    "optimize_content": "the whole revised article, in HTML like the article now",
}


def describe_answer(fn: functions.AIFunction) -> str:
    """The plain-text answer a function expects: its header lines, `---`, then the body."""
    if fn.answer != "article":
        return ""
    from igny8.ai.articles import HEADER_NAMES

    lines = []
    for name in fn.header:
        if name == "changes":
            lines += ["Changes:", f"- <{HEADER_HINTS[name]}>"]
        else:
            lines.append(f"{HEADER_NAMES[name]}: <{HEADER_HINTS[name]}>")
    body = BODY_HINTS.get(fn.name, "the article")
    return "\n".join([*lines, "---", f"<{body}>"])


# Sample data for the editor's preview ----------------------------------------------------


def sample_context() -> dict[str, Any]:
    """Settings of an example site, for a preview when the workspace has no site yet."""
    from apps.workspace.models import Site
    from igny8.ai.context import site_context

    return site_context(Site(name="Example site", url="https://example.com", language="en"))


def sample_input(function: str, context: dict[str, Any]) -> dict[str, Any]:
    """A small, valid input for `function`, themed on the site where that is cheap to do."""
    functions.get(function)
    topic = (context.get("sector") or context.get("industry") or "home gardening").lower()
    words = int(context.get("default_word_count") or 1200)
    outline = [
        {"heading": f"What {topic} involves", "level": 2, "points": ["the basics", "who it suits"]},
        {"heading": "Costs to expect", "level": 2, "points": ["typical prices"]},
        {"heading": "Common mistakes", "level": 3},
        {"heading": "Getting started", "level": 2, "points": ["a first step this week"]},
    ]
    keywords = [f"{topic} tips", f"best {topic} tools", f"{topic} for beginners"]
    samples: dict[str, dict[str, Any]] = {
        "name_clusters": {
            "sector": context.get("sector") or topic,
            "clusters": [
                {
                    "id": 1,
                    "keywords": [{"text": keywords[0], "volume": 1900}, {"text": keywords[2]}],
                },
                {"id": 2, "keywords": [{"text": keywords[1], "volume": 720}]},
            ],
        },
        "generate_ideas": {
            "cluster": {
                "name": f"{topic.capitalize()} basics",
                "description": f"Getting started with {topic}.",
                "keywords": keywords,
            },
            "count": 3,
            "content_type": "post",
            "structure": "guide",
        },
        "write_content": {
            "title": f"{topic.capitalize()} for beginners: a practical guide",
            "outline": outline,
            "primary_keyword": keywords[2],
            "secondary_keywords": keywords[:2],
            "target_words": min(max(words, 200), 6000),
            "structure": "guide",
            "content_type": "post",
            "include_faq": True,
        },
        "image_prompts": {
            "title": f"{topic.capitalize()} for beginners: a practical guide",
            "headings": [h["heading"] for h in outline],
            "in_article": int(context.get("images_per_article") or 0),
            "primary_keyword": keywords[2],
        },
        "generate_image": {
            "prompt": f"A bright, uncluttered workspace set up for {topic}, seen from above.",
            "title": f"{topic.capitalize()} for beginners",
            "size": "1536x1024",
            "format": "webp",
        },
        "optimize_content": {
            "title": f"{topic.capitalize()} for beginners",
            "html": f"<h2>What {topic} involves</h2><p>A short draft about {topic}.</p>",
            "primary_keyword": keywords[2],
            "secondary_keywords": keywords[:2],
            "target_words": min(max(words, 200), 6000),
            "meta_title": f"{topic.capitalize()} for beginners",
            "meta_description": f"Everything a beginner needs to know about {topic}.",
            "fixes": [
                "Use the primary keyword in the first paragraph.",
                "Add a meta description of 120–160 characters.",
            ],
        },
    }
    return samples[function]


def variables_help(function: str) -> list[tuple[str, str]]:
    """(variable, what it holds) for the editor's reference list."""
    fn = functions.get(function)
    rows = [(f"site.{key}", text) for key, text in SITE_VARIABLES.items()]
    required = set(fn.input_schema.get("required", []))
    for key, sub in fn.input_schema.get("properties", {}).items():
        shape = " ".join(describe_schema(sub).split())
        rows.append((f"input.{key}", shape + ("" if key in required else " (may be missing)")))
    if fn.answer == "article":
        rows.append(("answer_format", "the answer expected: header lines, ---, the article"))
    elif fn.kind == "json":
        rows.append(("json_format", "the JSON answer expected, from the output schema"))
    rows.append(("structure_guide", "what input.structure asks for, in words"))
    return rows
