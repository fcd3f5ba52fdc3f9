"""The review flow: submit, approve, reject with a note, and the review queue."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.accounts.models import Role
from apps.workspace.context import current_site
from apps.writer.forms.content import RejectForm
from apps.writer.models import Content
from apps.writer.selectors import content as sel
from apps.writer.selectors.access import can_approve, can_edit, content_for_member
from apps.writer.services import content as services
from apps.writer.views.content import back_to, editor_url, refused
from igny8.http import redirect, render_page
from igny8.lists import ticked
from igny8.roles import member_has_role


def _title(content: Content) -> str:
    return f"“{content.title}”"


def _review_step(
    request: HttpRequest, pk: int, step: Callable[..., object], done: str
) -> HttpResponse:
    """One review step on an article (`done` says it, with {title}), then back where the
    person was: a refusal of their role is a 403, a refusal of the article's state a message."""
    content = content_for_member(request, pk)
    try:
        step(content=content, actor=sel.actor_for(request, content.site))
    except PermissionDenied as exc:
        return refused(request, exc)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, done.format(title=_title(content)))
    return redirect(request, back_to(request, editor_url(content)))


@require_POST
def content_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_step(
        request,
        pk,
        services.content_submit,
        "{title} is waiting for review. An owner or admin approves it or sends it back with "
        "a note.",
    )


@require_POST
def content_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_step(request, pk, services.content_approve, "Approved {title}.")


@require_http_methods(["GET", "HEAD", "POST"])
def content_reject(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the note form on a page of its own (where a failed reject lands, note kept).
    POST: send the article back to draft with the note."""
    content = content_for_member(request, pk)
    actor = sel.actor_for(request, content.site)
    if not actor.can_approve:
        return refused(
            request,
            PermissionDenied(
                "Only an owner or admin can reject articles on this site (editors too when "
                "the site's content settings allow it)."
            ),
        )
    form = RejectForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.content_reject(
                    content=content, actor=actor, note=form.cleaned_data["note"]
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages[0])
            else:
                messages.success(request, f"Sent {_title(content)} back to draft with your note.")
                return redirect(request, back_to(request, editor_url(content)))
    return render_page(
        request,
        "writer/review.html",
        {
            "content": content,
            "reject_form": form,
            "rejecting": True,
            "next": back_to(request, editor_url(content)),
        },
        status=status,
    )


@require_safe
def review_queue(request: HttpRequest) -> HttpResponse:
    site = current_site(request)
    context: dict = {"site": site, "can_edit": can_edit(request)}
    if site is None:
        context["can_manage"] = member_has_role(request, Role.ADMIN)
        return render_page(request, "writer/review.html", context)
    context.update(
        contents=list(sel.review_queue(site=site)),
        can_approve=can_approve(request, site),
        reject_form=RejectForm(),
        next=request.get_full_path(),
    )
    return render_page(request, "writer/review.html", context)


@require_POST
def review_approve(request: HttpRequest) -> HttpResponse:
    """Approve the ticked articles of the review queue at once; any that cannot be approved
    (changed meanwhile, not in review) are named with the reason, the others go through."""
    site = current_site(request)
    back = reverse("writer:review")
    if site is None:
        return redirect(request, back)
    actor = sel.actor_for(request, site)
    if not actor.can_approve:
        return refused(
            request,
            PermissionDenied(
                "Only an owner or admin can approve articles on this site (editors too when "
                "the site's content settings allow it)."
            ),
        )
    ids = {int(pk) for pk in ticked(request.POST) if pk.isdigit()}
    if not ids:
        messages.error(request, "Tick the articles to approve first.")
        return redirect(request, back)
    approved, problems = 0, []
    for content in Content.objects.alive().filter(site=site, pk__in=ids).order_by("pk"):
        try:
            services.content_approve(content=content, actor=actor)
        except ValidationError as exc:
            problems.append(f"{_title(content)}: {exc.messages[0]}")
        else:
            approved += 1
    if approved:
        messages.success(request, f"Approved {approved} article{'s' * (approved != 1)}.")
    for problem in problems[:10]:
        messages.warning(request, f"Not approved: {problem}")
    return redirect(request, back)
