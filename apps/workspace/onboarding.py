"""The onboarding checklist. Later modules add their own items here as they land."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from apps.planner.models import Keyword
from apps.workspace.models import Site


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    title: str
    hint: str
    done: bool
    url: str
    action: str


def checklist(request: HttpRequest, site: Site | None) -> list[ChecklistItem]:
    has_site = site is not None
    has_sectors = has_site and site.sectors.filter(is_active=True).exists()
    has_keywords = has_site and Keyword.objects.alive().filter(site=site).exists()
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
    return items
