"""The onboarding checklist. Later modules add their own items here as they land."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from apps.planner.models import Cluster, Idea, Keyword
from apps.workspace.models import Site
from apps.workspace.pipeline import SiteCounts
from igny8.ai import costs


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    title: str
    hint: str
    done: bool
    url: str
    action: str
    editors: bool = False  # editors may take the action too (pipeline steps, not set-up)


def checklist(
    request: HttpRequest, site: Site | None, counts: SiteCounts | None = None
) -> list[ChecklistItem]:
    """`counts`: the site's pipeline counts when the caller read them (the dashboard does),
    so that the steps cost no query of their own."""
    has_site = site is not None
    if not has_site:
        has_sectors = has_keywords = False
    else:
        has_sectors = site.sectors.filter(is_active=True).exists()
    if has_site and counts is not None:
        has_keywords = counts.keywords["any"] > 0
    elif has_site:
        has_keywords = Keyword.objects.alive().filter(site=site).exists()
    items = [
        ChecklistItem(
            key="site",
            title="Add your first site",
            hint="The website IGNY8 writes for: its address, industry and language.",
            done=has_site,
            url=reverse("workspace:site_create"),
            action="Add a site",
        ),
        ChecklistItem(
            key="sectors",
            title="Choose sectors",
            hint="Pick up to 5 niches from the site's industry; keywords and articles follow them.",
            done=bool(has_sectors),
            url=reverse("workspace:site_sectors", args=[site.pk]) if has_site else "",
            action="Choose sectors",
        ),
        ChecklistItem(
            key="keywords",
            title="Add keywords",
            hint="The searches you want to rank for: type them, import a CSV file or pick "
            "them from the keyword library.",
            done=bool(has_keywords),
            url=reverse("planner:keywords") if has_site else "",
            action="Add keywords",
        ),
    ]
    items.append(_wordpress_item(site))
    items += _pipeline_items(site, counts)
    items.append(_automation_item(site))
    return items


def _wordpress_item(site: Site | None) -> ChecklistItem:
    """Lit when the site's WordPress connection answered a test (the publisher page)."""
    from apps.publisher.selectors import wordpress_connected

    return ChecklistItem(
        key="wordpress",
        title="Connect WordPress",
        hint="Install the IGNY8 Bridge plugin and paste the key IGNY8 gives you: approved "
        "articles then publish to the site, now or on a schedule.",
        done=wordpress_connected(site),
        url=reverse("publisher:integration") if site is not None else "",
        action="Connect WordPress",
    )


def _automation_item(site: Site | None) -> ChecklistItem:
    """Lit when the site's automation runs on a schedule (set on the automation page)."""
    from apps.automation.dashboard import automation_set

    return ChecklistItem(
        key="automation",
        title="Set up automation",
        hint="Let the site fill itself: on the schedule you choose, new keywords become "
        "clusters, ideas, articles and images, and land in review.",
        done=automation_set(site),
        url=reverse("automation:home") if site is not None else "",
        action="Set up automation",
        editors=True,
    )


def _pipeline_items(site: Site | None, counts: SiteCounts | None) -> list[ChecklistItem]:
    """The first trip through the pipeline: cluster, ideas, an article, an approval."""
    from apps.writer.models import Content, EditorialStatus

    if site is not None and counts is not None:
        has = {
            "clusters": counts.clusters > 0,
            "ideas": counts.ideas["any"] > 0,
            "article": counts.contents["any"] > 0,
            "approved": counts.contents["approved_any"] > 0,
        }
    else:
        has = {
            "clusters": site is not None and Cluster.objects.alive().filter(site=site).exists(),
            "ideas": site is not None and Idea.objects.alive().filter(site=site).exists(),
            "article": site is not None and Content.objects.alive().filter(site=site).exists(),
            "approved": site is not None
            and Content.objects.alive().filter(site=site, status=EditorialStatus.APPROVED).exists(),
        }
    # What the AI steps cost depends on the provider in force: say it as the pages will.
    free = costs.serving("write_content").is_offline
    steps = [
        ("clusters", "Group keywords into clusters",
         "Free and offline: keywords that mean the same thing end up together."
         + ("" if free else " Names from your AI provider are offered after, with their cost."),
         "planner:clusters", "Cluster keywords"),
        ("ideas", "Generate article ideas",
         "Titles and outlines built from each cluster's keywords: "
         + (f"{costs.FREE}." if free else "the cost is shown before it starts."),
         "planner:ideas", "See ideas"),
        ("article", "Write your first article",
         "Queue ideas to the writer, then write them"
         + (f" ({costs.FREE})" if free else ", at the cost shown first")
         + ": each becomes a draft you can edit.",
         "writer:tasks", "Go to tasks"),
        ("approved", "Review and approve it",
         "Submit a draft for review; an owner or admin approves it, ready to publish.",
         "writer:review", "Review queue"),
    ]  # fmt: skip
    return [
        ChecklistItem(
            key=key,
            title=title,
            hint=hint,
            done=bool(has[key]),
            url=reverse(name) if site is not None else "",
            action=action,
            editors=True,
        )
        for key, title, hint, name, action in steps
    ]
