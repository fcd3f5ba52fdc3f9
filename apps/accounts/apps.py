from django.apps import AppConfig, apps


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Workspaces and users"

    def ready(self) -> None:
        # allauth calls its app "Accounts", which sat next to ours in the platform admin and
        # read as the same thing twice. What it holds is each user's sign-in addresses.
        apps.get_app_config("account").verbose_name = "Sign-in email addresses"
