"""Sentences from the phrase banks, never the same sentence twice in one article."""

from __future__ import annotations

import random
from html import escape

from igny8.ai.offline import openings, phrases
from igny8.ai.offline.english import agree, doubled_word
from igny8.ai.offline.kinds import BODY, TOPIC
from igny8.ai.offline.nouns import is_plural_phrase
from igny8.ai.offline.text import capitalize
from igny8.ai.offline.voice import voice

_BODY_ALIAS = {"step": "action", "yes_no": "question"}


class Composer:
    """Fills templates with a section's slots; remembers what it wrote so nothing repeats.

    Returned strings are HTML-safe fragments (text escaped, only <strong> added).
    """

    def __init__(
        self, rng: random.Random, base: dict[str, str], *, kw_plural: bool = False
    ) -> None:
        self.rng = rng
        self.base = base
        self.kw_plural = kw_plural  # "compost bins are…", not "compost bins is…"
        self.sentences: set[str] = set()
        self.used: dict[str, set[int]] = {}

    def _pick(self, bank_name: str, bank: list) -> object:
        """A bank entry not used yet in this article (the bank starts over once exhausted)."""
        used = self.used.setdefault(bank_name, set())
        if len(used) >= len(bank):
            used.clear()
        index = self.rng.choice([i for i in range(len(bank)) if i not in used])
        used.add(index)
        return bank[index]

    def _fill(self, template: str, slots: dict[str, str]) -> str:
        values = {**self.base, **slots}
        if self.kw_plural:
            template = agree(template, "kw")
        if "{subject}" in template and is_plural_phrase(values.get("subject", "")):
            template = agree(template, "subject")
        if "{kw2}" in template and is_plural_phrase(values.get("kw2", "")):
            template = agree(template, "kw2")
        return capitalize(template.format_map(values))

    def _unique(self, make, slots: dict[str, str], tries: int = 8) -> str:
        """A sentence from `make` not written yet in this article; when its bank is spent, a
        shared core sentence instead (there are thousands of those). A sentence that says a
        word twice in a row ("keeping keeping a log") is passed over too."""
        for attempt in range(tries * 2):
            sentence = make() if attempt < tries else self._core(slots)
            if sentence not in self.sentences and not doubled_word(sentence):
                break
        self.sentences.add(sentence)
        return escape(sentence, quote=False)

    def from_bank(self, name: str, bank: list[str], slots: dict[str, str]) -> str:
        return self._unique(lambda: self._fill(str(self._pick(name, bank)), slots), slots)

    def opening(self, bank: list[str], phrase: str, *, plural: bool = False) -> str:
        """The article's first sentence, carrying the keyword as searched (`phrase`)."""
        template = str(self._pick("opening", bank))
        if plural:
            template = agree(template, "phrase")
        sentence = capitalize(template.format_map({**self.base, "phrase": phrase}))
        self.sentences.add(sentence)
        return escape(sentence, quote=False)

    def topic(self, kind: str, slots: dict[str, str], *, short: bool = False) -> str:
        """The sentence that opens a section; `short` when the section has only a few words."""
        if short:
            return self.from_bank("topic:short", phrases.SHORT_TOPICS, slots)
        bank = TOPIC.get(kind, TOPIC["general"])
        if slots.get("subject", self.base["subject"]) == self.base["kw"]:
            # "compost is the part of compost that…": skip sentences naming both.
            plain = [t for t in bank if not ("{subject}" in t and "{kw}" in t)]
            return self.from_bank(f"topic:{kind}:plain", plain or bank, slots)
        return self.from_bank(f"topic:{kind}", bank, slots)

    def body(self, kind: str, slots: dict[str, str]) -> str:
        """A body sentence: now and then one of the kind's own, mostly a shared core."""
        kind = _BODY_ALIAS.get(kind, kind)
        own = BODY.get(kind, [])
        used = self.used.setdefault(f"body:{kind}", set())
        if len(used) < len(own) and self.rng.random() < 0.3:
            index = self.rng.choice([i for i in range(len(own)) if i not in used])
            used.add(index)
            sentence = self._fill(own[index], slots)
            if sentence not in self.sentences and not doubled_word(sentence):
                self.sentences.add(sentence)
                return escape(sentence, quote=False)
        return self._unique(lambda: self._core(slots), slots)

    def mistakes_left(self) -> int:
        return len(BODY["mistakes"]) - len(self.used.get("body:mistakes", set()))

    def _core(self, slots: dict[str, str]) -> str:
        core = str(self._pick("cores", phrases.CORES))
        if slots.get("subject", self.base["subject"]) == self.base["kw"] and "{kw}" in core:
            core = str(self._pick("cores", phrases.CORES))  # "your compost plans" twice reads badly
        opener = self.rng.choice(phrases.OPENERS)
        if "{audience}" in opener and "{audience}" in core:
            opener = ""
        ending = self.rng.choice(phrases.ENDINGS)
        return self._fill(opener + core + ending, slots)

    def list_item(self, slots: dict[str, str]) -> str:
        for _ in range(len(phrases.LIST_ITEMS)):
            label, note = self._pick("list", phrases.LIST_ITEMS)  # type: ignore[misc]
            text = note.format_map({**self.base, **slots})
            if text not in self.sentences:
                break
        self.sentences.add(text)
        return f"<strong>{escape(label, quote=False)}:</strong> {escape(text, quote=False)}"

    def point(self, point: str, slots: dict[str, str], *, note: bool = True) -> str:
        text = escape(capitalize(point.strip().rstrip(".:;")), quote=False)
        if not note:
            return f"<strong>{text}.</strong>"
        return f"<strong>{text}.</strong> {self.from_bank('points', phrases.POINT_NOTES, slots)}"

    def mistake(self, slots: dict[str, str]) -> str:
        """One of the common mistakes (check `mistakes_left` first: they do not start over)."""
        return self.from_bank("body:mistakes", BODY["mistakes"], slots)

    def tip(self, slots: dict[str, str]) -> str:
        return self.from_bank("tips", phrases.TIPS, slots)

    def keyword_link(self, keyword: str) -> str:
        """A sentence bringing in a related keyword: a question or a search quoted as typed,
        anything else as a noun phrase."""
        v = voice(keyword)
        text, quoted = v.mention
        if quoted and v.kind == "question":
            return self.from_bank("links:asked", openings.MENTIONS_ASKED, {"kw2": text})
        if quoted:
            return self.from_bank("links:searched", openings.MENTIONS_SEARCHED, {"kw2": text})
        return self.from_bank("links", openings.MENTIONS_NP, {"kw2": text})
