"""Idea pages: the list (filters, bulk disable/enable/trash) and editing one idea."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.models import Role
from apps.planner.forms.clusters import CONTENT_TYPE_CHOICES, STRUCTURE_CHOICES, IdeaForm
from apps.planner.models import IdeaStatus
from apps.planner.selectors import clusters as selectors
from apps.planner.services import ideas as services
from apps.planner.views.clusters import job_from_query
from apps.workspace.context import current_site
from igny8.form_fields import errors_onto
from igny8.http import redirect, render_error, render_page
from igny8.lists import (
    Action,
    ListTable,
    Pager,
    bulk_bar,
    refuse_bulk,
    render_list,
    row_urls,
    search_field,
    select_field,
    ticked,
)
from igny8.roles import member_has_role, require_role

BULK_URL = "planner:ideas_bulk"  # where the list's form posts; an action may name its own
IDEA_TABLE = ListTable.of("planner", "ideas", "idea", target="idea-rows", id="ideas-table")
DISABLED_CHOICES = (("no", "Enabled only"), ("yes", "Disabled only"))
# "Queue to writer" posts to the writer (writer:tasks_from_ideas): the planner knows no later
# stage, only the name of the writer's address.
IDEA_ACTIONS = (
    Action("Queue to writer", "queue", url="writer:tasks_from_ideas", style=""),
    Action("Disable", "disable", url=BULK_URL),
    Action("Enable", "enable", url=BULK_URL),
    Action("Move to trash", "delete", url=BULK_URL, style="danger"),
)
BULK_ACTIONS = {a.value for a in IDEA_ACTIONS if a.url == BULK_URL}


def idea_list(request: HttpRequest) -> HttpResponse:
    site = current_site(request)
    context: dict = {"site": site, "can_edit": member_has_role(request, Role.EDITOR)}
    if site is None:
        return render_page(request, "planner/ideas.html", context)
    clusters = list(selectors.site_clusters(site))
    filters = selectors.IDEA_LIST.read(request.GET, allowed={"cluster": {c.pk for c in clusters}})
    page = selectors.IDEA_LIST.page(
        selectors.idea_list(site=site, filters=filters), request.GET.get("page")
    )
    url = reverse("planner:ideas")
    query = urlencode(filters.as_query())
    context.update(
        clusters=clusters,
        fields=[
            search_field(filters, "Title or keyword"),
            select_field(filters, "status", "Status", "Any status", IdeaStatus.choices),
            select_field(
                filters, "cluster", "Cluster", "All clusters", [(c.pk, c.name) for c in clusters]
            ),
            select_field(filters, "structure", "Structure", "Any structure", STRUCTURE_CHOICES),
            select_field(
                filters,
                "content_type",
                "Content type",
                "Any type",
                CONTENT_TYPE_CHOICES,
                id="f-type",
            ),
            select_field(filters, "disabled", "Disabled", "All", DISABLED_CHOICES),
        ],
        filters=filters,
        query=query,
        page=page,
        rows=page.object_list,
        pager=Pager(page, query=query, label="Idea pages"),
        bulk=bulk_bar("ideas", IDEA_ACTIONS),
        table=IDEA_TABLE,
        urls=row_urls(idea="planner:idea", cluster="planner:cluster"),
        clear_url=url,
        job=job_from_query(request),
    )
    return render_list(request, IDEA_TABLE, context)


@require_POST
@require_role(Role.EDITOR)
def ideas_bulk(request: HttpRequest) -> HttpResponse:
    site = current_site(request)
    if site is None:
        raise Http404("No site is shared with you.")
    action = request.POST.get("action", "")
    ids = ticked(request.POST)
    refusal = refuse_bulk(
        request,
        action=action,
        allowed=BULK_ACTIONS,
        ids=ids,
        nouns="ideas",
        back=reverse("planner:ideas"),
    )
    if refusal:
        return refusal
    ideas = selectors.ideas_by_ids(site=site, ids=ids)
    if action == "delete":
        n = services.ideas_trash(ideas=ideas)
        text = f"Moved {n} idea{'s' * (n != 1)} to the trash."
    else:
        n = services.ideas_set_disabled(ideas=ideas, disabled=action == "disable")
        text = f"{'Disabled' if action == 'disable' else 'Enabled'} {n} idea{'s' * (n != 1)}."
    messages.success(request, text)
    back = request.POST.get("query", "")
    return redirect(request, reverse("planner:ideas") + (f"?{back}" if back else ""))


@require_http_methods(["GET", "HEAD", "POST"])
def idea_edit(request: HttpRequest, pk: int) -> HttpResponse:
    idea = selectors.idea_for_member(request, pk)
    can_edit = member_has_role(request, Role.EDITOR)
    if request.method == "POST" and not can_edit:
        return render_error(
            request,
            status=403,
            code="forbidden_role",
            message="Only an editor, admin or owner can change ideas. "
            "Ask an owner of this workspace if you need access.",
        )
    initial = {
        "title": idea.title,
        "structure": idea.structure,
        "content_type": idea.content_type,
        "outline": services.outline_to_text(idea.outline),
        "primary_keyword": idea.primary_keyword,
        "secondary_keywords": "\n".join(idea.secondary_keywords or []),
        "estimated_words": idea.estimated_words,
    }
    form = IdeaForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.idea_update(idea=idea, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"Idea “{idea.title}” saved.")
            return redirect(request, reverse("planner:idea", args=[idea.pk]))
    status = 400 if request.method == "POST" else 200
    return render_page(
        request,
        "planner/idea_edit.html",
        {"idea": idea, "form": form, "can_edit": can_edit},
        status=status,
    )
