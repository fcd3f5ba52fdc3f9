"""Writer routes: content."""

urlpatterns: list = []
