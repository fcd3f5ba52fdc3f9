"""The keywords page, its bulk actions and CSV export, and the keyword trash."""

from django.urls import path

from apps.planner.views import keywords as views

urlpatterns = [
    path("keywords/", views.keyword_list, name="keywords"),
    path("keywords/bulk/", views.keyword_bulk, name="keywords_bulk"),
    path("keywords/export/", views.keyword_export, name="keywords_export"),
    path("keywords/trash/", views.keyword_trash, name="keywords_trash"),
]
