from django.urls import path

from apps.planner.views import ideas as views
from apps.planner.views import ideas_trash as views_ideas_trash

urlpatterns = [
    path("ideas/", views.idea_list, name="ideas"),
    path("ideas/trash/", views_ideas_trash.ideas_trash, name="ideas_trash"),
    path("ideas/bulk/", views.ideas_bulk, name="ideas_bulk"),
    path("ideas/<int:pk>/", views.idea_edit, name="idea"),
]
