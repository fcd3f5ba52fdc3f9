"""Writer routes: the optimizer and internal links of an article."""

from django.urls import path

from apps.writer.views import links as views_links
from apps.writer.views import optimize as views_optimize

urlpatterns = [
    path(
        "content/<int:pk>/optimize/",
        views_optimize.content_optimize,
        name="content_optimize",
    ),
    path("content/<int:pk>/links/", views_links.content_links, name="content_links"),
    path(
        "content/<int:pk>/links/<int:link_id>/accept/",
        views_links.link_accept,
        name="link_accept",
    ),
    path(
        "content/<int:pk>/links/<int:link_id>/dismiss/",
        views_links.link_dismiss,
        name="link_dismiss",
    ),
]
