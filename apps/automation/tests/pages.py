"""Shared pieces of the automation page tests: the people who may (or may not) use the pages,
a site with an active run, and readers of what the pages show."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import Role, User
from apps.automation.models import AutomationRun, RunStatus, StageResult, StageStatus
from apps.automation.runlog import log_name_for, run_log
from apps.workspace.models import Site, SiteAccess
from tests.factories import make_member, make_site
from tests.fixtures import Workspace


@dataclass
class People:
    owner: User
    admin: User
    editor: User  # granted the site
    stranger_editor: User  # an editor of the workspace, not granted the site
    viewer: User  # granted the site, reads only
    outsider: User  # a member of another workspace only


def people(ws: Workspace, site: Site, outsider: User) -> People:
    admin = make_member(ws.account, Role.ADMIN)
    stranger = make_member(ws.account, Role.EDITOR)
    viewer = make_member(ws.account, Role.VIEWER)
    with schema_context(ws.schema):
        SiteAccess.objects.get_or_create(site=site, user_id=ws.editor.pk)
        SiteAccess.objects.create(site=site, user_id=viewer.pk)
    return People(
        owner=ws.owner,
        admin=admin,
        editor=ws.editor,
        stranger_editor=stranger,
        viewer=viewer,
        outsider=outsider,
    )


def site_with_run(
    ws: Workspace, *, status: str = RunStatus.RUNNING, name: str = "Garden Blog"
) -> tuple[Site, AutomationRun]:
    """A site whose run is at stage 4 (articles), 3 of 10 done, with a log and stage rows."""
    site = make_site(ws.account, name, sectors=1)
    with schema_context(ws.schema):
        now = timezone.now()
        run = AutomationRun.objects.create(
            site=site,
            status=status,
            started_by_id=ws.owner.pk,
            stage=4,
            item=3,
            started=now,
            request_id="req-abc123",
        )
        run.log_name = log_name_for(run.pk)
        run.save(update_fields=["log_name"])
        for n in (1, 2, 3):
            StageResult.objects.create(
                run=run, stage=n, status=StageStatus.DONE, processed=5, total=5, started=now
            )
        StageResult.objects.create(
            run=run,
            stage=4,
            status=StageStatus.RUNNING,
            processed=2,
            skipped=1,
            total=10,
            credits=0,
            skip_reasons={"too close to an article the site already has (near-duplicate guard)": 1},
            started=now,
        )
        run_log(run, "stage 4 (Tasks → articles) started: 10 tasks to go")
    return site, run


def text(response: HttpResponse) -> str:
    return response.content.decode()


def words(response: HttpResponse) -> str:
    """What a person reads: tags dropped, entities decoded, spaces collapsed."""
    plain = re.sub(r"<[^>]+>", " ", text(response))
    return re.sub(r"\s+", " ", html.unescape(plain)).strip()


def input_value(response: HttpResponse, name: str) -> str | None:
    """The value an <input name=…> shows, or None when there is no such input."""
    match = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', text(response))
    if match is None:
        return None
    value = re.search(r'\bvalue="([^"]*)"', match.group(0))
    return html.unescape(value.group(1)) if value else ""
