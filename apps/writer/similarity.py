"""How alike two articles are, offline: the planner's embedding engine (MiniLM when installed,
TF-IDF otherwise) over a short text per article. Used by the near-duplicate guard and the linker.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from apps.planner.clustering import default_engine, embed
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


# Vectors of texts seen before, per process: the guard and the linker compare each new
# article with every article of the site, whose titles and openings rarely change. Bounded
# (first in, first out): 384 float32s a text, so 20,000 texts are about 30 MB.
_CACHE: dict[tuple[str, str], np.ndarray] = {}
_CACHE_SIZE = 20_000
_lock = threading.Lock()


def vectors(texts: list[str]) -> np.ndarray:
    """L2-normalised rows, one per text (cosine similarity is a dot product)."""
    engine = default_engine()
    with _lock:
        missing = sorted({t for t in texts if (engine, t) not in _CACHE})
    if missing:
        rows = embed(missing, engine)
        with _lock:
            for text, vector in zip(missing, rows, strict=True):
                if len(_CACHE) >= _CACHE_SIZE:
                    _CACHE.pop(next(iter(_CACHE)))
                _CACHE[(engine, text)] = vector
            found = {t: _CACHE.get((engine, t)) for t in texts}
        # A text evicted between the two steps (a tiny cache, many threads) is embedded again.
        lost = [t for t, v in found.items() if v is None]
        if lost:
            found.update(zip(lost, embed(lost, engine), strict=True))
    else:
        with _lock:
            found = {t: _CACHE[(engine, t)] for t in texts}
    if not texts:
        return embed([], engine)
    return np.stack([found[t] for t in texts])


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
