"""Cluster pages: the list (filters, bulk actions), one cluster (its keywords and ideas, rename,
move keywords), the confirm steps for merge / dissolve / generate ideas, and job progress."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.accounts.models import Role
from apps.billing.errors import InsufficientCredits
from apps.billing.selectors import credit_summary
from apps.planner.forms.clusters import (
    ClusterRenameForm,
    IdeasGenerateForm,
    MergeForm,
    MoveKeywordsForm,
)
from apps.planner.models import Cluster, ClusterStatus
from apps.planner.selectors import clusters as selectors
from apps.planner.services import cluster_naming
from apps.planner.services import clusters as services
from apps.planner.services.ideas import (
    clusters_for_ideas,
    ideas_estimate,
    ideas_generate_enqueue,
)
from apps.workspace.context import current_site
from apps.workspace.models import Site
from apps.workspace.page_cache import cached_page
from apps.workspace.selectors import job_for_member
from igny8.ai import costs
from igny8.http import redirect, refusal, render_page
from igny8.lists import (
    Action,
    ListTable,
    Pager,
    bulk_bar,
    render_list,
    row_urls,
    search_field,
    select_field,
    sort_header,
    ticked,
)
from igny8.roles import member_has_role, require_role

PAGE_SIZE = 50
DETAIL_KEYWORDS = 500


def _site_or_404(request: HttpRequest) -> Site:
    site = current_site(request)
    if site is None:
        raise Http404("No site is shared with you.")
    return site


def job_from_query(request: HttpRequest):
    pk = request.GET.get("job")
    if not pk:
        return None
    try:
        return job_for_member(request, pk)
    except Http404:
        return None


# --- list ------------------------------------------------------------------------------------


CLUSTER_TABLE = ListTable.of(
    "planner", "clusters", "cluster", target="cluster-rows", id="clusters-table"
)
IDEAS_CHOICES = (("with", "With ideas"), ("without", "Without ideas"))
CLUSTER_ACTIONS = (
    Action("Generate ideas", url="planner:clusters_ideas", style=""),
    Action("Name with AI", url="planner:clusters_name"),
    Action("Merge", url="planner:clusters_merge"),
    Action("Dissolve", url="planner:clusters_dissolve", style="danger"),
)
# (key, label, css, the first click's direction); None: the column does not sort.
CLUSTER_COLUMNS = (
    ("name", "Name", "", "name"),
    ("sector", "Sector", "col-minor", "sector"),
    (None, "Status", "", ""),
    ("keywords", "Keywords", "num", "-keywords"),
    ("volume", "Volume", "num col-minor", "-volume"),
    ("ideas", "Ideas", "num col-minor", "-ideas"),
)


@cached_page
def cluster_list(request: HttpRequest) -> HttpResponse:
    site = current_site(request)
    context: dict = {"site": site, "can_edit": member_has_role(request, Role.EDITOR)}
    if site is None:
        return render_page(request, "planner/clusters.html", context)
    sectors = list(site.sectors.all())
    filters = selectors.CLUSTER_LIST.read(request.GET, allowed={"sector": {s.pk for s in sectors}})
    page = selectors.CLUSTER_LIST.page(
        selectors.cluster_list(site=site, filters=filters), request.GET.get("page")
    )
    url = reverse("planner:clusters")
    query = urlencode(filters.as_query())
    query_nosort = urlencode(filters.as_query(sort=False))
    context.update(
        sectors=sectors,
        fields=[
            search_field(filters, "Name or description"),
            select_field(
                filters, "sector", "Sector", "All sectors", [(s.pk, s.name) for s in sectors]
            ),
            select_field(filters, "status", "Status", "Any status", ClusterStatus.choices),
            select_field(filters, "ideas", "Ideas", "With or without", IDEAS_CHOICES),
        ],
        filters=filters,
        query=query,
        page=page,
        pager=Pager(page, query=query, label="Cluster pages"),
        headers=[
            sort_header(filters, key, label, query=query_nosort, first=first, css=css)
            if key
            else {"label": label, "css": css}
            for key, label, css, first in CLUSTER_COLUMNS
        ],
        bulk=bulk_bar("clusters", CLUSTER_ACTIONS),
        table=CLUSTER_TABLE,
        urls=row_urls(cluster="planner:cluster"),
        clear_url=url,
        new_keywords=selectors.new_keyword_count(site),
        job=job_from_query(request),
        naming_free=costs.serving("name_clusters").is_offline,
    )
    if context["can_edit"]:
        context["naming"] = naming_offer(site, context["job"])
    return render_list(request, CLUSTER_TABLE, context)


@require_POST
@require_role(Role.EDITOR)
def clusters_run(request: HttpRequest) -> HttpResponse:
    """Cluster every new, enabled keyword of the current site."""
    site = _site_or_404(request)
    job = services.cluster_keywords_enqueue(site=site, keyword_ids=None, user=request.user)
    return redirect(request, f"{reverse('planner:clusters')}?job={job.pk}")


def naming_offer(site: Site, job) -> dict | None:  # noqa: ANN001
    """After a clustering run with a real provider in force: the new clusters, and what naming
    them with that provider costs, for the job card to ask before anything is charged."""
    if job is None or job.kind != "clustering" or job.status != "succeeded":
        return None
    ids = (job.result or {}).get("to_name") or []
    if not ids or costs.serving("name_clusters").is_offline:
        return None
    clusters = cluster_naming.clusters_for_naming(site=site, cluster_ids=ids)
    if not clusters:
        return None
    price = cluster_naming.clusters_naming_price(clusters=clusters)
    return {"clusters": clusters, "price": price}


def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress card of a planner job; once finished, HTMX reloads the page under it so
    the new clusters or ideas show."""
    job = job_for_member(request, pk)
    response = render_page(request, "planner/clusters.html", {"job": job}, partial="job")
    if job.is_finished and request.htmx:
        response["HX-Refresh"] = "true"
    return response


# --- one cluster -----------------------------------------------------------------------------


def _detail(
    request: HttpRequest,
    cluster: Cluster,
    *,
    rename_form: ClusterRenameForm | None = None,
    move_form: MoveKeywordsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    keywords = list(selectors.cluster_keywords(cluster)[: DETAIL_KEYWORDS + 1])
    targets = list(selectors.move_targets(cluster))
    return render_page(
        request,
        "planner/cluster_detail.html",
        {
            "cluster": cluster,
            "keywords": keywords[:DETAIL_KEYWORDS],
            "more_keywords": len(keywords) > DETAIL_KEYWORDS,
            "ideas": selectors.cluster_ideas(cluster),
            "urls": row_urls(idea="planner:idea", cluster="planner:cluster"),
            "targets": targets,
            "can_edit": member_has_role(request, Role.EDITOR),
            "rename_form": rename_form
            or ClusterRenameForm(
                initial={"name": cluster.name, "description": cluster.description}
            ),
            "move_form": move_form,
        },
        status=status,
    )


def cluster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.cluster_for_member(request, pk))


@require_POST
@require_role(Role.EDITOR)
def cluster_rename(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = selectors.cluster_for_member(request, pk)
    old_name = cluster.name
    form = ClusterRenameForm(request.POST)
    if form.is_valid():
        try:
            services.cluster_rename(
                cluster=cluster,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field, errors)
        else:
            messages.success(request, f"Cluster saved as “{cluster.name}”.")
            return redirect(request, reverse("planner:cluster", args=[cluster.pk]))
    cluster.name = old_name
    return _detail(request, cluster, rename_form=form, status=400)


@require_POST
@require_role(Role.EDITOR)
def cluster_move_keywords(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = selectors.cluster_for_member(request, pk)
    targets = list(selectors.move_targets(cluster))
    form = MoveKeywordsForm(
        request.POST,
        keyword_ids=list(selectors.cluster_keywords(cluster).values_list("pk", flat=True)),
        targets=targets,
    )
    if form.is_valid():
        target = form.target()
        try:
            moved = services.keywords_move(
                site=cluster.site, keyword_ids=form.cleaned_data["keywords"], to=target
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            where = f"to “{target.name}”" if target else "out of the cluster (new again)"
            messages.success(request, f"Moved {moved} keyword{'s' * (moved != 1)} {where}.")
            return redirect(request, reverse("planner:cluster", args=[cluster.pk]))
    return _detail(request, cluster, move_form=form, status=400)


# --- confirm steps for the bulk actions ------------------------------------------------------


def _selected(request: HttpRequest) -> list[str]:
    return ticked(request.POST if request.method == "POST" else request.GET)


def _confirm(request: HttpRequest, action: str, context: dict, status: int = 200):
    context = {"action": action, **context}
    partial = "estimate" if request.htmx and request.htmx.target == "estimate" else None
    return render_page(
        request, "planner/clusters_confirm.html", context, partial=partial, status=status
    )


def _bad_selection(request: HttpRequest, action: str, message: str) -> HttpResponse:
    return _confirm(request, action, {"clusters": [], "problem": message}, status=400)


@require_role(Role.EDITOR)
def clusters_merge(request: HttpRequest) -> HttpResponse:
    site = _site_or_404(request)
    ids = _selected(request)
    if len(set(ids)) < 2:
        return _bad_selection(request, "merge", "Tick two or more clusters to merge.")
    clusters = selectors.clusters_by_ids(site=site, ids=ids)
    if len({c.sector_id for c in clusters}) > 1:
        return _bad_selection(
            request,
            "merge",
            "Only clusters of the same sector can be merged: a cluster's keywords all belong "
            "to its sector. Filter the list by sector and choose again.",
        )
    form = MergeForm(request.POST if request.method == "POST" else None, clusters=clusters)
    if request.method == "POST" and form.is_valid():
        into = next(c for c in clusters if c.pk == form.cleaned_data["into"])
        others = [c for c in clusters if c.pk != into.pk]
        try:
            services.cluster_merge(into=into, others=others)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request,
                f"Merged {len(others) + 1} clusters into “{into.name}”: "
                f"{into.keyword_count} keywords, {into.ideas_count} ideas.",
            )
            return redirect(request, reverse("planner:cluster", args=[into.pk]))
    status = 400 if request.method == "POST" else 200
    return _confirm(request, "merge", {"clusters": clusters, "form": form}, status=status)


@require_role(Role.EDITOR)
def clusters_dissolve(request: HttpRequest) -> HttpResponse:
    site = _site_or_404(request)
    ids = _selected(request)
    if not ids:
        return _bad_selection(request, "dissolve", "Tick the clusters to dissolve.")
    clusters = selectors.clusters_by_ids(site=site, ids=ids)
    if request.method == "POST":
        freed = services.clusters_dissolve(clusters=clusters)
        n = len(clusters)
        messages.success(
            request,
            f"Dissolved {n} cluster{'s' * (n != 1)}: {freed} keyword{'s' * (freed != 1)} "
            "are new again.",
        )
        return redirect(request, reverse("planner:clusters"))
    return _confirm(
        request,
        "dissolve",
        {
            "clusters": clusters,
            "keyword_total": sum(c.keyword_count for c in clusters),
            "idea_total": sum(c.ideas_count for c in clusters),
        },
    )


@require_role(Role.EDITOR)
def clusters_name(request: HttpRequest) -> HttpResponse:
    """Name the ticked clusters (or those a clustering run offered) with the provider in
    force: the exact cost first, then the job. A POST whose shown cost is no longer the
    price is refused and the new price shown."""
    site = _site_or_404(request)
    ids = [pk for pk in _selected(request) if str(pk).isdigit()]
    if not ids:
        return _bad_selection(request, "name", "Tick the clusters to name.")
    clusters = cluster_naming.clusters_for_naming(site=site, cluster_ids=ids)
    problem, status = "", 200
    if not clusters:
        problem, status = (
            "None of the ticked clusters can be named: they were deleted, or have no keywords.",
            400,
        )
    if request.method == "POST" and clusters:
        try:
            job = cluster_naming.clusters_name_enqueue(
                site=site,
                cluster_ids=[c.pk for c in clusters],
                user=request.user,
                shown=costs.shown_in(request.POST),
            )
        except (InsufficientCredits, costs.CostChanged, ValidationError) as exc:
            problem, status = refusal(exc)
        else:
            return redirect(request, f"{reverse('planner:clusters')}?job={job.pk}")
    context = {
        "clusters": clusters,
        "problem": problem,
        "price": cluster_naming.clusters_naming_price(clusters=clusters),
        "credits": credit_summary(account=request.account),
    }
    return _confirm(request, "name", context, status=status)


@require_role(Role.EDITOR)
def clusters_ideas(request: HttpRequest) -> HttpResponse:
    """Generate ideas for the ticked clusters: the cost first, then the job."""
    site = _site_or_404(request)
    ids = _selected(request)
    if not ids:
        return _bad_selection(request, "ideas", "Tick the clusters to generate ideas for.")
    clusters = selectors.clusters_by_ids(site=site, ids=ids)
    posted = request.method == "POST"
    bound = posted or "per_cluster" in request.GET
    form = IdeasGenerateForm((request.POST if posted else request.GET) if bound else None)
    valid = form.is_valid() if bound else True
    problem, status = "", 200
    try:
        clusters_for_ideas(site=site, cluster_ids=[c.pk for c in clusters])
    except ValidationError as exc:
        problem, status = " ".join(exc.messages), 400
    per_cluster = form.cleaned_data["per_cluster"] if bound and valid else 3
    structure = form.cleaned_structure() if bound and valid else None
    if posted and valid and not problem:
        try:
            job = ideas_generate_enqueue(
                site=site,
                cluster_ids=[c.pk for c in clusters],
                per_cluster=per_cluster,
                structure=structure,
                user=request.user,
                shown=costs.shown_in(request.POST),
            )
        except (InsufficientCredits, costs.CostChanged, ValidationError) as exc:
            problem, status = refusal(exc)
        else:
            return redirect(request, f"{reverse('planner:ideas')}?job={job.pk}")
    if posted and not valid:
        status = 400
    context = {
        "clusters": clusters,
        "form": form,
        "problem": problem,
        "per_cluster": per_cluster,
        # What the run makes: every ticked cluster gets `per_cluster` ideas.
        "idea_total_asked": per_cluster * len(clusters),
        "estimate": ideas_estimate(clusters=clusters, per_cluster=per_cluster, structure=structure)
        if valid
        else None,
        "credits": credit_summary(account=request.account),
    }
    return _confirm(request, "ideas", context, status=status)
