"""Reads for the links panel: the open suggestions of an article with each anchor shown in its
sentence, and what was decided before."""

from __future__ import annotations

from dataclasses import dataclass

from apps.writer.models import Content, LinkStatus, LinkSuggestion
from apps.writer.services.links import Eligible, open_suggestions, target_url

CONTEXT_CHARS = 70


@dataclass(frozen=True)
class LinkRow:
    suggestion: LinkSuggestion
    url: str
    before: str
    anchor: str
    after: str
    found: bool  # the anchor still stands in the text where a link may go

    @property
    def percent(self) -> int:
        return round(self.suggestion.confidence * 100)

    @property
    def level(self) -> str:
        return confidence_words(self.suggestion.confidence)


def confidence_words(confidence: float) -> str:
    if confidence >= 0.7:
        return "High"
    if confidence >= 0.5:
        return "Medium"
    return "Low"


def _tail(text: str) -> str:
    if len(text) <= CONTEXT_CHARS:
        return text
    cut = text[-CONTEXT_CHARS:]
    return "…" + cut[cut.find(" ") + 1 :] if " " in cut else "…" + cut


def _head(text: str) -> str:
    if len(text) <= CONTEXT_CHARS:
        return text
    cut = text[:CONTEXT_CHARS]
    return (cut[: cut.rfind(" ")] if " " in cut else cut) + "…"


def link_rows(content: Content) -> list[LinkRow]:
    """Open suggestions of `content`, most confident first, each with its anchor in context
    as the text reads now."""
    eligible = Eligible(content.html)
    rows = []
    for s in open_suggestions(content).select_related("target").order_by("-confidence", "pk"):
        found = eligible.find(s.anchor)
        rows.append(
            LinkRow(
                suggestion=s,
                url=target_url(s.target),
                before=_tail(found.before) if found else "",
                anchor=found.text if found else s.anchor,
                after=_head(found.after) if found else "",
                found=found is not None,
            )
        )
    return rows


def decided_links(content: Content) -> dict[str, list[LinkSuggestion]]:
    """Accepted and dismissed suggestions of `content`, newest decision first."""
    decided = (
        LinkSuggestion.objects.filter(
            source=content, status__in=[LinkStatus.ACCEPTED, LinkStatus.DISMISSED]
        )
        .select_related("target")
        .order_by("-decided_at", "-pk")
    )
    out: dict[str, list[LinkSuggestion]] = {"accepted": [], "dismissed": []}
    for s in decided:
        out[s.status].append(s)
    return out
