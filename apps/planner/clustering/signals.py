"""What a keyword asks for, next to what it means: search intent and head entity as vectors.

Two keywords about one subject can want different pages: "best espresso machine" (a buying
guide) and "descale espresso machine" (a how-to); "garlic fertilizer" and "pepper fertilizer"
(one template, two head entities). A sentence embedding puts each pair close together, so the
clustering adds two signals of its own, read from the keyword's words by the offline writer's
keyword reader (``igny8.ai.offline.keyword_shape.analyse``):

- **intent**: the modifier class. Coarse: informational (how / what / why / guide / chart / a
  problem), commercial (best / top / review / cheap / under $N / vs), transactional (price /
  cost / buy / deals / near me), navigational (a brand's login, app, customer service). Fine:
  the kind inside it (question, how-to, problem, reference, buying guide, comparison, cost,
  purchase, local, brand). Two keywords that both say an intent and say different ones are
  pushed apart (a penalty per coarse and per fine class that differs); a plain keyword with no
  modifier ("espresso machine") is never penalised: it may join either side.
- **entity**: the keyword's content words as stems (intent words and stop words dropped, head
  nouns counted twice), TF-IDF weighted over the keywords being clustered and L2-normalised.
  A word every keyword of a template shares ("fertilizer") weighs little; the word that tells
  the pages apart ("garlic", "pepper") weighs much.

``Signals.blocks(weights)`` gives the rows the grouping compares: the similarity of two keywords
is ``semantic × cos(embedding) + entity × cos(entity) − intent penalty``, a weighted sum of dot
products of stacked rows, so average linkage over cluster sums stays exact.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from igny8.ai.offline.keyword_shape import COST_WORDS, Shape, analyse
from igny8.ai.offline.nouns import stem
from igny8.ai.offline.places import _NAMES as PLACE_NAMES

#: Coarse intent of each fine class; "topic" (no modifier) has none.
COARSE = {
    "question": "informational",
    "how_to": "informational",
    "problem": "informational",
    "reference": "informational",
    "best": "commercial",
    "comparison": "commercial",
    "cost": "transactional",
    "purchase": "transactional",
    "local": "transactional",
    "navigational": "navigational",
}
FINE = tuple(COARSE)
COARSE_CLASSES = tuple(dict.fromkeys(COARSE.values()))

# Words the keyword reader leaves in a plain topic but that say what the searcher wants.
_PURCHASE = frozenset(
    "buy coupon coupons deal deals discount discounts promo sale order shop purchase "
    "wholesale clearance".split()
)
_COMMERCIAL = frozenset(
    "review reviews reviewed rated cheap cheapest affordable recommended alternative "
    "alternatives brands".split()
)
_REFERENCE = frozenset(
    "guide guides chart charts ideas idea tips checklist schedule calculator template "
    "templates examples example meaning definition list printable planner tutorial "
    "symptoms signs statistics requirements rules recipe recipes".split()
)
_HOW_TO = frozenset("diy steps tutorial instructions yourself".split())
_BRAND_PAGES = re.compile(
    r"\b(?:login|log in|sign in|sign up|customer service|phone number|contact|helpline|"
    r"hotline|support number)\b"
)
_UNDER_AMOUNT = re.compile(r"\b(?:under|below|less than)\s+\$?\d")
_WORD = re.compile(r"[a-z0-9$']+")
_WHICH_BEST = re.compile(r"^(?:which|what)\b.*\b(?:best|top|should i (?:buy|get|choose))\b")
_QUAL_STOP = frozenset("for under below less than with without in on to a an the and or of".split())
_PURCHASE_VERBS = frozenset("buy order shop purchase".split())


def intent_of(shape: Shape) -> str:
    """The fine intent class of an analysed keyword ("" for a plain topic).

    The keyword reader decides most of it; a few signals it leaves in a plain topic (or reads
    as something else) are added here: "buy …" is a purchase, not a how-to; a price word makes
    a price search even near you or asked ("how much … cost"); "which … is best" is a buying
    guide; "diy", "steps", "tutorial" make a how-to; "customer service",
    "contact", "login" a brand page; "reviews", "cheap", "under $N" a buying guide.
    """
    kind = shape.kind
    text = shape.keyword
    words = _WORD.findall(text)
    present = set(words)
    if words and words[0] in _PURCHASE_VERBS and kind in ("how_to", "topic"):
        return "purchase"
    if kind in ("topic", "local", "question") and (
        present & COST_WORDS or text.startswith("how much")
    ):
        return "cost"  # "how much do solar panels cost" asks for a price, not an answer
    if kind == "question" and _WHICH_BEST.search(text):
        return "best"  # "which solar panels are best" wants the buying guide
    if kind != "topic":
        return kind if kind in COARSE else ""
    if _BRAND_PAGES.search(text):
        return "navigational"
    if present & _PURCHASE or " for sale" in f" {text}":
        return "purchase"
    if present & _COMMERCIAL or _UNDER_AMOUNT.search(text):
        return "best"
    if present & _HOW_TO:
        return "how_to"
    if shape.list_head or present & _REFERENCE:
        return "reference"
    return ""


_PLACE_LONGEST = max(len(name.split()) for name in PLACE_NAMES)


def places_in(text: str) -> frozenset[str]:
    """Known places named anywhere in the keyword ("solar rebates texas" → {"texas"})."""
    words = _WORD.findall(text.lower())
    found: set[str] = set()
    for size in range(_PLACE_LONGEST, 0, -1):
        for start in range(len(words) - size + 1):
            name = " ".join(words[start : start + size])
            if name in PLACE_NAMES and not any(name in longer for longer in found):
                found.add(name)
    return frozenset(found)


@dataclass(frozen=True)
class Weights:
    """How much each signal counts in the similarity of two keywords.

    ``semantic`` multiplies the embedding's cosine; ``entity`` the cosine of the content-word
    rows; ``coarse`` and ``fine`` are the penalties for two intents that differ.
    ``place`` is the penalty for two keywords that name different places ("solar incentives
    texas" / "california solar incentives"); ``comparison`` the penalty between a comparison
    ("scrum vs kanban") and any keyword that is not one, plain topics included ("kanban board
    software"): a comparison is a page of its own; ``qualifier`` the penalty for two keywords
    whose "for …" / "under …" qualifiers differ ("best camera for vlogging" / "best camera for
    wildlife"), scaled by how little the qualifiers share. ``heads`` is how many times a head
    noun counts among the content words.
    """

    semantic: float = 1.0
    entity: float = 0.0
    coarse: float = 0.0
    fine: float = 0.0
    place: float = 0.0
    comparison: float = 0.0
    qualifier: float = 0.0
    heads: float = 2.0


@dataclass
class Signals:
    """Intent and entity rows for a list of keyword texts (in that order)."""

    intents: list[str]
    coarse_rows: np.ndarray  # n × coarse classes, one-hot; zero for a plain topic
    fine_rows: np.ndarray  # n × fine classes, one-hot; zero for a plain topic
    entity_rows: sp.csr_matrix  # n × vocabulary, TF-IDF of content stems, L2-normalised
    place_rows: sp.csr_matrix  # n × places named, one-hot (first place only)
    qualifier_rows: sp.csr_matrix  # n × qualifier words, TF-IDF, L2 (empty: no qualifier)

    def blocks(
        self, semantic: np.ndarray | sp.csr_matrix, weights: Weights
    ) -> list[tuple[np.ndarray | sp.csr_matrix, float]]:
        """(rows, weight) pairs whose weighted dot products add up to the similarity.

        A penalty is ``same class − both marked``: zero when the classes agree or either
        keyword says none, minus the weight when both say different things. Rows are folded
        into three blocks (dense bonuses, sparse bonuses, dense penalties) with each signal
        scaled by the square root of its weight: fewer, wider products run faster.
        """
        dense: list[np.ndarray] = []
        sparse: list[sp.csr_matrix] = []
        penalties: list[np.ndarray] = []

        def add(rows: np.ndarray | sp.csr_matrix, weight: float) -> None:
            scaled = rows * np.float32(np.sqrt(weight))
            if sp.issparse(rows):
                sparse.append(sp.csr_matrix(scaled, dtype=np.float32))
            else:
                dense.append(np.asarray(scaled, dtype=np.float32))

        add(semantic, weights.semantic)
        if weights.entity > 0:
            add(self.entity_rows, weights.entity)
        penalty = weights.coarse + weights.fine
        if penalty > 0:
            add(self.coarse_rows, weights.coarse)
            add(self.fine_rows, weights.fine)
            marked = self.fine_rows.sum(axis=1, keepdims=True)
            penalties.append(marked * np.float32(np.sqrt(penalty)))
        if weights.comparison > 0:
            # −w when exactly one of the two is a comparison: with s = ±1 (comparison or not),
            # that is −w/2 · (1 − s_i·s_j), a constant and a product, both dot products.
            sign = np.where(self.fine_rows[:, [FINE.index("comparison")]] > 0, 1.0, -1.0)
            add(sign.astype(np.float32), weights.comparison / 2)
            penalties.append(np.full_like(sign, np.sqrt(weights.comparison / 2), np.float32))
        if weights.qualifier > 0 and self.qualifier_rows.nnz:
            # −w·(1 − cos) when both say a qualifier: −w for two unrelated ones, 0 for the same.
            add(self.qualifier_rows, weights.qualifier)
            qualified = np.asarray(self.qualifier_rows.getnnz(axis=1) > 0, dtype=np.float32)
            penalties.append(qualified[:, None] * np.float32(np.sqrt(weights.qualifier)))
        if weights.place > 0 and self.place_rows.nnz:
            add(self.place_rows, weights.place)
            named = np.asarray(self.place_rows.sum(axis=1), dtype=np.float32)
            penalties.append(named * np.float32(np.sqrt(weights.place)))
        out: list[tuple[np.ndarray | sp.csr_matrix, float]] = []
        if dense:
            out.append((np.hstack(dense), 1.0))
        if sparse:
            out.append((sp.hstack(sparse, format="csr", dtype=np.float32), 1.0))
        if penalties:
            out.append((np.hstack(penalties), -1.0))
        return out


def signals(texts: Sequence[str], *, heads: float = 2.0) -> Signals:
    """Read every text once (the keyword reader caches by text)."""
    shapes = [analyse(text) for text in texts]
    intents = [intent_of(shape) for shape in shapes]
    coarse = np.zeros((len(texts), len(COARSE_CLASSES)), dtype=np.float32)
    fine = np.zeros((len(texts), len(FINE)), dtype=np.float32)
    for i, intent in enumerate(intents):
        if intent:
            coarse[i, COARSE_CLASSES.index(COARSE[intent])] = 1.0
            fine[i, FINE.index(intent)] = 1.0
    return Signals(
        intents=intents,
        coarse_rows=coarse,
        fine_rows=fine,
        entity_rows=_tfidf_rows(
            [{t: heads if t in shape.heads else 1.0 for t in shape.terms} for shape in shapes]
        ),
        place_rows=_place_rows(texts),
        qualifier_rows=_tfidf_rows(
            [dict.fromkeys(_qualifier_words(shape.qualifier), 1.0) for shape in shapes]
        ),
    )


def _qualifier_words(qualifier: str) -> list[str]:
    """ "for wildlife photography" → ["wildlif", "photography"]; amounts stay whole ("$200")."""
    words = _WORD.findall(qualifier.lower())
    return [w if w[:1] == "$" or w.isdigit() else stem(w) for w in words if w not in _QUAL_STOP]


def _tfidf_rows(bags: Sequence[dict[str, float]]) -> sp.csr_matrix:
    """L2-normalised TF-IDF rows of weighted word bags (an empty bag gives an empty row)."""
    vocabulary: dict[str, int] = {}
    indptr = [0]
    indices: list[int] = []
    values: list[float] = []
    for bag in bags:
        for word, weight in bag.items():
            indices.append(vocabulary.setdefault(word, len(vocabulary)))
            values.append(weight)
        indptr.append(len(indices))
    n = len(bags)
    matrix = sp.csr_matrix(
        (np.asarray(values, dtype=np.float32), np.asarray(indices, dtype=np.int64), indptr),
        shape=(n, max(1, len(vocabulary))),
    )
    frequency = np.bincount(matrix.indices, minlength=matrix.shape[1])
    idf = (np.log((1 + n) / (1 + frequency)) + 1.0).astype(np.float32)
    matrix = sp.csr_matrix(matrix @ sp.diags(idf))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags((1.0 / norms).astype(np.float32)) @ matrix)


def _place_rows(texts: Sequence[str]) -> sp.csr_matrix:
    columns: dict[str, int] = {}
    indptr = [0]
    indices: list[int] = []
    for text in texts:
        # A keyword naming two places counts as the first (a row must stay 0/1 per keyword).
        named = sorted(places_in(text))[:1]
        indices.extend(columns.setdefault(name, len(columns)) for name in named)
        indptr.append(len(indices))
    return sp.csr_matrix(
        (np.ones(len(indices), dtype=np.float32), np.asarray(indices, dtype=np.int64), indptr),
        shape=(len(texts), max(1, len(columns))),
    )
