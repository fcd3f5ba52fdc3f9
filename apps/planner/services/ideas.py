"""Ideas: generating them for clusters through the AI engine, editing, disabling, trashing.

Decisions:
- No two live ideas of a site share a title (ignoring case). A generated title that is taken
  gets the idea's structure added ("… (Comparison)"), then a number ("… (2)"): every idea the
  workspace paid for is kept, and titles stay unique.
- A cluster is `mapped` while it has live ideas (see clusters_recount).
- Generation stops at the first cluster the workspace cannot pay for; the ideas already made
  are kept and the job says how far it got.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.accounts.models import Account
from apps.billing import credits
from apps.billing.errors import AccountLapsed, InsufficientCredits
from apps.planner.models import MAX_KEYWORD_LENGTH, Cluster, Idea, Keyword
from apps.planner.services.clusters import clusters_recount
from apps.workspace.models import Job, Site
from igny8 import jobs
from igny8.ai import costs
from igny8.ai.errors import AIError
from igny8.ai.failures import Tally, told
from igny8.ai.functions import CONTENT_TYPES, STRUCTURES

log = logging.getLogger(__name__)

TITLE_MAX = Idea._meta.get_field("title").max_length
MAX_PER_CLUSTER = 10
IDEA_KEYWORDS = 25  # keywords of a cluster handed to the idea writer (highest volume first)
MIN_WORDS, MAX_WORDS = 300, 6000

STRUCTURE_LABELS = {
    "article": "Article",
    "guide": "Guide",
    "how_to": "How-to",
    "listicle": "Listicle",
    "comparison": "Comparison",
    "review": "Review",
    "faq": "FAQ",
}
CONTENT_TYPE_LABELS = {"post": "Post", "page": "Page", "product": "Product", "taxonomy": "Taxonomy"}

Progress = Callable[[int, int, str], None]


# --- generating ----------------------------------------------------------------------------


def idea_input(
    cluster: Cluster, *, per_cluster: int, structure: str | None, keywords: list[str]
) -> dict:
    data: dict = {
        "cluster": {
            "name": cluster.name,
            "description": cluster.description,
            "keywords": keywords or [cluster.name],
        },
        "count": per_cluster,
    }
    if structure:
        data["structure"] = structure
    return data


def _cluster_keywords(cluster_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {pk: [] for pk in cluster_ids}
    rows = (
        Keyword.objects.alive()
        .filter(cluster_id__in=cluster_ids)
        .order_by("cluster_id", "-volume", "text")
        .values_list("cluster_id", "text")
    )
    for cluster_id, text in rows:
        if len(found[cluster_id]) < IDEA_KEYWORDS:
            found[cluster_id].append(text)
    return found


def _check_request(per_cluster: int, structure: str | None) -> None:
    if not isinstance(per_cluster, int) or not 1 <= per_cluster <= MAX_PER_CLUSTER:
        raise ValidationError(
            {"per_cluster": f"Ask for between 1 and {MAX_PER_CLUSTER} ideas per cluster."}
        )
    if structure and structure not in STRUCTURES:
        raise ValidationError({"structure": "Choose a structure from the list."})


def clusters_for_ideas(*, site: Site, cluster_ids: list[int]) -> list[Cluster]:
    """The live clusters of the site among `cluster_ids`, checked for idea generation."""
    ids = sorted({int(pk) for pk in cluster_ids})
    if not ids:
        raise ValidationError("Choose at least one cluster.")
    clusters = list(Cluster.objects.alive().filter(site=site, pk__in=ids).select_related("sector"))
    if len(clusters) != len(ids):
        raise ValidationError("Some of the chosen clusters no longer exist. Reload and try again.")
    empty = [c.name for c in clusters if not c.keyword_count]
    if empty:
        raise ValidationError(
            f"“{empty[0]}” has no keywords, so there is nothing to build ideas from. Move "
            "keywords into it, or leave it out."
        )
    return clusters


def ideas_estimate(
    *, clusters: list[Cluster], per_cluster: int, structure: str | None
) -> costs.Price:
    """What a generation for these clusters costs with the provider in force (shown before it
    starts; free with the offline writer)."""
    from igny8.ai import engine

    _check_request(per_cluster, structure)
    config = costs.in_force()
    return costs.total(
        [
            engine.price(
                "generate_ideas",
                idea_input(c, per_cluster=per_cluster, structure=structure, keywords=[c.name]),
                config=config,
            )
            for c in clusters
        ],
        config=config,
    )


def ideas_generate_enqueue(
    *,
    site: Site,
    cluster_ids: list[int],
    per_cluster: int = 3,
    structure: str | None = None,
    user,
    shown: int | None = None,
) -> Job:
    """Queue idea generation for these clusters of the site. Raises ValidationError for a bad
    request, CostChanged when `shown` (the credits the page showed) is no longer the price,
    and InsufficientCredits when the workspace cannot pay it."""
    _check_request(per_cluster, structure)
    clusters = clusters_for_ideas(site=site, cluster_ids=cluster_ids)
    needed = ideas_estimate(clusters=clusters, per_cluster=per_cluster, structure=structure)
    costs.check_shown(shown, needed, "generating these ideas")
    account = Account.objects.get(schema_name=connection.schema_name)
    credits.require_affordable(
        account, needed, costing="These ideas cost", otherwise="or choose fewer clusters"
    )
    n = len(clusters)
    total = per_cluster * n  # every cluster gets `per_cluster`: say what the run makes
    return jobs.enqueue(
        "apps.planner.jobs.clusters.generate_ideas",
        site.pk,
        [c.pk for c in clusters],
        per_cluster,
        structure or None,
        label=f"Generate {total:,} idea{'s' if total != 1 else ''} for {n} "
        f"cluster{'s' if n != 1 else ''}",
        user=user,
    )


@dataclass
class IdeasOutcome:
    clusters: int = 0
    done: int = 0
    ideas: int = 0
    credits: int = 0
    offline: bool = True  # every run was served by the offline writer (free)
    problems: list[str] = field(default_factory=list)
    stopped: str = ""
    failures: Tally | None = None

    def message(self) -> str:
        text = (
            f"Generated {self.ideas:,} idea{'s' if self.ideas != 1 else ''} for {self.done:,} of "
            f"{self.clusters:,} cluster{'s' if self.clusters != 1 else ''} "
            f"({costs.spent_words(self.credits, offline=self.offline)})."
        )
        return text + told(self.failures, self.stopped, self.tried)

    @property
    def tried(self) -> int:
        return self.done + (self.failures.count if self.failures is not None else 0)

    def as_result(self) -> dict:
        return {
            "message": self.message(),
            "clusters": self.clusters,
            "clusters_done": self.done,
            "ideas": self.ideas,
            "credits": self.credits,
            "failures": self.problems[:20],
        }


def ideas_generate(
    *,
    site: Site,
    cluster_ids: list[int],
    per_cluster: int,
    structure: str | None,
    progress: Progress | None = None,
    run_key: str = "",
) -> IdeasOutcome:
    """Generate ideas for each cluster through the AI engine (one run per cluster, charged as
    billing defines). Raises the error when not a single cluster could be done."""
    from igny8.ai import engine

    report = progress or (lambda done, total, message: None)
    clusters = list(
        Cluster.objects.alive()
        .filter(site=site, pk__in=cluster_ids)
        .select_related("sector")
        .order_by("pk")
    )
    outcome = IdeasOutcome(clusters=len(clusters))
    tally = outcome.failures = Tally(noun="cluster", total=len(clusters))
    keywords = _cluster_keywords([c.pk for c in clusters])
    key = run_key or f"{connection.schema_name}:ideas:{uuid.uuid4().hex}"
    first_error: Exception | None = None
    for index, c in enumerate(clusters):
        report(
            index,
            len(clusters),
            f"Generating ideas for “{c.name}” ({index + 1} of {len(clusters)} clusters)…",
        )
        if not keywords[c.pk]:
            outcome.problems.append(f"“{c.name}” has no keywords")
            tally.reasons["it had no keywords"] += 1
            continue
        data = idea_input(c, per_cluster=per_cluster, structure=structure, keywords=keywords[c.pk])
        try:
            result = engine.run(
                "generate_ideas",
                site=site,
                input=data,
                key=f"{key}:{c.pk}",
                sector=c.sector.name,
                save=lambda output, result, c=c: _save(site, c, output, result),
            )
        except (InsufficientCredits, AccountLapsed) as exc:
            outcome.stopped = exc.message
            first_error = first_error or exc
            break
        except AIError as exc:
            log.warning("ideas for cluster %s failed: %s", c.pk, exc.message)
            outcome.problems.append(f"“{c.name}” ({exc.message})")
            first_error = first_error or exc
            if tally.failed(exc):
                break  # the provider is down: the other clusters are left as they are
            continue
        tally.succeeded()
        outcome.done += 1
        outcome.ideas += len(result.saved)
        outcome.credits += result.credits
        outcome.offline = outcome.offline and result.provider == "offline"
    report(len(clusters), len(clusters), "Saving…")
    if not outcome.done and first_error is not None:
        # Say how many failed and why, not only the first.
        raise tally.error(first_error, done=outcome.tried, problems=outcome.problems)
    return outcome


def _save(site: Site, cluster: Cluster, output: dict, result) -> list[Idea]:  # noqa: ANN001
    """Store the ideas; a run that stores none changed nothing and is not charged."""
    saved = ideas_save(site=site, cluster=cluster, output=output)
    result.changed = bool(saved)
    return saved


def _free_title(title: str, structure: str, taken: set[str]) -> str:
    title = title.strip()[:TITLE_MAX].strip()
    if title.lower() not in taken:
        return title
    label = STRUCTURE_LABELS.get(structure, structure.replace("_", " ").title())
    for n in range(1, 1000):
        suffix = f" ({label})" if n == 1 else f" ({n})"
        candidate = title[: TITLE_MAX - len(suffix)].rstrip() + suffix
        if candidate.lower() not in taken:
            return candidate
    raise ValidationError("Could not find a free title.")  # a thousand twins: not in practice


def _taken_titles(site: Site, titles: list[str]) -> set[str]:
    starts = Q()
    for title in titles:
        starts |= Q(title__istartswith=title.strip()[: TITLE_MAX - 12])
    rows = Idea.objects.alive().filter(site=site).filter(starts).values_list("title", flat=True)
    return {t.lower() for t in rows}


def ideas_save(*, site: Site, cluster: Cluster, output: dict) -> list[Idea]:
    """Store generated ideas for the cluster (titles made unique in the site)."""
    answers = output["ideas"]
    taken = _taken_titles(site, [a["title"] for a in answers])
    ideas = []
    for a in answers:
        title = _free_title(a["title"], a["structure"], taken)
        taken.add(title.lower())
        ideas.append(
            Idea(
                site=site,
                sector_id=cluster.sector_id,
                cluster=cluster,
                title=title,
                outline=[
                    {
                        "heading": h["heading"].strip(),
                        "level": h["level"],
                        "points": [p for p in h.get("points", []) if p.strip()],
                    }
                    for h in a["outline"]
                ],
                content_type=a["content_type"],
                structure=a["structure"],
                primary_keyword=a["primary_keyword"].strip()[:MAX_KEYWORD_LENGTH],
                secondary_keywords=[k.strip() for k in a["secondary_keywords"] if k.strip()],
                estimated_words=a["estimated_words"],
            )
        )
    with transaction.atomic():
        saved = Idea.objects.bulk_create(ideas)
        clusters_recount(cluster_ids=[cluster.pk])
    return saved


# --- outline as text -----------------------------------------------------------------------

_LINE = re.compile(r"^(#{2,3}|-)\s+(.*)$")


def outline_to_text(outline: list[dict]) -> str:
    """The outline as people edit it: `## Heading`, `### Sub-heading`, `- note`."""
    lines = []
    for h in outline or []:
        lines.append(f"{'#' * int(h.get('level', 2))} {h.get('heading', '')}".rstrip())
        lines.extend(f"- {p}" for p in h.get("points") or [])
    return "\n".join(lines)


def outline_from_text(text: str) -> list[dict]:
    """Parse the edited outline; raises ValidationError naming the first bad line."""
    outline: list[dict] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _LINE.match(line)
        if match is None or not match.group(2).strip():
            raise ValidationError(
                f"Line {number}: start a heading with “## ” (or “### ” for a sub-heading) and "
                "a note with “- ”."
            )
        marker, body = match.group(1), match.group(2).strip()
        if marker == "-":
            if not outline:
                raise ValidationError(f"Line {number}: a note needs a heading above it.")
            outline[-1]["points"].append(body)
        else:
            if len(body) > 200:
                raise ValidationError(f"Line {number}: keep headings under 200 characters.")
            outline.append({"heading": body, "level": len(marker), "points": []})
    if not outline:
        raise ValidationError("An outline needs at least one “## ” heading.")
    return outline


# --- edits ---------------------------------------------------------------------------------


def idea_update(
    *,
    idea: Idea,
    title: str,
    structure: str,
    content_type: str,
    outline: list[dict],
    primary_keyword: str,
    secondary_keywords: list[str],
    estimated_words: int,
) -> Idea:
    """Save an edited idea. Raises ValidationError (by field) and saves nothing on bad input."""
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = "Give the idea a title."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"Keep the title under {TITLE_MAX} characters."
    elif (
        Idea.objects.alive()
        .filter(site_id=idea.site_id, title__iexact=title)
        .exclude(pk=idea.pk)
        .exists()
    ):
        errors["title"] = "Another idea of this site already has this title. Choose another."
    if structure not in STRUCTURES:
        errors["structure"] = "Choose a structure from the list."
    if content_type not in CONTENT_TYPES:
        errors["content_type"] = "Choose a content type from the list."
    primary_keyword = (primary_keyword or "").strip()
    if not primary_keyword:
        errors["primary_keyword"] = "Name the keyword this idea targets first."
    elif len(primary_keyword) > MAX_KEYWORD_LENGTH:
        errors["primary_keyword"] = f"Keep the keyword under {MAX_KEYWORD_LENGTH} characters."
    if not MIN_WORDS <= estimated_words <= MAX_WORDS:
        errors["estimated_words"] = f"Choose between {MIN_WORDS:,} and {MAX_WORDS:,} words."
    if not outline:
        errors["outline"] = "An outline needs at least one heading."
    if errors:
        raise ValidationError(errors)
    idea.title = title
    idea.structure = structure
    idea.content_type = content_type
    idea.outline = outline
    idea.primary_keyword = primary_keyword
    idea.secondary_keywords = [k.strip() for k in secondary_keywords if k.strip()]
    idea.estimated_words = estimated_words
    idea.save(
        update_fields=[
            "title",
            "structure",
            "content_type",
            "outline",
            "primary_keyword",
            "secondary_keywords",
            "estimated_words",
        ]
    )
    return idea


def ideas_set_disabled(*, ideas: QuerySet[Idea], disabled: bool) -> int:
    return ideas.alive().exclude(disabled=disabled).update(disabled=disabled)


def ideas_trash(*, ideas: QuerySet[Idea]) -> int:
    """Send ideas to the trash; their clusters' counts (and status) follow."""
    with transaction.atomic():
        live = ideas.alive()
        cluster_ids = set(live.values_list("cluster_id", flat=True))
        count = live.update(deleted_at=timezone.now())
        clusters_recount(cluster_ids=cluster_ids)
    return count
