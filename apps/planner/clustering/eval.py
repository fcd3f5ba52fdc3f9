"""Measuring the clustering: the labelled evaluation set, ARI and purity, synthetic keywords."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

EVAL_SET = Path(__file__).resolve().parent.parent / "data" / "eval_set.json"
#: Built around search intent (sibling groups, template families); halves "tune" and "report".
INTENT_SET = Path(__file__).resolve().parent.parent / "data" / "intent_eval_set.json"
HALVES = ("tune", "report")
LIBRARY = Path(__file__).resolve().parents[2] / "catalog" / "data" / "library.json"


def load_eval_set(path: Path = EVAL_SET) -> tuple[list[str], list[int], list[str]]:
    """(keywords, the index of each keyword's group, the group labels)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    texts: list[str] = []
    labels: list[int] = []
    names: list[str] = []
    for number, group in enumerate(data["groups"]):
        names.append(group["label"])
        for keyword in group["keywords"]:
            texts.append(keyword)
            labels.append(number)
    return texts, labels, names


def load_intent_set(
    half: str | None = None, path: Path = INTENT_SET
) -> tuple[list[str], list[int], list[str]]:
    """(keywords, group index per keyword, group labels) of the intent set: one half ("tune" or
    "report") or, with ``half=None``, all of it."""
    if half is not None and half not in HALVES:
        raise ValueError(f"half must be one of {HALVES} or None.")
    data = json.loads(path.read_text(encoding="utf-8"))
    texts: list[str] = []
    labels: list[int] = []
    names: list[str] = []
    for industry in data["industries"]:
        if half is not None and industry["half"] != half:
            continue
        for group in industry["groups"]:
            number = len(names)
            names.append(f"{industry['name']}: {group['label']}")
            for keyword in group["keywords"]:
                texts.append(keyword)
                labels.append(number)
    return texts, labels, names


def adjusted_rand_index(labels_true: Sequence[int], labels_pred: Sequence[int]) -> float:
    from sklearn.metrics import adjusted_rand_score

    return float(adjusted_rand_score(list(labels_true), list(labels_pred)))


def purity(labels_true: Sequence[int], labels_pred: Sequence[int]) -> float:
    """Share of items whose predicted group's majority true label is their own."""
    if len(labels_true) != len(labels_pred):
        raise ValueError("Both labelings need the same length.")
    if not labels_true:
        return 1.0
    by_group: dict[int, Counter[int]] = {}
    for truth, predicted in zip(labels_true, labels_pred, strict=True):
        by_group.setdefault(predicted, Counter())[truth] += 1
    return sum(c.most_common(1)[0][1] for c in by_group.values()) / len(labels_true)


def inverse_purity(labels_true: Sequence[int], labels_pred: Sequence[int]) -> float:
    """Share of items in the predicted group that holds most of their true group: low when
    true groups are split into pieces (purity's mirror image)."""
    return purity(labels_pred, labels_true)


def normalized_mutual_info(labels_true: Sequence[int], labels_pred: Sequence[int]) -> float:
    from sklearn.metrics import normalized_mutual_info_score

    return float(normalized_mutual_info_score(list(labels_true), list(labels_pred)))


def scores(labels_true: Sequence[int], labels_pred: Sequence[int]) -> dict[str, float]:
    """ARI, NMI, purity, inverse purity, predicted and true group counts, singletons."""
    sizes = Counter(labels_pred)
    return {
        "ari": adjusted_rand_index(labels_true, labels_pred),
        "nmi": normalized_mutual_info(labels_true, labels_pred),
        "purity": purity(labels_true, labels_pred),
        "inverse_purity": inverse_purity(labels_true, labels_pred),
        "groups": float(len(sizes)),
        "true_groups": float(len(set(labels_true))),
        "singletons": float(sum(1 for size in sizes.values() if size == 1)),
    }


def labels_from_groups(groups: Sequence[Sequence[int]], ids: Sequence[int]) -> list[int]:
    """Turn ``cluster``'s groups of ids into one group number per id, in ``ids`` order."""
    where = {item_id: number for number, group in enumerate(groups) for item_id in group}
    return [where[item_id] for item_id in ids]


def evaluate(engine: str, threshold: float | None = None) -> dict[str, float]:
    """ARI, purity and group count of ``cluster`` on the evaluation set."""
    from apps.planner.clustering import Item, cluster

    texts, truth, _ = load_eval_set()
    items = [Item(id=i, text=t) for i, t in enumerate(texts)]
    groups = cluster(items, engine=engine, threshold=threshold)
    predicted = labels_from_groups(groups, [item.id for item in items])
    return {
        "ari": adjusted_rand_index(truth, predicted),
        "purity": purity(truth, predicted),
        "groups": float(len(groups)),
        "true_groups": float(len(set(truth))),
    }


_PREFIXES = [
    "best", "cheap", "top", "affordable", "easy", "quick", "professional", "diy", "local",
    "free", "simple", "expert", "beginner", "budget", "premium",
]  # fmt: skip
_SUFFIXES = [
    "near me", "for beginners", "2025", "guide", "tips", "cost", "reviews", "ideas", "checklist",
    "for seniors", "for small business", "at home", "online", "for families", "on a budget",
    "step by step", "for women", "for men", "for kids", "mistakes to avoid", "pros and cons",
    "alternatives", "explained", "faq", "for students",
]  # fmt: skip
_PLACES = [
    "austin", "denver", "chicago", "seattle", "boston", "miami", "atlanta", "phoenix", "dallas",
    "portland", "san diego", "nashville", "london", "toronto", "sydney", "manchester",
]  # fmt: skip


def synthetic_keywords(n: int, *, seed: int = 7, library: Path = LIBRARY) -> list[tuple[str, int]]:
    """``n`` distinct, realistic keywords with volumes: library phrases with modifiers."""
    data = json.loads(library.read_text(encoding="utf-8"))
    phrases = [
        (keyword[0], int(keyword[1]))
        for industry in data["industries"]
        for sector in industry["sectors"]
        for keyword in sector["keywords"]
    ]
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[tuple[str, int]] = []
    attempts = 0
    while len(out) < n and attempts < n * 50:
        attempts += 1
        phrase, volume = rng.choice(phrases)
        shape = rng.random()
        if shape < 0.3:
            text = f"{rng.choice(_PREFIXES)} {phrase}"
        elif shape < 0.6:
            text = f"{phrase} {rng.choice(_SUFFIXES)}"
        elif shape < 0.75:
            text = f"{phrase} in {rng.choice(_PLACES)}"
        elif shape < 0.9:
            text = f"{rng.choice(_PREFIXES)} {phrase} {rng.choice(_SUFFIXES)}"
        else:
            text = phrase
        if text in seen:
            continue
        seen.add(text)
        out.append((text, max(10, int(volume * rng.uniform(0.01, 0.3)))))
    return out
