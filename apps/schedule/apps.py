from django.apps import AppConfig


class ScheduleConfig(AppConfig):
    name = "apps.schedule"
    label = "schedule"
    verbose_name = "Automation schedules"

    def ready(self) -> None:
        from apps.schedule import receivers  # noqa: F401  (a deleted site leaves the index)
