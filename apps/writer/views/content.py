"""The content list and the editor (explicit save, HTMX autosave, live preview)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.accounts.models import Role
from apps.workspace.context import current_site
from apps.workspace.page_cache import cached_page
from apps.writer import html as article
from apps.writer import scoring
from apps.writer.forms.content import ContentForm
from apps.writer.models import (
    META_DESCRIPTION_MAX,
    META_TITLE_MAX,
    Content,
    EditorialStatus,
    ImageKind,
    PublishingStatus,
)
from apps.writer.selectors import content as sel
from apps.writer.selectors.access import can_edit, content_for_member
from apps.writer.services import content as services
from apps.writer.services.images_body import image_src
from igny8.csp import allow_article_images
from igny8.http import redirect, render_error, render_page
from igny8.lists import ListTable, Pager, render_list, row_urls, search_field, select_field
from igny8.roles import member_has_role

CONTENT_TABLE = ListTable.of(
    "writer", "contents", "article", target="content-rows", before="writer/_publish_many.html"
)
EDITOR = "writer/content_edit.html"
SENT_BACK = (
    "The article was approved; your change sent it back to draft. Submit it for review again "
    "when it is ready."
)


def refused(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    """A role refusal as a 403 in plain words."""
    return render_error(request, status=403, code="forbidden_role", message=str(exc))


def back_to(request: HttpRequest, default: str) -> str:
    """The local page a form asked to return to (`next`), else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def editor_url(content: Content) -> str:
    return reverse("writer:content", args=[content.pk])


# --- the list ------------------------------------------------------------------------------


@require_safe
@cached_page
def content_list(request: HttpRequest) -> HttpResponse:
    site = current_site(request)
    context: dict = {"site": site, "can_edit": can_edit(request)}
    if site is None:
        context["can_manage"] = member_has_role(request, Role.ADMIN)
        return render_page(request, "writer/contents.html", context)
    sectors = list(site.sectors.order_by("name"))
    filters = sel.CONTENT_LIST.read(request.GET, allowed={"sector": {s.pk for s in sectors}})
    # The table shows none of the article's body: left unread, a page of long articles does
    # not travel from the database and through the driver for nothing.
    contents = sel.content_list(site=site, filters=filters).defer(
        "html", "excerpt", "secondary_keywords"
    )
    page = sel.CONTENT_LIST.page(contents, request.GET.get("page"))
    query = urlencode(filters.as_query())
    url = reverse("writer:contents")
    context.update(
        sectors=sectors,
        fields=[
            search_field(filters, "Title, keyword or slug"),
            select_field(filters, "status", "Status", "Any status", EditorialStatus.choices),
            select_field(filters, "publishing", "Publishing", "Any", PublishingStatus.choices),
            select_field(
                filters, "sector", "Sector", "All sectors", [(s.pk, s.name) for s in sectors]
            ),
        ],
        filters=filters,
        query=query,
        page=page,
        pager=Pager(page, query=query, label="Content pages"),
        table=CONTENT_TABLE,
        urls=row_urls(content="writer:content"),
        clear_url=url,
    )
    counts = sel.status_counts(site=site)
    context.update(
        status_tabs=[(v, label, counts[v]) for v, label in EditorialStatus.choices],
        total=sum(counts.values()),
    )
    return render_list(request, CONTENT_TABLE, context)


# --- the editor ----------------------------------------------------------------------------


def editor_context(request: HttpRequest, content: Content, **extra) -> dict:
    """Everything the editor page and its partials show."""
    actor = sel.actor_for(request, content.site)
    latest = sel.latest_version(content)
    score = scoring.score(scoring.score_input_for(content))
    featured = content.images.filter(kind=ImageKind.FEATURED).exclude(file="").first()
    context = {
        "content": content,
        "site": content.site,
        "actor": actor,
        "can_edit": actor.can_edit,
        "can_approve": actor.can_approve,
        "latest": latest,
        "score": score,
        "score_band": "good" if score.total >= 80 else "fair" if score.total >= 50 else "poor",
        "score_word": "Good" if score.total >= 80 else "Fair" if score.total >= 50 else "Poor",
        "body": article.sanitize(content.html),
        "meta_title_max": META_TITLE_MAX,
        "meta_description_max": META_DESCRIPTION_MAX,
        "submitted_by": content.submitted_by if content.submitted_by_id else None,
        "approved_by": content.approved_by if content.approved_by_id else None,
        # Shown above the preview: the site shows it above the article, not inside the body.
        "featured": featured,
        "featured_src": image_src(featured) if featured else "",
    }
    context.update(extra)
    if "form" not in context:
        initial = ContentForm.initial_for(content, base_version=latest.number if latest else 0)
        context["form"] = ContentForm(initial=initial)
    return context


@require_http_methods(["GET", "HEAD", "POST"])
@allow_article_images
def content_edit(request: HttpRequest, pk: int) -> HttpResponse:
    content = content_for_member(request, pk)
    if request.method != "POST":
        return render_page(request, EDITOR, editor_context(request, content))
    actor = sel.actor_for(request, content.site)
    if not actor.can_edit:
        return refused(request, PermissionDenied(services.CANNOT_EDIT))
    form = ContentForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            update = services.content_update(
                content=content,
                actor=actor,
                changes=form.changes(),
                base_version=form.cleaned_data["base_version"],
            )
        except services.EditConflict as exc:
            form.add_error(None, exc.messages[0])
            status = 409
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            if update.version:
                messages.success(request, f"Saved as version {update.version.number}.")
            else:
                messages.info(request, "Nothing changed since the last save.")
            if update.sent_back:
                messages.warning(request, SENT_BACK)
            return redirect(request, editor_url(content))
    # Show what was typed, with the errors; nothing is lost.
    preview = article.sanitize(request.POST.get("html", ""))
    return render_page(
        request, EDITOR, editor_context(request, content, form=form, body=preview), status=status
    )


def _autosaved(
    request: HttpRequest,
    content: Content,
    *,
    error: str = "",
    status: int = 200,
    update: services.Update | None = None,
) -> HttpResponse:
    context = editor_context(request, content, form=None, save_error=error, update=update)
    response = render(request, f"{EDITOR}#autosaved", context, status=status)
    # The page's script swaps only answers carrying this header, so a login page or a server
    # error never lands inside the editor.
    response["X-Autosave"] = "error" if error else "ok"
    return response


@require_POST
def content_autosave(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the editor's fields (HTMX, a few seconds after typing stops). Answers the saved
    indicator and, out of band, the score panel and the version the editor is now at."""
    content = content_for_member(request, pk)
    actor = sel.actor_for(request, content.site)
    if not actor.can_edit:
        return _autosaved(request, content, error=services.CANNOT_EDIT, status=403)
    form = ContentForm(request.POST)
    if not form.is_valid():
        return _autosaved(request, content, error=form.error_text(), status=400)
    try:
        update = services.content_update(
            content=content,
            actor=actor,
            changes=form.changes(),
            autosave=True,
            base_version=form.cleaned_data["base_version"],
        )
    except services.EditConflict as exc:
        return _autosaved(request, content, error=exc.messages[0], status=409)
    except ValidationError as exc:
        return _autosaved(request, content, error=exc.messages[0], status=400)
    return _autosaved(request, content, update=update)


@require_POST
def content_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The typed HTML as it will read, sanitised the way a save sanitises it."""
    content = content_for_member(request, pk)
    if not can_edit(request):
        return refused(request, PermissionDenied(services.CANNOT_EDIT))
    body = article.sanitize(request.POST.get("html", ""))
    return render(
        request,
        f"{EDITOR}#preview",
        {"content": content, "body": body, "words": article.word_count(body), "live": True},
    )
