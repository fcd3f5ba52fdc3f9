"""The built-in offline provider: no network, no key, the same answer for the same input.

It writes from the function's validated input (`request.input`) and the site settings
(`request.context`), not from the rendered prompt, so prompt overrides do not change what it
writes. Output is English whatever the site's language: the phrase banks are not translated,
which is why the label asks people to connect a provider for real prose.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from igny8.ai.errors import AIError, InvalidInput
from igny8.ai.offline.embed import embed
from igny8.ai.offline.ideas import generate_ideas, name_clusters
from igny8.ai.offline.images import image_prompts, title_card
from igny8.ai.offline.optimizer import optimize_content
from igny8.ai.offline.text import approx_tokens, shorten
from igny8.ai.offline.writer import write_content
from igny8.ai.types import ImageRequest, ProviderResult, TextRequest

MODEL = "igny8-offline-1"
MAX_SIDE = 4096

WRITERS: dict[str, Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]] = {
    "name_clusters": name_clusters,
    "generate_ideas": generate_ideas,
    "write_content": write_content,
    "image_prompts": image_prompts,
    "optimize_content": optimize_content,
}


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _subject(prompt: str) -> str:
    """What a prompt shows, for the card: "Watercolour of a compost bin, …" → "A compost bin"."""
    clause = re.split(r"[,;.]", prompt.strip(), maxsplit=1)[0]
    clause = re.split(r"\s+of\s+", clause, maxsplit=1)[-1]
    clause = re.split(r"\s+for\s+", clause, maxsplit=1)[0].strip()
    return shorten(clause[:1].upper() + clause[1:], 90) or "Untitled"


class OfflineProvider:
    name = "offline"
    label = "Offline writer — connect a provider for real prose"

    def complete_json(self, request: TextRequest) -> ProviderResult:
        writer = WRITERS.get(request.function)
        if writer is None:
            raise AIError(
                f"The offline writer cannot run “{request.function}”. "
                "Connect an AI provider in the workspace settings to use it."
            )
        output = writer(request.input, request.context or {})
        text = json.dumps(output, ensure_ascii=False)
        return ProviderResult(
            provider=self.name,
            model=MODEL,
            text=text,
            tokens_in=approx_tokens(_dump(request.input), _dump(request.context or {})),
            tokens_out=approx_tokens(text),
        )

    def complete_text(self, request: TextRequest) -> ProviderResult:
        """The article format a model is asked for (header lines, ---, the article), made from
        the same output as `complete_json`: offline articles are read and checked on the road
        every model's answer takes."""
        from igny8.ai import functions
        from igny8.ai.articles import render

        result = self.complete_json(request)
        fn = functions.get(request.function)
        result.text = render(json.loads(result.text), fn.header)
        result.tokens_out = approx_tokens(result.text)
        return result

    def generate_image(self, request: ImageRequest) -> ProviderResult:
        data = request.input or {}
        size = request.size or data.get("size") or "1024x1024"
        match = re.fullmatch(r"(\d{1,5})x(\d{1,5})", size.strip())
        if not match or not all(16 <= int(side) <= MAX_SIDE for side in match.groups()):
            raise InvalidInput(
                f"The image size “{size}” is not one the offline writer can make: use "
                f"width x height between 16 and {MAX_SIDE} pixels, e.g. 1200x630."
            )
        fmt = "webp" if (request.format or data.get("format")) == "webp" else "png"
        title = (data.get("title") or data.get("alt") or "").strip()
        if not title:
            title = _subject(data.get("prompt") or request.prompt)
        context = request.context or {}
        image = title_card(
            title=title,
            size=f"{match.group(1)}x{match.group(2)}",
            color=context.get("brand_color") or "",
            site_name=context.get("site_name") or "",
            fmt=fmt,
            seed=request.prompt,
        )
        return ProviderResult(
            provider=self.name,
            model=MODEL,
            image=image,
            image_format=fmt,
            tokens_in=approx_tokens(request.prompt),
        )

    def embed(self, texts: list[str]) -> ProviderResult:
        return ProviderResult(
            provider=self.name,
            model=MODEL,
            embeddings=embed(texts),
            tokens_in=approx_tokens(*texts),
        )

    def test_connection(self) -> str:
        return "The offline writer is built in and always available."
