from django.apps import AppConfig


class PublisherConfig(AppConfig):
    name = "apps.publisher"
    label = "publisher"
    verbose_name = "Publisher"

    def ready(self) -> None:
        from apps.publisher import receivers  # noqa: F401  (an approval wakes the schedule)
