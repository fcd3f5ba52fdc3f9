"""Shared pieces of the tests for adding keywords: a site with two sectors, a viewer, files,
and readers for what the summary shows."""

from __future__ import annotations

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django_tenants.utils import schema_context

from apps.billing.models import Plan
from apps.billing.plans import subscription_for
from apps.planner.models import Keyword, normalize_keyword
from apps.workspace.models import Sector, Site
from tests.factories import make_site
from tests.fixtures import Workspace
from tests.members import sectors_of, viewer_fixture  # noqa: F401  (re-exported)

ADD = "/planner/keywords/add/"
IMPORT = "/planner/import/"
LIBRARY = "/planner/library/"
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(name="site")
def site_fixture(alpha, viewer) -> Site:
    """Alpha's site under test: two sectors, granted to alpha's editor and the viewer."""
    return make_site(alpha.account, "Import Site", sectors=2, grant=[alpha.editor, viewer])


def keywords(ws: Workspace, **filters) -> list[Keyword]:
    """Every keyword of the workspace (live and trashed) matching the filters, in text order."""
    with schema_context(ws.schema):
        return list(Keyword.objects.filter(**filters).order_by("text"))


def texts(ws: Workspace, **filters) -> list[str]:
    return [k.text for k in keywords(ws, **filters)]


def put_keyword(ws: Workspace, sector: Sector, text: str, *, trashed: bool = False) -> Keyword:
    from django.utils import timezone

    with schema_context(ws.schema):
        return Keyword.objects.create(
            site_id=sector.site_id,
            sector=sector,
            text=text,
            normalized=normalize_keyword(text),
            deleted_at=timezone.now() if trashed else None,
        )


def keyword_limit(ws: Workspace, limit: int) -> None:
    """Lower the workspace plan's keyword limit for this test (rolled back afterwards)."""
    plan = subscription_for(ws.account).plan
    Plan.objects.filter(pk=plan.pk).update(max_keywords=limit)


def csv_file(text: str | bytes, name: str = "keywords.csv") -> SimpleUploadedFile:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


def page_text(response: HttpResponse) -> str:
    """The response as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def summary_line(response: HttpResponse) -> str:
    found = re.search(r"data-summary-line>(.*?)</p>", response.content.decode(), re.S)
    return html.unescape(found.group(1)).strip() if found else ""


def reasons(response: HttpResponse) -> dict[int, str]:
    """The summary's table of rows not added: line → reason."""
    rows = re.findall(
        r'<tr data-line="(\d+)">.*?<td class="reason">(.*?)</td>', response.content.decode(), re.S
    )
    return {int(line): html.unescape(reason) for line, reason in rows}


def field_errors(response: HttpResponse) -> str:
    found = re.findall(r'<ul class="errorlist"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", f)).strip() for f in found)
