"""Workspace pages: dashboard with the onboarding checklist, sites, sectors, jobs."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from apps.accounts.models import Role
from apps.billing.errors import PlanLimitError
from apps.billing.plans import limit_check, subscription_for
from apps.billing.selectors import credit_summary
from apps.workspace.context import current_site, current_site_set
from apps.workspace.forms.workspace import SectorsForm, SiteForm
from apps.workspace.onboarding import checklist
from apps.workspace.page_cache import cached_page
from apps.workspace.pipeline import site_counts, site_pipeline
from apps.workspace.selectors import job_for_member, site_for_member, sites_for_member
from apps.workspace.services import workspace as services
from igny8.form_fields import errors_onto
from igny8.http import redirect, render_page, wants_json
from igny8.roles import member_has_role, require_role


@cached_page
def dashboard(request: HttpRequest) -> HttpResponse:
    from apps.automation.dashboard import active_run

    site = current_site(request)
    counts = site_counts(site) if site is not None else None
    items = checklist(request, site, counts)
    # The plan-state middleware read the subscription a moment ago in this request.
    plan_state = getattr(request, "plan_state", None)
    subscription = getattr(plan_state, "subscription", None)
    return render_page(
        request,
        "workspace/dashboard.html",
        {
            "checklist": items,
            "checklist_done": sum(1 for i in items if i.done),
            "welcome": request.GET.get("welcome") == "1",
            "site_count": len(request._visible_sites),
            "credits": credit_summary(
                account=request.account,
                subscription=subscription,
                seen=getattr(request, "credit_pools_seen", None),
            ),
            "pipeline": site_pipeline(site, counts) if site is not None else [],
            "automation_run": active_run(site),
            "can_edit": member_has_role(request, Role.EDITOR),
        },
    )


def site_list(request: HttpRequest) -> HttpResponse:
    sites = sites_for_member(request).select_related("industry")
    return render_page(
        request,
        "workspace/sites.html",
        {"sites": sites, "can_manage": member_has_role(request, Role.ADMIN)},
    )


def _posted(request: HttpRequest) -> QueryDict | None:
    """The POST data, or None on GET. An empty POST (say, every box unticked and the CSRF
    token sent as an HTMX header) is still a submission and must show its errors."""
    return request.POST if request.method == "POST" else None


@require_role(Role.ADMIN)
def site_create(request: HttpRequest) -> HttpResponse:
    form = SiteForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            site = services.site_create(
                account=request.account,
                name=form.cleaned_data["name"],
                url=form.cleaned_data["url"],
                industry=form.cleaned_data["industry"],
                language=form.cleaned_data["language"],
            )
        except PlanLimitError as exc:
            if request.htmx or wants_json(request):
                raise  # UserFacingErrorMiddleware answers with the notice partial / envelope
            # 403 with the way out, and the form as typed: nothing the person entered is lost.
            return render_page(
                request,
                "workspace/site_form.html",
                {"form": form, "site": None, "plan_limit": exc},
                status=403,
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            current_site_set(request, site)
            messages.success(request, f"Site “{site.name}” added. Now choose its sectors.")
            return redirect(request, reverse("workspace:site_sectors", args=[site.pk]))
    plan_limit = None
    if request.method != "POST":
        try:
            limit_check(request.account, "sites")
        except PlanLimitError as exc:
            plan_limit = exc
    status = 400 if request.method == "POST" else 200
    return render_page(
        request,
        "workspace/site_form.html",
        {"form": form, "site": None, "plan_limit": plan_limit},
        status=status,
    )


@require_role(Role.ADMIN)
def site_edit(request: HttpRequest, pk: int) -> HttpResponse:
    site = site_for_member(request, pk)
    initial = {
        "name": site.name,
        "url": site.url,
        "industry": site.industry_id,
        "language": site.language,
        "is_active": site.is_active,
    }
    form = SiteForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.site_update(site=site, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"Site “{site.name}” saved.")
            return redirect(request, reverse("workspace:sites"))
    status = 400 if request.method == "POST" else 200
    return render_page(
        request, "workspace/site_form.html", {"form": form, "site": site}, status=status
    )


@require_role(Role.ADMIN)
def site_sectors(request: HttpRequest, pk: int) -> HttpResponse:
    site = site_for_member(request, pk)
    chosen = list(site.sectors.values_list("industry_sector_id", flat=True))
    max_sectors = subscription_for(request.account).plan.max_sectors_per_site
    form = SectorsForm(_posted(request), industry_id=site.industry_id, initial={"sectors": chosen})
    if request.method == "POST" and form.is_valid():
        try:
            services.site_sectors_set(
                account=request.account,
                site=site,
                industry_sector_ids=[s.pk for s in form.cleaned_data["sectors"]],
            )
        except PlanLimitError as exc:
            if request.htmx or wants_json(request):
                raise  # UserFacingErrorMiddleware answers with the notice partial / envelope
            return render_page(
                request,
                "workspace/site_sectors.html",
                {
                    "form": form,
                    "site": site,
                    "chosen": chosen,
                    "plan_limit": exc,
                    "max_sectors": max_sectors,
                },
                status=403,
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"Sectors for “{site.name}” saved.")
            return redirect(request, reverse("workspace:sites"))
    status = 400 if request.method == "POST" else 200
    return render_page(
        request,
        "workspace/site_sectors.html",
        {"form": form, "site": site, "chosen": chosen, "max_sectors": max_sectors},
        status=status,
    )


@require_POST
def site_switch(request: HttpRequest) -> HttpResponse:
    site = site_for_member(request, request.POST.get("site", ""))
    current_site_set(request, site)
    target = request.POST.get("next") or "/"
    # Only a path on this host: "//evil", "/\\evil" and "javascript:" would leave it.
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    return redirect(request, target)


def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_for_member(request, pk)
    return render_page(request, "workspace/job.html", {"job": job}, partial="progress")


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
