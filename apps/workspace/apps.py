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

        # Billing counts the plan's sites and names what a ledger row was for through these
        # hooks: the sites and the objects a row names live here, in the workspace's schema.
        from apps.billing import ledger_refs
        from apps.billing.plans import register_usage_counter
        from apps.workspace import ledger_refs as workspace_ledger_refs
        from apps.workspace.selectors import site_count_for_account

        register_usage_counter("sites", site_count_for_account)
        ledger_refs.register_describer(workspace_ledger_refs.describe)

        # Accounts (public schema) grants and revokes sites, tells the team who joined and
        # lists the notification kinds through these hooks (apps.accounts.hooks).
        from apps.accounts import hooks
        from apps.workspace import account_hooks

        hooks.register(hooks.SITE_IDS_EXISTING, account_hooks.site_ids_existing)
        hooks.register(hooks.SITE_ACCESS_GRANT, account_hooks.site_access_grant)
        hooks.register(hooks.SITE_ACCESS_REVOKE, account_hooks.site_access_revoke)
        hooks.register(hooks.INVITATION_ACCEPTED, account_hooks.invitation_accepted)
        hooks.register(hooks.NOTIFICATION_KINDS, account_hooks.notification_kinds)
