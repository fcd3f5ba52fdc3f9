"""Adding keywords: by hand or pasted, a CSV import (and its job and rejected rows), the library."""

from django.urls import path

from apps.planner.views import imports as views

urlpatterns = [
    path("keywords/add/", views.keyword_add, name="keyword_add"),
    path("import/", views.keyword_import, name="import"),
    path("import/<int:pk>/", views.import_status, name="import_status"),
    path("import/<int:pk>/rejected.csv", views.import_rejected, name="import_rejected"),
    path("library/", views.library, name="library"),
]
