from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "apps.workspace"
    label = "workspace"
    verbose_name = "Workspace"

    def ready(self) -> None:
        # Billing (public schema) announces spent credits; the workspace decides whether
        # they are running low and tells its managers.
        from apps.billing.signals import credits_spent
        from apps.workspace.notification_triggers import credits_low_check

        credits_spent.connect(credits_low_check, dispatch_uid="workspace.credits_low_check")
