"""Writer routes: links."""

urlpatterns: list = []
