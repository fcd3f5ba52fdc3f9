"""What flows between the engine and a provider."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Message:
    role: str  # "system" | "user" | "assistant"
    content: str


@dataclass
class TextRequest:
    """A structured (JSON) completion for one AI function.

    `input` is the function's validated input and `context` the site settings; the offline
    provider writes from them, a real provider from `messages` (the rendered prompt).
    """

    function: str
    messages: list[Message]
    schema: dict[str, Any]
    input: dict[str, Any]
    context: dict[str, Any]
    model: str = ""
    temperature: float = 0.7
    max_tokens: int | None = None


@dataclass
class ImageRequest:
    prompt: str
    size: str  # "1024x1024", "1536x1024", ...
    input: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    model: str = ""
    format: str = "png"  # "png" | "webp"


@dataclass
class ProviderResult:
    provider: str
    model: str
    text: str = ""  # the raw text answer (JSON for structured calls)
    image: bytes = b""
    image_format: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    embeddings: list[list[float]] = field(default_factory=list)
