from django.apps import AppConfig


class PublisherConfig(AppConfig):
    name = "apps.publisher"
    label = "publisher"
    verbose_name = "Publisher"
