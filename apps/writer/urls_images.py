"""Writer routes: images."""

urlpatterns: list = []
