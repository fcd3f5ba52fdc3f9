from django.apps import AppConfig


class AutomationAppConfig(AppConfig):
    name = "apps.automation"
    label = "automation"
    verbose_name = "Automation"

    def ready(self) -> None:
        from igny8.job_sweeper import job_swept

        from .services.runs import run_of_dead_job

        # A run whose worker died goes on in a new job, from its saved stage and item.
        job_swept.connect(run_of_dead_job, dispatch_uid="automation.run_of_dead_job")
