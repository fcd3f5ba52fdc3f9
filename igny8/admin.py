"""The two admins, one per side of the schema split.

- `django.contrib.admin.site` is the **platform admin**, served on the public host
  (`igny8.urls_public`). It holds the public schema's tables only: the SHARED apps' own
  registrations plus what third-party apps (allauth, django-q2) register on it by default.
- `workspace_admin` is a **workspace's admin**, served on every workspace host
  (`igny8.urls_tenant`). It holds TENANT apps' models only, read from the schema of the host.

A model is registered on the side where its table lives: a tenant table registered on the
platform admin answers 500 (no such relation in `public`), and a shared table on a workspace
admin would let staff change platform rows, or delete a tenant, from inside one workspace.
`igny8.tests.test_admin_sites` walks every page of both to keep it that way.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse

admin.site.site_header = "IGNY8 platform admin"
admin.site.site_title = "IGNY8 platform admin"
admin.site.index_title = "Platform administration"


class WorkspaceAdminSite(admin.AdminSite):
    """Staff's view of one workspace's tables, on that workspace's host. Every page names the
    workspace and links back to the platform admin; access is platform staff only, as on the
    platform admin (members who are not staff are sent to the admin login)."""

    site_title = "IGNY8 workspace admin"
    site_url = "/"  # "View site": the workspace's own dashboard

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        from apps.accounts.provisioning import public_url

        context = super().each_context(request)
        account = getattr(request, "tenant", None)
        name = account.name if account is not None else ""
        context.update(
            site_header=f"Workspace admin: {name}",
            workspace_name=name,
            workspace_host=request.get_host().split(":", 1)[0],
            platform_admin_url=public_url(request, "/admin/"),
        )
        return context

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> TemplateResponse:
        account = getattr(request, "tenant", None)
        title = f"{account.name}: this workspace's tables" if account else "This workspace"
        return super().index(request, {"title": title, **(extra_context or {})})


workspace_admin = WorkspaceAdminSite(name="workspace_admin")
