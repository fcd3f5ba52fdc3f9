"""Offline embeddings: hashed words, word pairs and character trigrams, L2-normalised.

Not semantic (it cannot know that "car" and "automobile" match), but texts sharing words or
word stems land close together and unrelated texts far apart, which is what near-duplicate
checks and keyword grouping need from it. Deterministic: the hash is BLAKE2b, not Python's.
"""

from __future__ import annotations

import hashlib
import math
import re

DIMENSIONS = 256


def _slot(feature: str) -> tuple[int, float]:
    digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
    value = int.from_bytes(digest, "big")
    return value % DIMENSIONS, 1.0 if (value >> 63) & 1 else -1.0


def embed_text(text: str) -> list[float]:
    words = re.findall(r"[^\W_]+", (text or "").lower())
    vector = [0.0] * DIMENSIONS
    features: list[tuple[str, float]] = [(f"w:{w}", 1.0) for w in words]
    features += [(f"b:{a} {b}", 0.5) for a, b in zip(words, words[1:], strict=False)]
    for word in words:
        padded = f" {word} "
        features += [(f"c:{padded[i : i + 3]}", 0.35) for i in range(len(padded) - 2)]
    for feature, weight in features:
        index, sign = _slot(feature)
        vector[index] += sign * weight
    norm = math.sqrt(sum(v * v for v in vector))
    if norm == 0:
        return vector
    return [v / norm for v in vector]


def embed(texts: list[str]) -> list[list[float]]:
    return [embed_text(text) for text in texts]
