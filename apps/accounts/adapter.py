"""allauth hooks: where people land after login/signup (and which `next` they may follow),
signup creating a workspace, failed logins counted per address."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect

from apps.accounts import provisioning
from apps.accounts.redirects import redirect_allowed
from apps.accounts.selectors import invitation_open_by_token, memberships_of


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # A workspace is created at signup, so signup lives on the public host only; on a
        # workspace host people are sent there instead of meeting a "signup closed" page.
        if getattr(request, "is_workspace", False):
            raise ImmediateHttpResponse(
                HttpResponseRedirect(provisioning.public_url(request, "/accounts/signup/"))
            )
        return True

    def save_user(self, request: HttpRequest, user, form, commit: bool = True):
        user.name = form.cleaned_data.get("name", "").strip()
        user = super().save_user(request, user, form, commit=commit)
        if getattr(form, "invitation", None) is not None:
            # Joining a team, not starting a workspace: the accept page finishes the job.
            return user
        request._igny8_new_account = provisioning.workspace_create(
            name=form.cleaned_data["workspace_name"],
            slug=form.cleaned_data["workspace_slug"],
            owner=user,
            timezone=form.cleaned_data.get("timezone") or "UTC",
        )
        return user

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        account = getattr(request, "_igny8_new_account", None)
        if account is not None:
            return provisioning.workspace_url(account, request, "/?welcome=1")
        return _invitation_path(request) or "/workspaces/"

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if getattr(request, "is_workspace", False):
            return "/"
        invitation_path = _invitation_path(request)
        if invitation_path:
            return invitation_path
        memberships = list(memberships_of(user=request.user)[:2])
        if len(memberships) == 1:
            return provisioning.workspace_url(memberships[0].account, request)
        return "/workspaces/"

    def is_safe_url(self, url: str | None) -> bool:
        # allauth's own check accepts every subdomain of ALLOWED_HOSTS, workspaces of strangers
        # (anyone can make one) included.
        return redirect_allowed(allauth_context.request, url)

    def get_logout_redirect_url(self, request: HttpRequest) -> str:
        return provisioning.public_url(request, "/accounts/login/")

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials) -> str:
        # allauth counts failed logins per "site domain + address", and without
        # django.contrib.sites the site is the request's host: every workspace host (and
        # anyone can make one) would get five fresh tries. One count per address, whichever
        # host is asked. (The cache key function keeps the schema out as well: igny8/cache.py.)
        login = credentials.get("email", credentials.get("username", "")).lower()
        return f"{settings.IGNY8_BASE_DOMAIN}:{login}"


def _invitation_path(request: HttpRequest) -> str:
    """The accept page of the invitation this person is in the middle of, if still open."""
    # The session keeps the token from the link: the database has only its digest.
    token = request.session.get("invitation_token")
    invitation = invitation_open_by_token(token=token)
    return f"/invite/{token}/" if invitation is not None else ""
