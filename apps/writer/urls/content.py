"""Writer routes: content (list, editor, autosave, preview), versions, review and trash."""

from django.urls import path

from apps.writer.views import content as views_content
from apps.writer.views import review as views_review
from apps.writer.views import trash as views_trash
from apps.writer.views import versions as views_versions

urlpatterns = [
    path("content/", views_content.content_list, name="contents"),
    path("content/<int:pk>/", views_content.content_edit, name="content"),
    path("content/<int:pk>/autosave/", views_content.content_autosave, name="content_autosave"),
    path("content/<int:pk>/preview/", views_content.content_preview, name="content_preview"),
    path("content/<int:pk>/versions/", views_versions.content_versions, name="content_versions"),
    path(
        "content/<int:pk>/versions/diff/",
        views_versions.content_version_diff,
        name="content_version_diff",
    ),
    path(
        "content/<int:pk>/versions/<int:number>/restore/",
        views_versions.content_version_restore,
        name="content_version_restore",
    ),
    path("content/<int:pk>/submit/", views_review.content_submit, name="content_submit"),
    path("content/<int:pk>/approve/", views_review.content_approve, name="content_approve"),
    path("content/<int:pk>/reject/", views_review.content_reject, name="content_reject"),
    path("content/<int:pk>/delete/", views_trash.content_delete, name="content_delete"),
    path("review/", views_review.review_queue, name="review"),
    path("review/approve/", views_review.review_approve, name="review_approve"),
    path("trash/", views_trash.trash, name="trash"),
]
