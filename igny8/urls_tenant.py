"""A workspace host: dashboard, sites, team, jobs; later planner, writer, billing, API."""

from django.urls import include, path

from apps.workspace.views.workspace import healthz
from igny8.admin import workspace_admin

urlpatterns = [
    # The workspace's own tables only; accounts and billing are on the platform admin.
    path("admin/", workspace_admin.urls),
    path("accounts/", include("allauth.urls")),
    path("healthz", healthz),
    path("", include("apps.accounts.urls.tenant")),
    path("", include("apps.workspace.urls.team")),
    path("planner/", include("apps.planner.urls")),
    path("writer/", include("apps.writer.urls")),
    path("automation/", include("apps.automation.urls")),
    path("publisher/", include("apps.publisher.urls")),
    path("", include("apps.workspace.urls")),
    path("billing/", include("apps.billing.urls.tenant")),
    path("api/", include("apps.publisher.api.urls")),
]
