"""Writer routes, one module per area: tasks, content (editor, versions, review, trash),
images, optimizer and internal links."""

from django.urls import include, path

app_name = "writer"

urlpatterns = [
    path("", include("apps.writer.urls.tasks")),
    path("", include("apps.writer.urls.content")),
    path("", include("apps.writer.urls.images")),
    path("", include("apps.writer.urls.links")),
]
