"""write_content offline: an article in clean HTML that follows the outline and the word target.

The article is planned as sections (the intro, one per outline heading, the FAQ), each with a
share of the word budget; sections grow sentence by sentence until they reach their share, then
the whole is nudged (a sentence added or taken away) until it sits within a few per cent of the
target. Only <h2>, <h3>, <p>, <ul>, <ol>, <li>, <strong> and <blockquote> are written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from html import escape, unescape
from typing import Any

from igny8.ai.offline import openings, phrases
from igny8.ai.offline.compose import Composer
from igny8.ai.offline.keyword_shape import related
from igny8.ai.offline.kinds import action_of, classify, subject_of
from igny8.ai.offline.text import (
    capitalize,
    count_words,
    fit_between,
    lower_name,
    rng_for,
    shorten,
    site_audience,
    site_sector,
    slugify,
    title_case,
)
from igny8.ai.offline.titles import faq_questions, sides
from igny8.ai.offline.voice import Voice, searched, voice

FAQ_HEADING = "Frequently Asked Questions"
_NO_EXTRAS = {"intro", "question", "yes_no", "verdict", "conclusion", "faq", "overview"}


@dataclass
class Part:
    html: str
    locked: bool = False  # carries a keyword or opens a section: never trimmed away

    @cached_property
    def words(self) -> int:
        # Counted once: sections re-add their parts after every sentence they grow by.
        return count_words(self.html)


@dataclass
class Block:
    tag: str  # "p" | "ul" | "ol" | "blockquote"
    parts: list[Part] = field(default_factory=list)
    size: int = 4  # sentences a paragraph aims for before a new one starts

    def html(self) -> str:
        if self.tag == "p":
            return "<p>" + " ".join(p.html for p in self.parts) + "</p>"
        if self.tag == "blockquote":
            return "<blockquote><p>" + " ".join(p.html for p in self.parts) + "</p></blockquote>"
        items = "".join(f"<li>{p.html}</li>" for p in self.parts)
        return f"<{self.tag}>{items}</{self.tag}>"


@dataclass
class Section:
    heading: str | None
    level: int
    kind: str
    slots: dict[str, str]
    points: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    budget: int = 0
    grows: bool = True  # the FAQ's own heading holds questions, not prose
    answer: bool = False  # a question of the FAQ block: a short, fixed-size answer

    @property
    def words(self) -> int:
        head = count_words(self.heading) if self.heading else 0
        return head + sum(p.words for b in self.blocks for p in b.parts)

    def html(self) -> str:
        out = (
            [f"<h{self.level}>{escape(self.heading, quote=False)}</h{self.level}>"]
            if (self.heading)
            else []
        )
        return "\n".join(out + [b.html() for b in self.blocks])


class Article:
    def __init__(self, data: dict[str, Any], context: dict[str, Any]) -> None:
        self.data = data
        self.target = int(data["target_words"])
        self.structure = data.get("structure") or "article"
        self.keyword = data["primary_keyword"].strip()
        self.secondary = [k.strip() for k in data.get("secondary_keywords") or [] if k.strip()]
        self.rng = rng_for("write_content", data, context)
        self.voice = voice(self.keyword)
        # Only secondary keywords about the same thing are written in ("squash bugs" in a
        # squash article); the others are about another subject and are left out.
        self.related = [k for k in self.secondary if related(self.keyword, k)]
        self.related_voices = [voice(k) for k in self.related]
        self.topic = self.voice.prose  # the article's subject inside a sentence
        x, y = comparison_sides(data["title"], self.voice, self.related_voices)
        self.audience = site_audience(context)
        self.for_whom = title_case(self.audience) if self.audience != "readers" else ""
        self.names = _names(self.voice)
        base = {
            "kw": self.topic,
            "audience": self.audience,
            "sector": lower_name(site_sector(context, fallback="this field")),
            "x": x,
            "y": y,
            "subject": self.topic,
            "action": "get the basics right",
            "kw2": self.related[0] if self.related else self.topic,
        }
        self.composer = Composer(self.rng, base, kw_plural=self.voice.prose_is_plural)
        self.sections: list[Section] = []

    # --- planning -------------------------------------------------------------------------

    def plan(self) -> None:
        outline = self.data["outline"]
        has_faq_heading = any(classify(o["heading"], self.structure) == "faq" for o in outline)
        self.sections.append(Section(None, 2, "intro", {}))
        for index, item in enumerate(outline):
            heading = item["heading"].strip()
            kind = classify(heading, self.structure)
            subject = subject_of(heading, self.topic, kind, names=self.names)
            slots = {"subject": subject, "action": action_of(heading)}
            section = Section(heading, item["level"], kind, slots, list(item.get("points") or []))
            self.sections.append(section)
            next_level = outline[index + 1]["level"] if index + 1 < len(outline) else 2
            if kind == "faq" and next_level == 2:  # an empty FAQ heading: fill it with questions
                section.grows = False
                self.sections.extend(self.faq_entries())
        wants_faq = self.data.get("include_faq") and self.structure != "faq"
        if wants_faq and not has_faq_heading:
            self.sections.append(Section(FAQ_HEADING, 2, "faq", {}, grows=False))
            self.sections.extend(self.faq_entries())
        self.assign_budgets()

    def faq_entries(self) -> list[Section]:
        sizes = ((400, 1), (700, 2), (1500, 3), (3000, 4))
        count = next((n for limit, n in sizes if self.target < limit), 5)
        outline_headings = {o["heading"].strip().lower() for o in self.data["outline"]}
        candidates = faq_questions(self.voice, self.for_whom, self.related_voices)
        first, rest = candidates[:1], candidates[1:]
        self.rng.shuffle(rest)
        questions = [q for q in first + rest if q.lower() not in outline_headings][:count]
        return [
            Section(q, 3, classify(q, "faq"), {"subject": self.topic}, answer=True)
            for q in questions
        ]

    def assign_budgets(self) -> None:
        """Intro and FAQ answers get fixed shares; outline sections split the rest by weight."""
        fixed = sum(count_words(s.heading) for s in self.sections if s.heading)
        intro = self.sections[0]
        intro.budget = max(35, min(200, round(self.target * 0.08)))
        answer_budget = max(20, min(90, round(self.target * 0.025)))
        answers = 0
        weights: dict[int, float] = {}
        for index, section in enumerate(self.sections[1:], start=1):
            if not section.grows:
                continue
            if section.answer:
                section.budget = answer_budget
                answers += answer_budget
                continue
            following = self.sections[index + 1] if index + 1 < len(self.sections) else None
            parent_of_h3 = section.level == 2 and following is not None and following.level == 3
            weight = 0.5 if parent_of_h3 else 1.0 if section.level == 2 else 0.7
            weight *= {"conclusion": 0.7, "faq": 0.3}.get(section.kind, 1.0)
            weights[index] = weight + 0.15 * len(section.points)
        left = max(0, self.target - fixed - intro.budget - answers)
        total_weight = sum(weights.values()) or 1.0
        for index, weight in weights.items():
            self.sections[index].budget = round(left * weight / total_weight)

    # --- writing --------------------------------------------------------------------------

    def write(self) -> None:
        links = self.link_plan()
        for index, section in enumerate(self.sections):
            if section.kind == "intro":
                self.write_intro(section)
            elif section.grows:
                self.open_section(section, links.get(index, []))
        for section in self.sections:
            while section.grows and section.words < section.budget - 8:
                if not self.extend(section):
                    break

    def link_plan(self) -> dict[int, list[str]]:
        """Which section carries which secondary keyword: spread out, not in the conclusion."""
        hosts = [
            i
            for i, s in enumerate(self.sections)
            if s.grows and s.kind not in ("intro", "conclusion", "faq")
        ] or [0]
        plan: dict[int, list[str]] = {}
        for n, keyword in enumerate(self.related):
            host = hosts[(n * max(1, len(hosts) // max(1, len(self.related)))) % len(hosts)]
            plan.setdefault(host, []).append(keyword)
        return plan

    def write_intro(self, section: Section) -> None:
        c = self.composer
        bank, slots, plural = searched(self.voice)
        first = c.opening(openings.OPENINGS[bank], slots["phrase"], plural=plural)
        parts = [Part(first, locked=True)]
        if section.budget >= 45:
            parts.append(Part(c.from_bank("follow", phrases.INTRO_FOLLOW, {})))
            lead = phrases.INTRO_BY_STRUCTURE.get(
                self.structure, phrases.INTRO_BY_STRUCTURE["article"]
            )
            parts.append(Part(escape(lead.format_map(c.base), quote=False)))
        section.blocks.append(Block("p", parts, size=4))
        links = self.link_plan().get(0, [])
        for keyword in links:
            section.blocks[0].parts.append(Part(c.keyword_link(keyword), locked=True))

    def open_section(self, section: Section, keywords: list[str]) -> None:
        c = self.composer
        slots = section.slots
        short = section.budget < 25  # many headings, few words: say less per section
        first = Block("p", [Part(c.topic(section.kind, slots, short=short), locked=True)])
        first.size = self.rng.choice([2, 3, 3, 4]) if section.budget < 120 else 4
        for keyword in keywords:
            first.parts.append(Part(c.keyword_link(keyword), locked=True))
        section.blocks.append(first)
        if section.points:
            items = [
                Part(c.point(p, slots, note=not short), locked=True)
                for p in section.points
                if p.strip()
            ]
            if items:
                section.blocks.append(Block("ul", items))

    def extend(self, section: Section) -> bool:
        """One more piece of prose in `section`; False when it cannot grow."""
        c = self.composer
        left = section.budget - section.words
        last = section.blocks[-1] if section.blocks else None
        has_list = any(b.tag in ("ul", "ol") for b in section.blocks)
        roll = self.rng.random()
        if section.kind not in _NO_EXTRAS and not has_list:
            wants_list = section.kind in ("mistakes", "troubleshooting") or roll < 0.3
            if wants_list and left >= 60 and len(section.blocks) >= 1:
                self.add_list(section)
                return True
        quoted = any(b.tag == "blockquote" for b in section.blocks)
        if section.kind not in _NO_EXTRAS and left >= 40 and roll > 0.9 and not quoted:
            section.blocks.append(Block("blockquote", [Part(c.tip(section.slots))]))
            return True
        full = last is not None and sum(p.words for p in last.parts) >= 90  # readable paragraphs
        if last is None or last.tag != "p" or len(last.parts) >= last.size or full:
            last = Block("p", size=self.rng.choice([2, 3, 3, 4, 4, 5]))
            section.blocks.append(last)
        last.parts.append(Part(c.body(section.kind, section.slots)))
        return True

    def add_list(self, section: Section) -> None:
        c = self.composer
        count = self.rng.choice([3, 4, 4, 5])
        if section.kind == "mistakes" and c.mistakes_left() >= count:
            items = [Part(c.mistake(section.slots)) for _ in range(count)]
        else:
            items = [Part(c.list_item(section.slots)) for _ in range(count)]
        tag = "ol" if section.kind in ("action", "step", "how") else "ul"
        section.blocks.append(Block(tag, items))

    # --- hitting the target ---------------------------------------------------------------

    @property
    def words(self) -> int:
        return sum(s.words for s in self.sections)

    def settle(self) -> None:
        """Nudge the length to the target: grow the thinnest sections, trim the fattest."""
        growable = [s for s in self.sections if s.grows]
        total = self.words
        for _ in range(400):
            if total >= self.target - 4:
                break
            section = max(growable, key=lambda s: (s.budget - s.words) / (s.budget or 1))
            before = section.words
            self.extend(section)
            total += section.words - before
        for _ in range(400):
            if total <= self.target * 1.03:
                break
            candidate = self.best_removal(total)
            if candidate is None:
                break
            block, part, section = candidate
            block.parts.remove(part)
            if not block.parts or (block.tag in ("ul", "ol") and len(block.parts) < 2):
                section.blocks.remove(block)
            total = self.words

    def best_removal(self, total: int) -> tuple[Block, Part, Section] | None:
        best = None
        for section in self.sections:
            for block in section.blocks:
                for part in block.parts:
                    if part.locked:
                        continue
                    distance = abs(total - part.words - self.target)
                    if distance < abs(total - self.target) and (best is None or distance < best[0]):
                        best = (distance, block, part, section)
        return best[1:] if best else None

    def html(self) -> str:
        return "\n".join(s.html() for s in self.sections if s.html())


def comparison_sides(title: str, v: Voice, related_voices: list[Voice]) -> tuple[str, str]:
    """The two sides of a comparison, as they sit in a sentence: the keyword's own ("scrum",
    "kanban"), else those of "X vs Y: …" in the title, else the sides the outline used."""
    if v.kind == "comparison":
        return v.sides
    parts = re.split(r"\s+(?:vs\.?|versus)\s+", title, maxsplit=1, flags=re.I)
    if len(parts) == 2:
        left = re.split(r"[:?!]|\s[-–—]\s", parts[0])[-1].strip()
        right = re.split(r"[:?!,]|\s[-–—]\s|\s(?:for|in|which)\s", parts[1], flags=re.I)[0]
        if left and right.strip():
            return lower_name(left), lower_name(right.strip())
    x, y = sides(v, related_voices)
    return lower_name(x), lower_name(y)


def _names(v: Voice) -> tuple[str, ...]:
    """How headings name the article's own topic (lower-case), so their sections are about it."""
    forms = {v.shape.keyword, v.label.lower().rstrip("?"), v.what.lower().rstrip("?")}
    return tuple(sorted(f for f in forms if len(f) > 2))


def write_content(data: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    article = Article(data, context)
    article.plan()
    article.write()
    article.settle()
    html = article.html()
    title = data["title"].strip()
    return {
        "title": title,
        "html": html,
        "meta_title": meta_title(title, article.keyword),
        "meta_description": meta_description(article),
        "slug": slugify(title),
        "excerpt": excerpt(html),
        "primary_keyword": article.keyword,
        "secondary_keywords": article.secondary,
    }


def meta_title(title: str, keyword: str) -> str:
    text = shorten(title, 60)
    if len(text) < 5:
        text = shorten(title_case(keyword), 60) or "Article"
    return text


def meta_description(article: Article) -> str:
    subjects = []
    for section in article.sections:
        subject = section.slots.get("subject", "")
        if section.level == 2 and subject and subject != article.topic and subject not in subjects:
            subjects.append(subject)
    subjects = subjects[:3] or ["the basics", "common mistakes", "next steps"]
    topics = (
        subjects[0] if len(subjects) == 1 else ", ".join(subjects[:-1]) + " and " + subjects[-1]
    )
    bank, slots, _ = searched(article.voice)
    template = article.rng.choice(openings.META[bank])
    base = capitalize(
        template.format(
            phrase=slots["phrase"],
            search=slots.get("search", ""),
            audience=article.audience,
            topics=topics,
        )
    )
    extras = list(phrases.META_EXTRAS)
    article.rng.shuffle(extras)
    return fit_between(base, extras, 120, 160)


def excerpt(html: str) -> str:
    first = re.search(r"<p>(.*?)</p>", html, re.S)
    text = unescape(re.sub(r"<[^>]+>", "", first.group(1) if first else html)).strip()
    sentences = re.split(r"(?<=[.!?])\s+", text)
    return shorten(" ".join(sentences[:2]), 300) or text[:300]
