"""What every provider can do."""

from __future__ import annotations

from typing import Protocol

from igny8.ai.types import ImageRequest, ProviderResult, TextRequest


class Provider(Protocol):
    name: str  # "offline" | "openai"
    label: str  # shown to people, e.g. "Offline writer — connect a provider for real prose"

    def complete_json(self, request: TextRequest) -> ProviderResult:
        """Answer a structured request; `result.text` is the JSON text (not yet validated)."""
        ...

    def complete_text(self, request: TextRequest) -> ProviderResult:
        """Answer in plain text (an article with a few header lines, `igny8.ai.articles`);
        `result.text` is the answer as written (not yet parsed or checked)."""
        ...

    def generate_image(self, request: ImageRequest) -> ProviderResult:
        """One image; `result.image` holds the bytes, `result.image_format` png or webp."""
        ...

    def embed(self, texts: list[str]) -> ProviderResult:
        """One vector per text in `result.embeddings`."""
        ...

    def test_connection(self) -> str:
        """A plain-words success message, or raise an igny8.ai.errors.AIError."""
        ...
