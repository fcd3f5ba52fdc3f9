"""Writer routes: images (the page, the editor's panel, one image's file and actions)."""

from django.urls import path

from apps.writer.views import images as views

urlpatterns = [
    path("images/", views.images, name="images"),
    path("images/generate/", views.images_generate, name="images_generate"),
    path("content/<int:pk>/images/", views.content_images, name="content_images"),
    path("images/<int:pk>/file/", views.image_file, name="image_file"),
    path("images/<int:pk>/upload/", views.image_upload, name="image_upload"),
    path("images/<int:pk>/alt/", views.image_alt, name="image_alt"),
    path("images/<int:pk>/retry/", views.image_retry, name="image_retry"),
    path("images/<int:pk>/again/", views.image_again, name="image_again"),
    path("images/<int:pk>/place/", views.image_place, name="image_place"),
    path("images/<int:pk>/unplace/", views.image_unplace, name="image_unplace"),
]
