from django.apps import AppConfig


class ScheduleConfig(AppConfig):
    name = "apps.schedule"
    label = "schedule"
    verbose_name = "Automation schedules"

    def ready(self) -> None:
        # A workspace's new timezone re-times its schedules (accounts calls the hook).
        from apps.accounts import hooks
        from apps.schedule import receivers  # noqa: F401  (a deleted site leaves the index)
        from apps.schedule.services import schedules_retime

        hooks.register(hooks.TIMEZONE_CHANGED, lambda account: schedules_retime(account=account))
