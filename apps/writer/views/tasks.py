"""Task pages: the list (filters, bulk write / retry / trash / restore, live progress), a new
task by hand, one task (edit, or read for viewers) and the cost confirmation before writing."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.models import Role
from apps.billing.errors import InsufficientCredits
from apps.billing.selectors import credit_summary
from apps.planner.selectors.clusters import ideas_by_ids
from apps.workspace.context import current_site
from apps.workspace.models import Site
from apps.writer.forms.tasks import TaskForm
from apps.writer.models import TaskStatus
from apps.writer.selectors import tasks as selectors
from apps.writer.selectors.access import can_edit, task_for_member
from apps.writer.services import tasks as services
from apps.writer.services import writing
from igny8 import lists
from igny8.ai import costs
from igny8.form_fields import errors_onto
from igny8.http import redirect, render_error, render_page
from igny8.lists import Action, ListTable
from igny8.roles import require_role

ROWS = "task-rows"
TASK_TABLE = ListTable.of(
    "writer",
    "tasks",
    "task",
    target=ROWS,
    id="tasks-table",
    notice="writer/_tasks_failures.html",
    live="updating as they finish…",
)
TASK_ACTIONS = (
    Action("Write selected", url="writer:tasks_write", style=""),
    Action("Retry failed", "retry"),
    Action("Move to trash", "delete", style="danger"),
)
TRASH_ACTIONS = (Action("Restore", "restore", style=""),)
BULK_ACTIONS = {"retry", "delete", "restore"}


def _site_or_404(request: HttpRequest) -> Site:
    site = current_site(request)
    if site is None:
        raise Http404("No site is shared with you.")
    return site


def _refuse_viewer(request: HttpRequest) -> HttpResponse:
    return render_error(
        request,
        status=403,
        code="forbidden_role",
        message="Only an editor, admin or owner can change tasks. "
        "Ask an owner of this workspace if you need access.",
    )


# --- the list ----------------------------------------------------------------------------------


def task_list(request: HttpRequest) -> HttpResponse:
    site = current_site(request)
    context: dict = {"site": site, "can_edit": can_edit(request)}
    if site is None:
        return render_page(request, "writer/tasks.html", context)
    sectors = list(site.sectors.order_by("name"))
    clusters = list(selectors.site_clusters(site))
    filters = selectors.TASK_LIST.read(
        request.GET,
        allowed={"sector": {s.pk for s in sectors}, "cluster": {c.pk for c in clusters}},
    )
    page = selectors.TASK_LIST.page(
        selectors.task_list(site=site, filters=filters), request.GET.get("page")
    )
    counts = selectors.status_counts(site)
    url = reverse("writer:tasks")
    query = filters.as_query()
    poll_query = {**query, **({"page": str(page.number)} if page.number > 1 else {})}
    context.update(
        sectors=sectors,
        clusters=clusters,
        fields=[
            lists.search_field(filters, "Title or keyword"),
            lists.select_field(filters, "status", "Status", "Any status", TaskStatus.choices),
            lists.select_field(
                filters, "sector", "Sector", "All sectors", [(s.pk, s.name) for s in sectors]
            ),
            lists.select_field(
                filters, "cluster", "Cluster", "All clusters", [(c.pk, c.name) for c in clusters]
            ),
        ],
        filters=filters,
        query=urlencode(query),
        poll_query=urlencode(poll_query),
        page=page,
        pager=lists.Pager(page, query=urlencode(query), label="Task pages"),
        bulk=lists.bulk_bar("tasks", TRASH_ACTIONS if filters.trashed else TASK_ACTIONS),
        table=TASK_TABLE,
        urls={
            **lists.row_urls(task="writer:task", cluster="planner:cluster"),
            "write": reverse("writer:tasks_write"),
        },
        count_where=" in the trash" if filters.trashed else "",
        clear_url=url + ("?trashed=1" if filters.trashed else ""),
        counts=counts,
        total=sum(counts.values()),
        trashed=selectors.trashed_count(site),
        polling=selectors.any_writing(list(page.object_list)),
        failures=(
            # One failed task says why on its row; several get a count of the reasons too.
            selectors.failures_summary(site) if counts["failed"] > 1 and not filters.trashed else ""
        ),
    )
    # A filter change moves the address; the 2-second refresh of the same list must not.
    return lists.render_list(
        request, TASK_TABLE, context, push=request.htmx.trigger != ROWS if request.htmx else False
    )


def _after_write(query: str) -> str:
    """Back to the list the person came from, without its status filter: the tasks just
    started are no longer `queued` or `failed`, and they should see them being written."""
    params = QueryDict(query, mutable=True)
    params.pop("status", None)
    params.pop("page", None)
    rest = params.urlencode()
    return reverse("writer:tasks") + (f"?{rest}" if rest else "")


def _back(request: HttpRequest) -> str:
    back = request.POST.get("query", "")
    return reverse("writer:tasks") + (f"?{back}" if back else "")


@require_POST
@require_role(Role.EDITOR)
def tasks_bulk(request: HttpRequest) -> HttpResponse:
    """Retry failed, move to the trash, or restore from it, for the ticked tasks."""
    site = _site_or_404(request)
    action = request.POST.get("action", "")
    ids = lists.ticked(request.POST)
    refusal = lists.refuse_bulk(
        request, action=action, allowed=BULK_ACTIONS, ids=ids, nouns="tasks", back=_back(request)
    )
    if refusal:
        return refusal
    tasks = selectors.tasks_by_ids(site=site, ids=ids, trashed=action == "restore")
    if action == "retry":
        text = services.tasks_retry(site=site, tasks=tasks).message("Queued again")
    elif action == "delete":
        text = services.tasks_trash(site=site, tasks=tasks).message("Moved to the trash")
    else:
        text = services.tasks_restore(site=site, tasks=tasks).message("Restored")
    messages.success(request, text)
    return redirect(request, _back(request))


# --- writing: the cost first, then the jobs ----------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@require_role(Role.EDITOR)
def tasks_write(request: HttpRequest) -> HttpResponse:
    """The cost of writing the ticked tasks; confirmed (a POST with `confirmed`), one job each.

    The list's "Write selected" posts here without `confirmed`, so it only shows the cost.
    `anyway` writes tasks the near-duplicate guard held."""
    site = _site_or_404(request)
    data = request.POST if request.method == "POST" else request.GET
    ids = lists.ticked(data)
    anyway = data.get("anyway") == "1"
    back = data.get("query", "")
    if not ids:
        return render_error(
            request,
            status=400,
            code="nothing_selected",
            message="Tick the tasks to write first, then choose “Write selected”.",
            action_url=reverse("writer:tasks"),
            action_label="Back to tasks",
        )
    tasks = selectors.tasks_by_ids(site=site, ids=ids)
    problem, status = "", 200
    if request.method == "POST" and data.get("confirmed") == "1":
        try:
            start = writing.tasks_write_enqueue(
                site=site,
                tasks=tasks,
                user=request.user,
                allow_duplicate=anyway,
                shown=costs.shown_in(data),
            )
        except (InsufficientCredits, costs.CostChanged) as exc:
            problem, status = exc.message, exc.status
        else:
            if start.jobs:
                messages.info(request, start.message())
            else:
                messages.warning(request, start.message())
            return redirect(request, _after_write(back))
    config = costs.in_force()
    rows = [(t, writing.task_problem(t), writing.task_estimate(t, config=config)) for t in tasks]
    ready = [(t, cost) for t, why, cost in rows if not why]
    estimate = costs.total([cost for _, cost in ready], config=config)
    context = {
        "rows": rows,
        "ready": len(ready),
        "rewrites": sum(1 for t, _ in ready if getattr(t, "content", None) is not None),
        "held": sum(1 for t, _ in ready if t.duplicate_of_id),
        "skipped": [why for _, why, _ in rows if why],
        "estimate": estimate,
        "credits": credit_summary(account=request.account),
        "anyway": anyway,
        "query": back,
        "problem": problem,
    }
    return render_page(request, "writer/tasks_confirm.html", context, status=status)


# --- one task ----------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@require_role(Role.EDITOR)
def task_new(request: HttpRequest) -> HttpResponse:
    site = _site_or_404(request)
    form = TaskForm(request.POST if request.method == "POST" else None, site=site)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_create(site=site, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"Task “{task.title}” added. Write it from the list.")
            return redirect(request, reverse("writer:tasks"))
    status = 400 if request.method == "POST" else 200
    return render_page(
        request,
        "writer/task_form.html",
        {"form": form, "task": None, "site": site, "can_edit": True},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    task = task_for_member(request, pk)
    editor = can_edit(request)
    if request.method == "POST" and not editor:
        return _refuse_viewer(request)
    writing_now = services.task_is_writing(task)
    form = TaskForm(
        request.POST if request.method == "POST" else None,
        site=task.site,
        initial=TaskForm.initial_for(task),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.task_update(task=task, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"Task “{task.title}” saved.")
            return redirect(request, reverse("writer:task", args=[task.pk]))
    status = 400 if request.method == "POST" else 200
    content = getattr(task, "content", None)  # the reverse one-to-one raises when none
    return render_page(
        request,
        "writer/task_form.html",
        {
            "form": form,
            "task": task,
            "site": task.site,
            "can_edit": editor,
            "writing_now": writing_now,
            "content": content,
            "estimate": writing.task_estimate(task),
        },
        status=status,
    )


@require_POST
@require_role(Role.EDITOR)
def tasks_from_ideas_view(request: HttpRequest) -> HttpResponse:
    """ "Queue to writer" on the ideas page: a task per ticked idea, then back to the ideas.

    The writer owns this action (the planner, an earlier stage, knows nothing of the writer);
    the ideas page's button posts here with the page's ticked ids and filters.
    """
    site = _site_or_404(request)
    ids = [pk for pk in request.POST.getlist("ids") if pk]
    if not ids:
        return render_error(
            request,
            status=400,
            code="nothing_selected",
            message="Tick the ideas first, then choose what to do with them.",
            action_url=reverse("planner:ideas"),
            action_label="Back to ideas",
        )
    outcome = services.tasks_from_ideas(
        site=site, ideas=ideas_by_ids(site=site, ids=ids), user=request.user
    )
    messages.success(
        request,
        format_html(
            '{} <a href="{}">Open the tasks</a>', outcome.message(), reverse("writer:tasks")
        ),
    )
    back = request.POST.get("query", "")
    return redirect(request, reverse("planner:ideas") + (f"?{back}" if back else ""))
