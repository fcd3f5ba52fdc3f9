"""name_clusters and generate_ideas offline: names, descriptions, titles and outlines."""

from __future__ import annotations

import math
from typing import Any

from igny8.ai.offline.cluster_names import NAME_LIMIT, cluster_name, intent_words
from igny8.ai.offline.keyword_shape import related
from igny8.ai.offline.outlines import BUILDERS, LENGTH, SUITS, suited, topic_of
from igny8.ai.offline.text import (
    clean_phrase,
    lower_name,
    rng_for,
    shorten,
    site_audience,
    site_sector,
    title_case,
)
from igny8.ai.offline.voice import Voice, voice

DESCRIPTIONS = [
    "Searches from {audience} about {topic}{sector_in}, including {examples}.",
    "Everything {audience} look up on {topic}{sector_in}: {examples} and related questions.",
    "Keywords on {topic}{sector_in}, such as {examples}, for content aimed at {audience}.",
    "How {audience} search for {topic}{sector_in}, from {examples}.",
    "A topic group on {topic}{sector_in}, built around {examples}, written for {audience}.",
]


# One sentence per intent: what the searchers want, then who they are and what they typed.
INTENT_DESCRIPTIONS = {
    "best": "{intent}{sector_in} from {audience} comparing {topic}, including {examples}.",
    "how_to": "{intent}{sector_in} from {audience} learning {topic}, including {examples}.",
    "question": "{intent} {audience} ask about {topic}{sector_in}, including {examples}.",
    "comparison": "{intent}{sector_in} from {audience} weighing {topic}, including {examples}.",
    "cost": "{intent}{sector_in} from {audience} budgeting for {topic}, including {examples}.",
    "local": "{intent}{sector_in} from {audience} looking for {topic}, including {examples}.",
    "problem": "{intent}{sector_in} from {audience} fixing {topic}, including {examples}.",
    "navigational": "{intent}{sector_in} from {audience} heading for {topic}, including "
    "{examples}.",
    "reference": "{intent}{sector_in} from {audience} who want {topic}, including {examples}.",
}


def _join(items: list[str]) -> str:
    quoted = [f"“{item}”" for item in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _distinct(name: str, extra: str, used: set[str], cluster_id: object) -> str:
    """`name` with `extra` (another keyword of the cluster) in brackets, or else its id, cut so
    the whole stays within the limit with its brackets closed."""
    room = NAME_LIMIT - len(name) - 3
    if extra and room >= 3:
        distinct = f"{name} ({shorten(extra, room)})"
        if distinct.lower() not in used:
            return distinct
    tail = f" ({cluster_id})"
    return shorten(name, NAME_LIMIT - len(tail)) + tail


def _topic(v: Voice, intent: str, lead: str) -> str:
    """What the cluster is about, in the words its intent's sentence needs."""
    s = v.shape
    if intent == "how_to" and s.kind == "how_to" and s.action:
        return f"how to {v.action}"  # "how to descale an espresso machine"
    if intent == "comparison" and s.kind == "comparison":
        return " against ".join(v.side_nouns)  # "scrum against kanban"
    if intent == "problem" and s.noun:
        return f"problems with their {v.noun}"  # "problems with their furnace"
    if intent == "cost" and s.noun:  # "a roof", "solar panels", "water heater replacement"
        return v.a_noun if s.kind == "question" else v.nouns
    if intent == "cost" and s.kind == "cost":
        return v.cost_phrase  # "the cost to replace a roof"
    if intent == "local" and s.kind == "local":
        return f"{v.a_good} {v.near}"  # "a good plumber near you"
    if intent == "best" and s.kind == "best":
        return " ".join(p for p in (v.nouns, v.qualifier) if p)
    return v.about or clean_phrase(lead).lower() or "these keywords"


def name_clusters(data: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    rng = rng_for("name_clusters", data, context)
    sector = lower_name((data.get("sector") or "").strip() or site_sector(context))
    audience = site_audience(context)
    if audience == "readers":
        audience = f"people interested in {sector}" if sector else "searchers"
    used_names: set[str] = set()
    out = []
    for cluster in data["clusters"]:
        keywords = cluster["keywords"]
        named = cluster_name([(k.get("text") or "", k.get("volume") or 0) for k in keywords])
        head = named.lead
        v = voice(head)
        name = named.name or f"Cluster {cluster['id']}"
        if len(name) < 2:  # a one-letter keyword is not a name on its own
            name = f"{name} Topics"
        if name.lower() in used_names:  # two clusters led by the same phrase: say how they differ
            others = [k["text"] for k in keywords if k["text"] != head]
            extra = title_case(others[0]) if others else ""
            name = _distinct(name, extra, used_names, cluster["id"])
        used_names.add(name.lower())
        by_volume = sorted(keywords, key=lambda k: (-(k.get("volume") or 0), k["text"]))
        examples = [clean_phrase(k["text"]).lower() or k["text"] for k in by_volume]
        examples = [e for e in examples if e.strip()][:3] or [name.lower()]
        template = INTENT_DESCRIPTIONS.get(named.intent) or rng.choice(DESCRIPTIONS)
        description = template.format(
            intent=intent_words(named.intent),
            audience=audience,
            topic=_topic(v, named.intent, head),
            sector_in=f" in {sector}" if sector else "",
            examples=_join(examples),
        )
        out.append({"id": cluster["id"], "name": name, "description": shorten(description, 600)})
    return {"clusters": out}


def generate_ideas(data: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    rng = rng_for("generate_ideas", data, context)
    cluster = data["cluster"]
    keywords = list(dict.fromkeys(k.strip() for k in cluster["keywords"] if k.strip()))
    keywords = keywords or [cluster["name"]]
    audience = title_case(context.get("audience") or "")
    base_words = int(context.get("default_word_count") or 1200)
    content_type = data.get("content_type") or "post"
    titles_seen: set[str] = set()
    ideas = []
    start = rng.randrange(7)
    used: set[str] = set()
    for index in range(data["count"]):
        primary = keywords[index % len(keywords)]
        secondary = _secondary(primary, [k for k in keywords if k != primary], index)
        topic = topic_of(primary, secondary, audience)
        structure = data.get("structure") or _structure(topic, used, start + index)
        titles, outline = BUILDERS[structure](rng, topic)
        title = _fresh_title(titles, index, titles_seen)
        words = max(
            {"listicle": 150 * len(outline)}.get(structure, 0),
            base_words * LENGTH[structure],
        )
        ideas.append(
            {
                "title": title,
                "content_type": content_type,
                "structure": structure,
                "outline": outline,
                "primary_keyword": primary,
                "secondary_keywords": secondary,
                "estimated_words": min(6000, max(300, int(math.ceil(words / 100) * 100))),
            }
        )
    return {"ideas": ideas}


def _structure(topic, used: set[str], turn: int) -> str:
    """The next structure for an idea: one that suits its keyword (a question is answered, not
    compared) and that no other idea of the batch has yet, so a batch varies."""
    suits = suited(topic)
    fitting = len(SUITS.get(topic.voice.kind, SUITS["topic"]))
    preferred = suits[turn % fitting : fitting] + suits[: turn % fitting] + suits[fitting:]
    if all(s in used for s in suits):
        used.clear()
    structure = next(s for s in preferred if s not in used)
    used.add(structure)
    return structure


def _secondary(primary: str, others: list[str], index: int) -> list[str]:
    """Up to four other cluster keywords for an idea: those about the same thing first (they
    are written into the article), then the rest (listed on the idea, left out of the text)."""
    if not others:
        return []
    turn = index % len(others)
    rotated = others[turn:] + others[:turn]
    same = [k for k in rotated if related(primary, k)]
    return (same + [k for k in rotated if k not in same])[:4]


def _fresh_title(candidates: list[str], index: int, seen: set[str]) -> str:
    """The first unused title, starting at a different candidate for each idea."""
    ordered = candidates[index % len(candidates) :] + candidates
    for candidate in ordered:
        title = shorten(candidate, 160)
        if title.lower() not in seen:
            break
    else:
        title = shorten(f"{ordered[0]} (Part {index + 1})", 160)
    if len(title) < 10:
        title = f"{title}: A Practical Guide"
    seen.add(title.lower())
    return title
