"""allauth hooks: where people land after login/signup, and signup creating a workspace."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from apps.accounts import provisioning
from apps.accounts.selectors import memberships_of


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # A workspace is created at signup, so signup lives on the public host only.
        return not getattr(request, "is_workspace", False)

    def save_user(self, request: HttpRequest, user, form, commit: bool = True):
        user = super().save_user(request, user, form, commit=commit)
        user.name = form.cleaned_data.get("name", "").strip()
        user.save(update_fields=["name"])
        invitation_token = request.session.get("invitation_token")
        if invitation_token:
            # Joining a team, not starting a workspace: the accept page finishes the job.
            return user
        request._igny8_new_account = provisioning.workspace_create(
            name=form.cleaned_data["workspace_name"],
            slug=form.cleaned_data["workspace_slug"],
            owner=user,
        )
        return user

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        account = getattr(request, "_igny8_new_account", None)
        if account is not None:
            return provisioning.workspace_url(account, request, "/?welcome=1")
        token = request.session.get("invitation_token")
        if token:
            return f"/invite/{token}/"
        return super().get_signup_redirect_url(request)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        token = request.session.get("invitation_token")
        if token and not getattr(request, "is_workspace", False):
            return f"/invite/{token}/"
        if getattr(request, "is_workspace", False):
            return "/"
        memberships = list(memberships_of(user=request.user)[:2])
        if len(memberships) == 1:
            return provisioning.workspace_url(memberships[0].account, request)
        return "/workspaces/"

    def get_logout_redirect_url(self, request: HttpRequest) -> str:
        return provisioning.public_url(request, "/accounts/login/")
