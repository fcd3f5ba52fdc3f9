"""The keywords page (search, filters, sort, pages; bulk actions; CSV export) and its trash.

Thin: read the request, check the role, ask a selector or a service, render the page or its
`rows` partial. Every list is the current site's; a bulk POST names the site it was shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.accounts.models import Role
from apps.catalog.models import Intent
from apps.planner.forms.keywords import KeywordBulkForm, TrashForm, posted_ids
from apps.planner.models import Cluster, KeywordStatus
from apps.planner.selectors import keywords as sel
from apps.planner.services import keywords as services
from apps.workspace.context import current_site
from apps.workspace.models import Sector, Site
from apps.workspace.page_cache import cached_page
from apps.workspace.selectors import site_for_member
from igny8.csvfile import csv_response
from igny8.http import redirect, render_error, render_page
from igny8.lists import Pager, page_url, wants_rows
from igny8.roles import member_has_role, require_role

TEMPLATE = "planner/keywords.html"
TRASH_TEMPLATE = "planner/trash.html"


def _n(count: int, noun: str = "keyword") -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _was(count: int) -> str:
    return "was" if count == 1 else "were"


def _can_edit(request: HttpRequest) -> bool:
    return member_has_role(request, Role.EDITOR)


def _posted_site(request: HttpRequest) -> Site:
    """The site a bulk form was shown for (role and grants applied), else the current one."""
    raw = request.POST.get("site", "")
    if raw:
        return site_for_member(request, raw)
    site = current_site(request)
    if site is None:
        raise Http404("No site.")
    return site


@dataclass
class ListState:
    site: Site
    filters: sel.KeywordFilters
    # The filter form's lists: read for the full page only (the table partial has no form).
    sectors: list[Sector] | None = None
    clusters: list[Cluster] | None = None

    @property
    def full(self) -> bool:
        return self.clusters is not None


def _state(site: Site, query: QueryDict, *, full: bool) -> ListState:
    sectors = sel.site_sectors(site=site) if full else None
    clusters = sel.site_clusters(site=site) if full else None
    filters = sel.keyword_filters(site=site, query=query, sectors=sectors, clusters=clusters)
    return ListState(site=site, filters=filters, sectors=sectors, clusters=clusters)


def _list_url(filters: sel.KeywordFilters, page: int = 1) -> str:
    return page_url(reverse("planner:keywords"), filters.as_query(), page)


def _headers(filters: sel.KeywordFilters) -> list[dict]:
    base = filters.as_query()
    url = reverse("planner:keywords")
    headers = []
    for key, sort in sel.SORTS.items():
        params = {**base, "sort": filters.sort_link(key)}
        if params["sort"] == sel.DEFAULT_SORT:
            del params["sort"]
        current = filters.sort_field == key
        headers.append(
            {
                "key": key,
                "label": sort.label,
                "numeric": key in ("volume", "difficulty", "cpc"),
                # On a phone only the keyword, its volume and its status keep a column.
                "minor": key not in ("text", "volume", "status"),
                "aria_sort": (
                    ("descending" if filters.sort_descending else "ascending") if current else ""
                ),
                "url": f"{url}?{urlencode(params)}",
            }
        )
    return headers


def _list_context(
    request: HttpRequest,
    state: ListState,
    *,
    page_number: str | int | None,
    selected: Iterable[int] = (),
    all_matching: bool = False,
    **extra,
) -> dict:
    filters = state.filters
    size = filters.per_page
    number = _page_number(page_number)
    found = sel.keyword_page(
        site=state.site, filters=filters, offset=(number - 1) * size, limit=size
    )
    if not found.rows and number > 1:
        # Past the end (a bookmark after a clean-up, a typed number): show the last page.
        total = sel.keyword_count(site=state.site, filters=filters)
        number = max(1, -(-total // size))
        if total:
            found = sel.keyword_page(
                site=state.site, filters=filters, offset=(number - 1) * size, limit=size
            )
    # The paginator only does the arithmetic; the count came with the rows.
    paginator = Paginator(range(0), size)
    paginator.count = found.total  # a cached_property: it will not count again
    page = paginator.page(number)
    page.object_list = found.rows
    query = urlencode(filters.as_query())
    list_url = reverse("planner:keywords")
    context: dict = {}
    if state.full:
        context.update(
            sectors=state.sectors,
            clusters=state.clusters,
            cluster_groups=[
                (s.name, [c for c in state.clusters if c.sector_id == s.pk]) for s in state.sectors
            ],
            intents=Intent.choices,
            statuses=KeywordStatus.choices,
            disabled_choices=sel.DISABLED_CHOICES,
            page_sizes=sel.PAGE_SIZES,
            actions=KeywordBulkForm.ACTIONS,
        )
    return {
        **context,
        "site": state.site,
        "filters": filters,
        "filter_query": filters.as_filter_query(),
        "query": query,
        "list_url": list_url,
        "headers": _headers(filters),
        "page": page,
        "pager": Pager(page, base=list_url, query=query, ends=True, label="Keyword pages"),
        "rows": sel.keyword_rows(page.object_list),
        "can_edit": _can_edit(request),
        # Strings, as the rows' ids are: the template compares them.
        "selected": {str(pk) for pk in selected},
        "all_matching": all_matching,
        **extra,
    }


def _page_number(raw: str | int | None) -> int:
    """A page number from the query string; anything else is the first page. Kept below a
    million so that the offset stays a number PostgreSQL takes (past the end shows the last)."""
    try:
        return min(max(int(raw or 1), 1), 999_999)
    except (TypeError, ValueError):
        return 1


def _no_site(request: HttpRequest, template: str) -> HttpResponse:
    return render_page(
        request,
        template,
        {"site": None, "can_manage": member_has_role(request, Role.ADMIN)},
        partial="rows",
    )


@require_safe
@cached_page
def keyword_list(request: HttpRequest) -> HttpResponse:
    site = current_site(request)
    if site is None:
        return _no_site(request, TEMPLATE)
    rows_only = wants_rows(request)
    state = _state(site, request.GET, full=not rows_only)
    context = _list_context(request, state, page_number=request.GET.get("page"))
    response = render_page(request, TEMPLATE, context, partial="rows" if rows_only else None)
    if rows_only:
        # The address bar shows what is applied, without the form's empty fields.
        response["HX-Push-Url"] = _list_url(state.filters, context["page"].number)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _after_action(request: HttpRequest, site: Site, *, status: int = 200, **extra):
    """The list again (same filters, sort and page): the table for HTMX; without it, a
    redirect to the list, or the whole page when it has something to say (a confirmation,
    an error)."""
    page_number = request.POST.get("page")
    if not request.htmx and status < 400 and not extra:
        state = _state(site, request.POST, full=False)
        return redirect(request, _list_url(state.filters, _page_number(page_number)))
    state = _state(site, request.POST, full=not request.htmx)
    context = _list_context(request, state, page_number=page_number, **extra)
    response = render_page(request, TEMPLATE, context, partial="rows", status=status)
    response["HX-Push-Url"] = "false"
    return response


@require_POST
@require_role(Role.EDITOR)
def keyword_bulk(request: HttpRequest) -> HttpResponse:
    site = _posted_site(request)
    filters = sel.keyword_filters(site=site, query=request.POST)
    form = KeywordBulkForm(request.POST)
    all_matching = request.POST.get("all_matching") == "1"
    if not form.is_valid():
        messages.error(request, form.error_text())
        return _after_action(
            request,
            site,
            status=400,
            selected=form.ids,
            all_matching=all_matching,
            chosen_action=request.POST.get("action", ""),
        )
    keywords = sel.keywords_selected(
        site=site,
        ids=form.ids,
        all_matching=form.cleaned_data["all_matching"],
        filters=filters,
    )
    action = form.cleaned_data["action"]

    if action == "delete":
        if not form.cleaned_data["confirm"]:
            return _after_action(
                request,
                site,
                selected=form.ids,
                all_matching=form.cleaned_data["all_matching"],
                chosen_action=action,
                confirm={"count": keywords.count()},
            )
        moved = services.keywords_trash(keywords=keywords)
        messages.success(request, f"Moved {_n(moved)} to the trash.")
    elif action in ("disable", "enable"):
        result = services.keywords_set_disabled(keywords=keywords, disabled=action == "disable")
        done = "Disabled" if action == "disable" else "Enabled"
        text = f"{done} {_n(result.changed)}."
        if result.unchanged:
            text += f" {result.unchanged:,} {_was(result.unchanged)} already {done.lower()}."
        messages.success(request, text)
    elif action == "intent":
        intent = form.intent_value
        count = services.keywords_set_intent(keywords=keywords, intent=intent)
        if intent:
            messages.success(
                request, f"Set the intent of {_n(count)} to {Intent(intent).label.lower()}."
            )
        else:
            messages.success(request, f"Cleared the intent of {_n(count)}.")
    elif action == "move":
        cluster = None
        if form.cluster_id is not None:
            cluster = sel.site_cluster(site=site, pk=form.cluster_id)
            if cluster is None:
                # A cluster merged or deleted since the page was shown, or another site's.
                return render_error(
                    request,
                    status=404,
                    code="not_found",
                    message="That cluster is not in this site any more. Reload the page and "
                    "choose another.",
                )
        result = services.keywords_move_to_cluster(keywords=keywords, cluster=cluster)
        if cluster is None:
            text = f"Took {_n(result.moved)} out of their clusters."
            if result.already:
                text += f" {_n(result.already)} had no cluster."
        else:
            text = f"Moved {_n(result.moved)} to “{cluster.name}”."
            if result.already:
                text += f" {_n(result.already)} {_was(result.already)} in it already."
        if result.skipped:
            text += (
                f" Skipped {_n(result.skipped)} of other sectors: a cluster holds keywords"
                " of its own sector."
            )
        messages.success(request, text)
    elif action == "cluster":
        started = services.keywords_cluster_start(site=site, keywords=keywords, user=request.user)
        skipped = (
            f" Skipped {_n(started.skipped)} already in a cluster or disabled."
            if started.skipped
            else ""
        )
        if started.job is None:
            messages.warning(
                request,
                "Nothing to cluster: only new keywords that are not disabled are grouped."
                + skipped,
            )
        else:
            messages.success(request, f"Clustering {_n(started.taken)}.{skipped}")
            if request.htmx:
                return _after_action(request, site, job=started.job)
    return _after_action(request, site)


# --- CSV export --------------------------------------------------------------------------------


EXPORT_COLUMNS = ["keyword", "volume", "difficulty", "intent", "cpc", "status", "cluster", "sector"]


def _csv_response(site: Site, rows: Iterable[tuple]) -> StreamingHttpResponse:
    """`rows` are EXPORT_COLUMNS' values in order; None (no cpc, no cluster) is written empty."""
    name = f"keywords-{slugify(site.name) or site.pk}-{timezone.localdate():%Y%m%d}.csv"
    return csv_response(chain([EXPORT_COLUMNS], rows), filename=name)


@require_http_methods(["GET", "HEAD", "POST"])
def keyword_export(request: HttpRequest) -> HttpResponse:
    """GET: every keyword matching the filters (anyone who may see the list). POST (from the
    bulk bar, editors): the ticked rows, or every matching keyword when none is ticked."""
    if request.method == "POST":
        if not _can_edit(request):
            return render_error(
                request,
                status=403,
                code="forbidden_role",
                message="Only an editor, admin or owner can use the bulk actions. "
                "The “Export CSV” link above the table exports what you see.",
            )
        site = _posted_site(request)
        query = request.POST
        ids = posted_ids(query)
        all_matching = query.get("all_matching") == "1" or not ids
    else:
        site = current_site(request)
        if site is None:
            raise Http404("No site.")
        query, ids, all_matching = request.GET, [], True
    filters = sel.keyword_filters(site=site, query=query)
    keywords = sel.keywords_selected(site=site, ids=ids, all_matching=all_matching, filters=filters)
    rows = (
        keywords.order_by(*filters.ordering())
        .values_list(
            "text",
            "volume",
            "difficulty",
            "intent",
            "cpc",
            "status",
            "cluster__name",
            "sector__name",
        )
        .iterator(chunk_size=2000)
    )
    return _csv_response(site, rows)


# --- trash ---------------------------------------------------------------------------------------


def _trash_context(request: HttpRequest, site: Site, *, page_number, **extra) -> dict:
    page = sel.TRASH_LIST.page(sel.trash_list(site=site), page_number)
    pager = Pager(page, base=reverse("planner:keywords_trash"), label="Trash pages")
    return {"site": site, "page": page, "pager": pager, "can_edit": _can_edit(request), **extra}


def _trash_render(request: HttpRequest, site: Site, *, status: int = 200, **extra):
    context = _trash_context(
        request, site, page_number=request.POST.get("page") or request.GET.get("page"), **extra
    )
    response = render_page(
        request,
        TRASH_TEMPLATE,
        context,
        partial="rows" if wants_rows(request) else None,
        status=status,
    )
    if request.method == "POST":
        response["HX-Push-Url"] = "false"
    elif wants_rows(request):
        number = context["page"].number
        response["HX-Push-Url"] = page_url(reverse("planner:keywords_trash"), {}, number)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def keyword_trash(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        site = current_site(request)
        if site is None:
            return _no_site(request, TRASH_TEMPLATE)
        return _trash_render(request, site)
    return _trash_action(request)


@require_role(Role.EDITOR)
def _trash_action(request: HttpRequest) -> HttpResponse:
    site = _posted_site(request)
    form = TrashForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.error_text())
        return _trash_render(request, site, status=400, selected=set(form.ids))
    keywords = sel.trash_selected(site=site, ids=None if form.everything else form.ids)
    action = form.cleaned_data["action"]
    if action.startswith("delete"):
        if not form.cleaned_data["confirmed"]:
            return _trash_render(
                request,
                site,
                selected=set(form.ids),
                confirm={"action": action, "count": keywords.count()},
            )
        deleted = services.keywords_delete_forever(keywords=keywords)
        messages.success(request, f"Deleted {_n(deleted)} forever.")
    else:
        restored = services.keywords_restore(account=request.account, keywords=keywords)
        messages.success(request, f"Restored {_n(restored)} to the keyword list.")
    if request.htmx:
        return _trash_render(request, site)
    page = request.POST.get("page", "")
    return redirect(
        request,
        reverse("planner:keywords_trash")
        + (f"?page={page}" if page.isdigit() and page != "1" else ""),
    )
