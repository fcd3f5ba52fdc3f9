"""Writer routes: tasks (the list polls itself for progress; see views_tasks.task_list)."""

from django.urls import path

from apps.writer.views import tasks as views

urlpatterns = [
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/new/", views.task_new, name="task_new"),
    path("tasks/write/", views.tasks_write, name="tasks_write"),
    path("tasks/bulk/", views.tasks_bulk, name="tasks_bulk"),
    path("tasks/from-ideas/", views.tasks_from_ideas_view, name="tasks_from_ideas"),
    path("tasks/<int:pk>/", views.task_edit, name="task"),
]
