"""Getting keywords in: add by hand or paste, import a CSV file, pick from the library.

Thin: find the current site and the sector asked for (404 for anything not this site's),
check the role, hand the rows to the import service, show its report. Viewers may browse the
library; everything that adds needs an editor (or above) with a grant on the site.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods, require_safe

from apps.accounts.models import Role
from apps.billing.plans import subscription_for, usage
from apps.planner.forms.imports import CsvImportForm, KeywordForm, PasteForm
from apps.planner.importing import ImportFileError, paste_rows, size_check
from apps.planner.models import KeywordSource
from apps.planner.selectors import imports as sel
from apps.planner.services import imports as services
from apps.planner.services.keywords_add import keywords_add
from apps.workspace.context import current_site
from apps.workspace.models import Job, JobStatus
from igny8.csvfile import csv_response
from igny8.http import render_error, render_page
from igny8.roles import member_has_role, require_role

LIBRARY_PAGE_SIZE = 50


def _keyword_meter(request: HttpRequest) -> dict:
    used = usage(request.account, "keywords")
    limit = subscription_for(request.account).plan.limit_for("keywords")
    return {"used": used, "limit": limit, "left": limit - used}


def _base(request: HttpRequest) -> dict:
    site = current_site(request)
    sectors = sel.site_sectors(site=site) if site else []
    return {
        "site": site,
        "sectors": sectors,
        "can_edit": member_has_role(request, Role.EDITOR),
        "can_manage": member_has_role(request, Role.ADMIN),
    }


def _require_sectors(request: HttpRequest, ctx: dict) -> None:
    """A POST needs a site with sectors the member can see; anything else is not found."""
    if request.method == "POST" and not (ctx["site"] and ctx["sectors"]):
        raise Http404("No site with sectors to add keywords to.")


def _outcome(result: dict, job: Job | None) -> dict:
    """What the summary partial shows: the report's counts, its first rows, the download."""
    return {"result": result, "shown": result.get("not_added", [])[:20], "record": job}


def _job_context(job: Job) -> dict:
    """An import job: its progress while it runs, its report once it is done."""
    ctx: dict = {"job": job}
    if job.status == JobStatus.SUCCEEDED:
        ctx.update(_outcome(job.result, job))
    # The job keeps the sentence a person reads (igny8.jobs); rows from before that kept the
    # exception's class name in front of it.
    error = job.error.splitlines()[0] if job.error else ""
    ctx["job_error"] = re.sub(r"^[\w.]+(?:Error|Exception): ", "", error)
    return ctx


@require_role(Role.EDITOR)
@require_http_methods(["GET", "POST"])
def keyword_add(request: HttpRequest) -> HttpResponse:
    """One keyword typed in, or many pasted; both go through the same import service."""
    ctx = _base(request)
    _require_sectors(request, ctx)
    site = ctx["site"]
    mode = request.POST.get("mode") if request.method == "POST" else None
    status = 200
    one = paste = None
    if site is not None and ctx["sectors"]:
        one = KeywordForm(request.POST if mode == "one" else None, site=site, prefix="one")
        paste = PasteForm(request.POST if mode == "paste" else None, site=site, prefix="paste")
        form = {"one": one, "paste": paste}.get(mode or "")
        if form is not None:
            if request.POST.get(f"{mode}-sector"):
                sel.sector_of_site(site=site, pk=request.POST[f"{mode}-sector"])  # else 404
            if form.is_valid():
                sector = form.cleaned_data["sector"]
                rows = form.rows() if mode == "one" else paste_rows(form.cleaned_data["lines"])
                report = keywords_add(
                    account=request.account,
                    site=site,
                    sector=sector,
                    rows=rows,
                    source=KeywordSource.MANUAL,
                )
                if mode == "paste":
                    report.columns = ["pasted line"]
                label = "Keywords pasted" if mode == "paste" else "Keyword added by hand"
                job = services.import_record(
                    report=report, user=request.user, label=f"{label} into {sector.name}"
                )
                ctx.update(_outcome(report.as_result(), job))
                ctx["mode"] = mode
                # A fresh form for the next keywords, keeping the sector just used.
                initial = {"sector": sector.pk}
                if mode == "one":
                    one = KeywordForm(site=site, prefix="one", initial=initial)
                else:
                    paste = PasteForm(site=site, prefix="paste", initial=initial)
            else:
                status = 400
    ctx.update({"one": one, "paste": paste, "meter": _keyword_meter(request)})
    return render_page(request, "planner/keyword_add.html", ctx, partial="panel", status=status)


@require_role(Role.EDITOR)
@require_http_methods(["GET", "POST"])
def keyword_import(request: HttpRequest) -> HttpResponse:
    """Upload a CSV: small files import at once, large ones as a job with a progress bar."""
    ctx = _base(request)
    _require_sectors(request, ctx)
    site = ctx["site"]
    status = 200
    form = None
    if site is not None and ctx["sectors"]:
        posted = request.method == "POST"
        form = CsvImportForm(
            request.POST if posted else None, request.FILES if posted else None, site=site
        )
        if posted:
            if request.POST.get("sector"):
                sel.sector_of_site(site=site, pk=request.POST["sector"])  # else 404
            status = 400
            if form.is_valid():
                upload = form.cleaned_data["file"]
                sector = form.cleaned_data["sector"]
                try:
                    size_check(upload.size)  # before reading 1 GB into memory
                    outcome = services.keywords_import_upload(
                        account=request.account,
                        site=site,
                        sector=sector,
                        data=upload.read(),
                        name=upload.name,
                        user=request.user,
                    )
                except ImportFileError as exc:
                    form.add_error("file", exc.message)
                else:
                    status = 200
                    if outcome.report is not None:
                        ctx.update(_outcome(outcome.report.as_result(), outcome.job))
                    else:
                        ctx.update(_job_context(outcome.job))
                    form = CsvImportForm(site=site, initial={"sector": sector.pk})
    ctx.update({"form": form, "meter": _keyword_meter(request)})
    return render_page(request, "planner/import.html", ctx, partial="panel", status=status)


@require_safe
def import_status(request: HttpRequest, pk: int) -> HttpResponse:
    """An import job's progress (polled) and, once finished, its summary."""
    job = sel.import_for_member(request, pk)
    ctx = {**_base(request), **_job_context(job), "form": None}
    if job.is_finished:
        ctx["meter"] = _keyword_meter(request)
    return render_page(request, "planner/import.html", ctx, partial="job")


@require_safe
def import_rejected(request: HttpRequest, pk: int) -> HttpResponse:
    """The rows an import did not add, as CSV: line, keyword, reason, then the row's columns."""
    job = sel.import_for_member(request, pk)
    # The byte-order mark: people open this file in Excel to fix the rows and import again.
    return csv_response(
        services.rejected_rows(job.result),
        filename=f"rejected-rows-{job.pk}.csv",
        byte_order_mark=True,
    )


@require_http_methods(["GET", "POST"])
def library(request: HttpRequest) -> HttpResponse:
    """The keyword library of the site's sectors: search, filter by sector, pick many, add."""
    if request.method == "POST":
        return _library_add(request)
    return _library_page(request, _base(request))


@require_role(Role.EDITOR)
def _library_add(request: HttpRequest) -> HttpResponse:
    ctx = _base(request)
    _require_sectors(request, ctx)
    try:
        seed_ids = {int(value) for value in request.POST.getlist("seed")}
    except ValueError:
        return render_error(
            request,
            status=400,
            code="bad_choice",
            message="Some of the chosen keywords are not in the library. Reload the page and "
            "pick again.",
        )
    report = services.library_add(account=request.account, site=ctx["site"], seed_ids=seed_ids)
    job = services.import_record(
        report=report, user=request.user, label="Keywords from the library"
    )
    ctx.update(_outcome(report.as_result(), job))
    return _library_page(request, ctx)


def _library_page(request: HttpRequest, ctx: dict) -> HttpResponse:
    site, sectors = ctx["site"], ctx["sectors"]
    query = request.GET
    chosen = [s for s in sectors if str(s.pk) == query.get("sector", "")]
    q = query.get("q", "").strip()[:100]
    page = None
    if sectors:
        seeds = sel.library_list(sectors=chosen or sectors, q=q)
        page = Paginator(seeds, LIBRARY_PAGE_SIZE).get_page(query.get("page"))
        marks = sel.library_marks(site=site, sectors=sectors, seeds=list(page.object_list))
        names = {s.industry_sector_id: s.name for s in sectors}
        ctx["rows"] = [(seed, names[seed.sector_id], marks.get(seed.pk)) for seed in page]
    params = {k: v for k, v in (("sector", chosen[0].pk if chosen else ""), ("q", q)) if v}
    ctx.update(
        {
            "page": page,
            "filters": {"sector": chosen[0].pk if chosen else None, "q": q},
            "query": urlencode(params),
            "meter": _keyword_meter(request),
        }
    )
    return render_page(request, "planner/library.html", ctx, partial="results")
