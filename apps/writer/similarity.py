"""How alike two articles are, offline: the planner's embedding engine (MiniLM when installed,
TF-IDF otherwise) over a short text per article. Used by the near-duplicate guard and the linker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from apps.planner.clustering import embed
from apps.writer.html import text_of

# MiniLM reads 256 word pieces at most; what an article is about is in its title, headings
# and opening, so longer texts only cost time.
MAX_CHARS = 1200


def outline_text(outline: Sequence[dict] | None) -> str:
    return " ".join(str(h.get("heading", "")) for h in outline or [] if isinstance(h, dict))


def article_text(title: str, body_html: str = "", outline: Sequence[dict] | None = None) -> str:
    """The text an article is compared by: title, outline headings, the start of the body."""
    parts = [title.strip(), outline_text(outline).strip(), text_of(body_html)[:MAX_CHARS]]
    return "\n".join(p for p in parts if p)[:MAX_CHARS]


def vectors(texts: list[str]) -> np.ndarray:
    """L2-normalised rows, one per text (cosine similarity is a dot product)."""
    return embed(texts)


@dataclass(frozen=True)
class Match:
    index: int  # position in the candidates list
    similarity: float  # cosine, 0..1


def most_similar(text: str, candidates: list[str]) -> Match | None:
    """The candidate most like `text`, or None without candidates."""
    if not candidates:
        return None
    rows = vectors([text, *candidates])
    sims = rows[1:] @ rows[0]
    best = int(np.argmax(sims))
    return Match(index=best, similarity=float(max(0.0, min(1.0, sims[best]))))


def similarity_matrix(texts: list[str]) -> np.ndarray:
    """Pairwise cosine similarities (n × n, diagonal 1)."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    rows = vectors(texts)
    return np.clip(rows @ rows.T, 0.0, 1.0)
