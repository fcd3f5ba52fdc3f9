"""Planner routes, one module per area: keywords list and bulk actions, adding/importing,
clusters, ideas."""

from django.urls import include, path

app_name = "planner"

urlpatterns = [
    path("", include("apps.planner.urls_keywords")),
    path("", include("apps.planner.urls_import")),
    path("", include("apps.planner.urls_clusters")),
    path("", include("apps.planner.urls_ideas")),
]
