"""The team page of a workspace: members, roles, site grants and invitations."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.accounts import services
from apps.accounts.forms import InvitationForm, RoleForm
from apps.accounts.models import Invitation, Membership, Role, User
from apps.accounts.selectors import open_invitations, team_members
from apps.billing.errors import PlanLimitError
from apps.workspace.models import Site, SiteAccess
from apps.workspace.services.workspace import site_access_set
from igny8.http import redirect, render_page, wants_json
from igny8.roles import require_role


def _member(request: HttpRequest, pk: int) -> Membership:
    try:
        return Membership.objects.select_related("user", "account").get(
            pk=pk, account=request.account
        )
    except Membership.DoesNotExist:
        raise Http404("No such member.") from None


def _invitation(request: HttpRequest, pk: int) -> Invitation:
    try:
        return Invitation.objects.select_related("account").get(pk=pk, account=request.account)
    except Invitation.DoesNotExist:
        raise Http404("No such invitation.") from None


def _site_choices() -> list[tuple[int, str]]:
    return list(Site.objects.order_by("name").values_list("pk", "name"))


def _removable(members: list[Membership], me: User) -> set[int]:
    """The memberships `me` is offered a "Remove" button for: never their own row (that would
    be leaving, not removing), and an owner only by another owner while one would remain.
    The service refuses the same cases; this keeps the page from offering them."""
    owners = [m for m in members if m.role == Role.OWNER]
    i_am_owner = any(m.user_id == me.pk for m in owners)
    return {
        m.pk
        for m in members
        if m.user_id != me.pk and (m.role != Role.OWNER or (i_am_owner and len(owners) > 1))
    }


def _context(request: HttpRequest, form: InvitationForm | None = None) -> dict:
    sites = _site_choices()
    names = dict(sites)
    granted: dict[int, list[int]] = {}
    for user_id, site_id in SiteAccess.objects.values_list("user_id", "site_id"):
        granted.setdefault(user_id, []).append(site_id)
    members = list(team_members(account=request.account))
    removable = _removable(members, request.user)
    for m in members:
        m.can_remove = m.pk in removable
    rows = [
        (
            m,
            sorted(names[s] for s in granted.get(m.user_id, []) if s in names),
            granted.get(m.user_id, []),
        )
        for m in members
    ]
    return {
        "rows": rows,
        "invitations": open_invitations(account=request.account),
        "form": form or InvitationForm(site_choices=sites),
        "roles": Role.choices,
        "sites": sites,
    }


@require_role(Role.ADMIN)
def team(request: HttpRequest) -> HttpResponse:
    return render_page(request, "accounts/team.html", _context(request))


@require_role(Role.ADMIN)
@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST, site_choices=_site_choices())
    if form.is_valid():
        try:
            services.invitation_create(
                account=request.account,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                site_ids=form.cleaned_data["sites"],
                invited_by=request.user,
            )
        except PlanLimitError as exc:
            if request.htmx or wants_json(request):
                raise  # UserFacingErrorMiddleware answers with the notice partial / envelope
            context = _context(request, form) | {"plan_limit": exc}
            return render_page(request, "accounts/team.html", context, status=403)
        except ValidationError as exc:
            form.add_error("email", exc.messages)
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect(request, reverse("team"))
    return render_page(request, "accounts/team.html", _context(request, form), status=400)


def _act(request: HttpRequest, action, success: str) -> HttpResponse:
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(request, reverse("team"))
    messages.success(request, success)
    return redirect(request, reverse("team"))


@require_role(Role.ADMIN)
@require_POST
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _invitation(request, pk)
    return _act(
        request,
        lambda: services.invitation_resend(invitation=invitation, by=request.user),
        f"Invitation to {invitation.email} sent again with a new link; "
        "the link in the earlier email no longer works.",
    )


@require_role(Role.ADMIN)
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _invitation(request, pk)
    return _act(
        request,
        lambda: services.invitation_revoke(invitation=invitation),
        f"Invitation to {invitation.email} withdrawn.",
    )


@require_role(Role.ADMIN)
@require_POST
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _member(request, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the listed roles.")
        return redirect(request, reverse("team"))
    role = form.cleaned_data["role"]
    return _act(
        request,
        lambda: services.membership_role_change(membership=membership, role=role, by=request.user),
        f"{membership.user.email} is now {Role(role).label.lower()}.",
    )


@require_role(Role.ADMIN)
@require_POST
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _member(request, pk)
    return _act(
        request,
        lambda: services.membership_remove(membership=membership, by=request.user),
        f"{membership.user.email} was removed from the workspace.",
    )


@require_role(Role.ADMIN)
@require_POST
def member_sites(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _member(request, pk)
    valid = {pk for pk, _ in _site_choices()}
    try:
        site_ids = [int(v) for v in request.POST.getlist("sites")]
    except ValueError:
        # A garbled form must not read as "no sites" and silently take every grant away.
        messages.error(request, "Choose sites from the list; site access was not changed.")
        return redirect(request, reverse("team"))
    site_ids = [s for s in site_ids if s in valid]
    return _act(
        request,
        lambda: site_access_set(user=membership.user, site_ids=site_ids),
        f"Site access for {membership.user.email} saved.",
    )
