from django.apps import AppConfig


class WriterConfig(AppConfig):
    name = "apps.writer"
    label = "writer"
    verbose_name = "Writer"

    def ready(self) -> None:
        from igny8.job_sweeper import job_swept

        from .services.tasks import tasks_of_dead_job

        # A write job whose worker died leaves its task "being written": say it failed.
        job_swept.connect(tasks_of_dead_job, dispatch_uid="writer.tasks_of_dead_job")
