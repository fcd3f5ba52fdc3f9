"""A workspace host: dashboard, sites, team, jobs; later planner, writer, billing, API."""

from django.contrib import admin
from django.urls import include, path

from apps.workspace.views import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("healthz", healthz),
    path("", include("apps.accounts.urls_tenant")),
    path("planner/", include("apps.planner.urls")),
    path("writer/", include("apps.writer.urls")),
    path("", include("apps.workspace.urls")),
    path("billing/", include("apps.billing.urls")),
]
