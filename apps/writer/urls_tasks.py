"""Writer routes: tasks."""

urlpatterns: list = []
