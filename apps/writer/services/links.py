"""Internal links (linker): suggestions of links from one article to others of its site, and
accepting (the link goes into the HTML as a new version) or dismissing them.

    links_suggest(*, content) -> list[LinkSuggestion]     new suggestions, never an HTML change
    link_accept(*, suggestion, user) -> ContentVersion    inserts exactly one link
    link_dismiss(*, suggestion, user) -> LinkSuggestion   remembered: never suggested again

Decisions:
- A target must offer an anchor: a phrase found verbatim in the source's text, outside links,
  headings and code. Phrases are tried in this order: the target's primary keyword, its
  secondary keywords, then runs of two or more words of its title (longest first, not
  starting or ending on a small word like "the"). A target without one is skipped.
- Only targets with an anchor are embedded (at most MAX_EMBEDDED, those with the best anchors),
  so a site with thousands of articles does not embed them all on each click; MiniLM vectors
  are cached by text.
- Confidence = 0.8 × similarity + 0.2 × anchor quality (1.0 primary keyword, 0.8 secondary,
  less for title words), between 0 and 1.
- One row per (source, target) ever: an open, accepted or dismissed pair is never suggested
  again, and two open suggestions of a source never share an anchor.
- The link points at `/<slug>/` on the site, a relative path: the publisher may rewrite it to
  the post's real address when it publishes.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from dataclasses import dataclass
from html import escape, unescape
from urllib.parse import unquote, urlsplit

import numpy as np
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.writer import scoring_text, similarity
from apps.writer.models import Content, ContentVersion, LinkStatus, LinkSuggestion, VersionSource
from apps.writer.services.versions import content_save

MAX_EMBEDDED = 40
MIN_SIMILARITY = {"minilm": 0.25, "tfidf": 0.05}
VECTOR_CACHE_SECONDS = 30 * 24 * 3600
QUALITY = {"primary": 1.0, "secondary": 0.8}
SKIPPED = frozenset({"a", "h1", "h2", "h3", "h4", "h5", "h6", "code", "pre"})
BLOCKS = frozenset(
    "p li div section blockquote td th dd dt figcaption caption summary ul ol table br "
    "h1 h2 h3 h4 h5 h6 pre".split()
)
SMALL_WORDS = frozenset(
    "a an the of for to in on at by with and or is are be do does how what why when where which "
    "your my our its it vs from as into than this that these those best top guide "
    "der die das und ein eine le la les un une des et el los las y o il lo gli".split()
)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*>")
_HREF = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_TITLE_CHUNKS = re.compile(r"[^\w\s'’-]+")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def target_url(target: Content) -> str:
    """Where a link to `target` points: its slug as a path on the site."""
    return f"/{target.slug}/"


# --- where a link may go ---------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    start: int  # offsets in the source HTML
    end: int
    text: str  # the phrase as written in the source (unescaped)
    before: str  # the text of its block around it, for showing the anchor in context
    after: str


class Eligible:
    """The source's text where a link may go: text outside links, headings and code, joined
    (text nodes split by NUL so a phrase never spans two of them)."""

    def __init__(self, html: str) -> None:
        self.html = html
        self._joined: list[str] = []
        self._starts: list[int] = []  # start of each node in the joined text
        self._nodes: list[tuple[int, int, int]] = []  # (html start, block, offset in block)
        self._blocks: list[list[str]] = [[]]
        self._block_length = 0
        self._length = 0
        skipped, pos = 0, 0
        for m in _TAG.finditer(html):
            self._text(pos, m.start(), skipped)
            pos = m.end()
            closing, name = m[1], m[2].lower()
            if name in BLOCKS and self._blocks[-1]:
                self._blocks.append([])
                self._block_length = 0
            if name in SKIPPED:
                skipped = max(0, skipped - 1) if closing else skipped + 1
        self._text(pos, len(html), skipped)
        self.joined = "\x00".join(self._joined)
        self._folded = " ".join(self.joined.casefold().split())

    def _text(self, start: int, end: int, skipped: int) -> None:
        if start >= end:
            return
        raw = self.html[start:end]
        self._blocks[-1].append(raw)
        offset = self._block_length
        self._block_length += len(raw)
        if skipped:
            return
        self._starts.append(self._length)
        self._nodes.append((start, len(self._blocks) - 1, offset))
        self._joined.append(raw)
        self._length += len(raw) + 1

    def find(self, phrase: str) -> Found | None:
        """The first occurrence of `phrase` (any case, whole words) where a link may go."""
        words = escape(" ".join(phrase.split()), quote=False).split()
        if not words or " ".join(words).casefold() not in self._folded:
            return None
        pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)"
        m = re.search(pattern, self.joined, re.IGNORECASE)
        if m is None:
            return None
        node = bisect_right(self._starts, m.start()) - 1
        html_start, block, offset = self._nodes[node]
        inside = m.start() - self._starts[node]
        start = html_start + inside
        text = "".join(self._blocks[block])
        at = offset + inside
        return Found(
            start=start,
            end=start + len(m[0]),
            text=" ".join(unescape(m[0]).split()),
            before=" ".join(unescape(text[:at]).split()),
            after=" ".join(unescape(text[at + len(m[0]) :]).split()),
        )


def linked_slugs(html: str, site_url: str) -> set[str]:
    """Slugs the HTML already links to on its own site (relative or same-host links)."""
    host = scoring_text.host_of(site_url) if site_url else ""
    slugs = set()
    for m in _HREF.finditer(html or ""):
        href = unescape(m[1] or m[2] or m[3] or "").strip()
        if scoring_text.is_internal(href, host):
            parts = [p for p in urlsplit(href).path.split("/") if p]
            if parts:
                slugs.add(unquote(parts[-1]).casefold())
    return slugs


def anchor_phrases(target: Content) -> list[tuple[str, float]]:
    """Phrases that may carry a link to `target`, best first, with their quality 0..1."""
    found: list[tuple[str, float]] = []
    seen: set[str] = set()

    def add(phrase: str, quality: float) -> None:
        phrase = " ".join(phrase.split())
        key = phrase.casefold()
        if len(phrase) >= 3 and key not in seen:
            seen.add(key)
            found.append((phrase, quality))

    add(target.primary_keyword, QUALITY["primary"])
    for keyword in target.secondary_keywords or []:
        add(str(keyword), QUALITY["secondary"])
    grams: list[tuple[int, str]] = []
    for chunk in _TITLE_CHUNKS.split(target.title):
        words = _WORD.findall(chunk)
        for n in range(min(len(words), 8), 1, -1):
            for i in range(len(words) - n + 1):
                run = words[i : i + n]
                if run[0].casefold() in SMALL_WORDS or run[-1].casefold() in SMALL_WORDS:
                    continue
                grams.append((n, " ".join(run)))
    for n, phrase in sorted(grams, key=lambda g: -g[0]):
        add(phrase, min(0.7, 0.4 + 0.05 * n))
    return found


# --- suggesting ------------------------------------------------------------------------------


def _vectors(texts: list[str]) -> np.ndarray:
    """Embeddings of `texts`; MiniLM rows are cached by text (TF-IDF depends on the batch)."""
    from apps.planner.clustering.embed import MINILM, default_engine

    engine = default_engine()
    if engine != MINILM:
        return similarity.vectors(texts)
    keys = [f"writer:vector:{engine}:{hashlib.sha1(t.encode()).hexdigest()}" for t in texts]
    cached = cache.get_many(keys)
    missing = [i for i, key in enumerate(keys) if key not in cached]
    if missing:
        rows = similarity.vectors([texts[i] for i in missing])
        fresh = {keys[i]: rows[j] for j, i in enumerate(missing)}
        cache.set_many(fresh, timeout=VECTOR_CACHE_SECONDS)
        cached.update(fresh)
    return np.stack([np.asarray(cached[key], dtype=np.float32) for key in keys])


def _engine() -> str:
    from apps.planner.clustering.embed import default_engine

    return default_engine()


def open_suggestions(content: Content):  # noqa: ANN201  (a QuerySet)
    """Suggestions of this article still waiting for a decision (live targets only)."""
    return LinkSuggestion.objects.filter(
        source=content, status=LinkStatus.SUGGESTED, target__deleted_at__isnull=True
    )


@transaction.atomic
def links_suggest(*, content: Content) -> list[LinkSuggestion]:
    """Find new link suggestions from `content` to other live articles of its site, up to the
    site's limit counting the open ones. The HTML is never changed here. Raises
    ValidationError when suggestions are off or the limit is already reached."""
    # One suggestion run per article at a time, so two clicks cannot pass the limit together.
    Content.objects.select_for_update().filter(pk=content.pk).exists()
    site = content.site
    limit = site.links_per_content
    if limit <= 0:
        raise ValidationError(
            "Link suggestions are turned off for this site: set “links per article” above 0 in "
            "the site's settings."
        )
    waiting = list(open_suggestions(content).values_list("anchor", flat=True))
    room = limit - len(waiting)
    if room <= 0:
        raise ValidationError(
            f"This article already has {len(waiting)} open suggestions, the site's limit. "
            "Accept or dismiss some first."
        )
    decided = set(LinkSuggestion.objects.filter(source=content).values_list("target_id", flat=True))
    linked = linked_slugs(content.html, site.url)
    eligible = Eligible(content.html)
    # Targets that offer an anchor, with every anchor they offer (best first).
    offers: list[tuple[Content, list[tuple[Found, float]]]] = []
    candidates = (
        Content.objects.alive()
        .filter(site=site)
        .exclude(pk=content.pk)
        .exclude(pk__in=decided)
        .only("pk", "title", "slug", "primary_keyword", "secondary_keywords")
        .order_by("pk")
    )
    for target in candidates.iterator(chunk_size=500):
        if not target.slug or target.slug.casefold() in linked:
            continue
        anchors = []
        for phrase, quality in anchor_phrases(target):
            found = eligible.find(phrase)
            if found is not None:
                anchors.append((found, quality))
        if anchors:
            offers.append((target, anchors))
    if not offers:
        return []
    offers.sort(key=lambda o: (-o[1][0][1], o[0].pk))
    offers = offers[:MAX_EMBEDDED]
    bodies = dict(
        Content.objects.filter(pk__in=[t.pk for t, _ in offers]).values_list("pk", "html")
    )
    texts = [similarity.article_text(content.title, content.html)]
    texts += [similarity.article_text(t.title, bodies.get(t.pk, "")) for t, _ in offers]
    rows = _vectors(texts)
    sims = np.clip(rows[1:] @ rows[0], 0.0, 1.0)
    floor = MIN_SIMILARITY.get(_engine(), 0.25)
    ranked = sorted(
        ((float(sims[i]), target, anchors) for i, (target, anchors) in enumerate(offers)),
        key=lambda r: (-(0.8 * r[0] + 0.2 * r[2][0][1]), r[1].pk),
    )
    used = {a.casefold() for a in waiting}
    made: list[LinkSuggestion] = []
    for sim, target, anchors in ranked:
        if len(made) >= room:
            break
        if sim < floor:
            continue
        choice = next(((f, q) for f, q in anchors if f.text.casefold() not in used), None)
        if choice is None:
            continue
        found, quality = choice
        used.add(found.text.casefold())
        made.append(
            LinkSuggestion(
                site=site,
                source=content,
                target=target,
                anchor=found.text[:200],
                confidence=round(min(1.0, max(0.0, 0.8 * sim + 0.2 * quality)), 3),
            )
        )
    LinkSuggestion.objects.bulk_create(made, ignore_conflicts=True)
    return list(
        LinkSuggestion.objects.filter(
            source=content, target_id__in=[m.target_id for m in made], status=LinkStatus.SUGGESTED
        ).select_related("target")
    )


# --- deciding --------------------------------------------------------------------------------


def _locked(suggestion: LinkSuggestion) -> LinkSuggestion:
    locked = (
        LinkSuggestion.objects.select_for_update(of=("self",))
        .select_related("source", "target", "source__site")
        .get(pk=suggestion.pk)
    )
    if locked.status != LinkStatus.SUGGESTED:
        raise ValidationError(
            f"This suggestion was already {locked.get_status_display().lower()}; nothing changed."
        )
    return locked


@transaction.atomic
def link_accept(*, suggestion: LinkSuggestion, user) -> ContentVersion:  # noqa: ANN001
    """Insert the link at the first place the anchor stands outside links and headings, as a
    new version of the source (source "linked"); the suggestion becomes accepted."""
    s = _locked(suggestion)
    source, target = s.source, s.target
    if s.source_id == s.target_id:
        raise ValidationError("An article cannot link to itself.")
    if source.deleted_at or target.deleted_at:
        raise ValidationError(
            f"“{target.title}” is in the trash, so there is nothing to link to. Dismiss this "
            "suggestion."
        )
    if target.slug.casefold() in linked_slugs(source.html, source.site.url):
        raise ValidationError(
            f"This article already links to “{target.title}”. Dismiss this suggestion."
        )
    found = Eligible(source.html).find(s.anchor)
    if found is None:
        raise ValidationError(
            f"“{s.anchor}” is no longer in the article outside links and headings. Dismiss "
            "this suggestion, or find new ones."
        )
    url = escape(target_url(target), quote=True)
    html = (
        f'{source.html[: found.start]}<a href="{url}">'
        f"{source.html[found.start : found.end]}</a>{source.html[found.end :]}"
    )
    version = content_save(
        content=source,
        changes={"html": html},
        author=user,
        source=VersionSource.LINKED,
        note=f"Linked “{found.text}” to “{target.title}”"[:300],
    )
    if version is None:  # the insert always changes the HTML; guard the invariant anyway
        raise ValidationError("The link could not be added; nothing changed.")
    s.status = LinkStatus.ACCEPTED
    s.decided_by_id = getattr(user, "pk", None)
    s.decided_at = timezone.now()
    s.save(update_fields=["status", "decided_by", "decided_at"])
    suggestion.status, suggestion.decided_at = s.status, s.decided_at
    return version


@transaction.atomic
def link_dismiss(*, suggestion: LinkSuggestion, user) -> LinkSuggestion:  # noqa: ANN001
    """Dismiss the suggestion; the pair is remembered and never suggested again."""
    s = _locked(suggestion)
    s.status = LinkStatus.DISMISSED
    s.decided_by_id = getattr(user, "pk", None)
    s.decided_at = timezone.now()
    s.save(update_fields=["status", "decided_by", "decided_at"])
    suggestion.status, suggestion.decided_at = s.status, s.decided_at
    return s
