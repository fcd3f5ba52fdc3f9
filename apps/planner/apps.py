from django.apps import AppConfig


class PlannerConfig(AppConfig):
    name = "apps.planner"
    label = "planner"
    verbose_name = "Planner"

    def ready(self) -> None:
        # The plan's keyword limit counts this workspace's live keywords.
        from apps.billing.plans import register_usage_counter
        from apps.planner.selectors.usage import keyword_count_for_account

        register_usage_counter("keywords", keyword_count_for_account)
