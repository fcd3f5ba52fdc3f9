from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "apps.billing"
    label = "billing"
    verbose_name = "Billing and credits"

    def ready(self) -> None:
        from apps.billing import credits, plans

        # The ledger asks the plans whether an account may spend (see credits._spend_guard).
        credits.register_spend_guard(plans.ensure_can_spend)
