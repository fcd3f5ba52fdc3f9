"""Writer routes, one module per area: tasks, content (editor, versions, review, trash),
images, optimizer and internal links."""

from django.urls import include, path

app_name = "writer"

urlpatterns = [
    path("", include("apps.writer.urls_tasks")),
    path("", include("apps.writer.urls_content")),
    path("", include("apps.writer.urls_images")),
    path("", include("apps.writer.urls_links")),
]
