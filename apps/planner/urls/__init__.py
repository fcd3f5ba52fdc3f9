"""Planner routes, one module per area: keywords list and bulk actions, adding/importing,
clusters, ideas."""

from django.urls import include, path

app_name = "planner"

urlpatterns = [
    path("", include("apps.planner.urls.keywords")),
    path("", include("apps.planner.urls.imports")),
    path("", include("apps.planner.urls.clusters")),
    path("", include("apps.planner.urls.ideas")),
]
