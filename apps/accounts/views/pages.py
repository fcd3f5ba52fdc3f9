"""Public-host pages (landing, workspace chooser, new workspace, invitations) and profile."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.accounts import provisioning, services
from apps.accounts.forms import NotificationEmailsForm, ProfileForm, WorkspaceCreateForm
from apps.accounts.selectors import invitation_by_token, memberships_of
from igny8.http import redirect, render_page
from igny8.ratelimit import rate_limit_hit


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/landing.html")


@login_required
def workspace_chooser(request: HttpRequest) -> HttpResponse:
    memberships = [
        (m, provisioning.workspace_url(m.account, request))
        for m in memberships_of(user=request.user)
    ]
    return render(request, "accounts/chooser.html", {"memberships": memberships})


@login_required
def workspace_new(request: HttpRequest) -> HttpResponse:
    form = WorkspaceCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = provisioning.workspace_create(
                name=form.cleaned_data["workspace_name"],
                slug=form.cleaned_data["workspace_slug"],
                owner=request.user,
                timezone=form.cleaned_data.get("timezone") or "UTC",
            )
        except ValidationError as exc:
            form.add_error("workspace_slug", exc.messages)
        else:
            return redirect(request, provisioning.workspace_url(account, request, "/?welcome=1"))
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/workspace_new.html", {"form": form}, status=status)


# Anonymous and cheap to call, so limited: which addresses are taken is no list to read.
SLUG_CHECKS_PER_MINUTE = 30


def slug_suggestion(request: HttpRequest) -> JsonResponse:
    """The signup form, as you type: the address a name suggests (`?name=`) or the one typed
    (`?slug=`), and whether it is available. Yes or no; never which workspace has it."""
    if not rate_limit_hit(request, action="slug_check", amount=SLUG_CHECKS_PER_MINUTE, seconds=60):
        response = JsonResponse(
            {
                "error": "Too many address checks from your connection. Wait a minute, then "
                "try again; you can also just submit the form."
            },
            status=429,
        )
        response["Retry-After"] = "60"
        return response
    if "slug" in request.GET:
        slug = request.GET["slug"].strip()[:30]
    else:
        slug = provisioning.slug_from_name(request.GET.get("name", "")[:100])
    return JsonResponse(
        {"slug": slug, "available": bool(slug) and provisioning.slug_available(slug)}
    )


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_by_token(token=token)
    if invitation is None:
        raise Http404("No such invitation.")
    user = request.user if request.user.is_authenticated else None
    if user is not None and invitation.accepted_by_id == user.pk:
        # Following the link again after accepting: just go to the workspace.
        return redirect(request, provisioning.workspace_url(invitation.account, request))
    context = {
        "invitation": invitation,
        "error": services.invitation_problem(invitation=invitation, user=user),
        "wrong_user": user is not None and user.email.lower() != invitation.email.lower(),
    }
    if context["error"]:
        if request.session.get("invitation_token") == token:
            del request.session["invitation_token"]
        return render(request, "accounts/invitation.html", context, status=400)
    if user is None:
        # Remember the invitation through login or signup, then come back here.
        request.session["invitation_token"] = token
        context["has_account"] = EmailAddress.objects.filter(
            email__iexact=invitation.email
        ).exists()
        return render(request, "accounts/invitation.html", context)
    if request.method == "POST":
        try:
            services.invitation_accept(invitation=invitation, user=user)
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
            return render(request, "accounts/invitation.html", context, status=400)
        request.session.pop("invitation_token", None)
        messages.success(request, f"Welcome to {invitation.account.name}!")
        return redirect(request, provisioning.workspace_url(invitation.account, request))
    return render(request, "accounts/invitation.html", context)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    form.fields["email"].disabled = True
    if request.method == "POST" and form.is_valid():
        services.profile_update(user=request.user, name=form.cleaned_data["name"])
        messages.success(request, "Profile saved.")
        return redirect(request, reverse("profile"))
    status = 400 if request.method == "POST" else 200
    emails = NotificationEmailsForm(initial={"kinds": request.user.notification_emails})
    context = {"form": form, "emails_form": emails}
    return render_page(request, "accounts/profile.html", context, status=status)


@login_required
@require_POST
def profile_notification_emails(request: HttpRequest) -> HttpResponse:
    emails = NotificationEmailsForm(request.POST)
    if emails.is_valid():
        kinds = emails.cleaned_data["kinds"]
        services.profile_notification_emails_set(user=request.user, kinds=kinds)
        messages.success(
            request,
            "Saved: you will get emails about what you ticked."
            if kinds
            else "Saved: no notification emails; they stay in the bell.",
        )
        return redirect(request, reverse("profile"))
    form = ProfileForm(instance=request.user)
    form.fields["email"].disabled = True
    context = {"form": form, "emails_form": emails}
    return render_page(request, "accounts/profile.html", context, status=400)
