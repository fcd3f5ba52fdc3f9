"""Optimize an article: what the free fixes will change, what is left for the AI and its
cost first; then a job (the fixes, then the AI when needed); then the score before and after,
what changed and, for every check still failing, why."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from apps.billing.errors import InsufficientCredits
from apps.billing.selectors import credit_summary
from apps.workspace.models import Job
from apps.workspace.selectors import job_for_member
from apps.writer.selectors.access import can_edit, content_for_member
from apps.writer.services import optimize as services
from igny8.ai import costs
from igny8.http import redirect, refusal, render_error, render_page

TEMPLATE = "writer/optimize.html"
JOB_TARGET = "optimize-job"


def _job(request: HttpRequest) -> Job | None:
    """The optimize job named by ?job=, when the member may see it."""
    pk = request.GET.get("job")
    if not pk:
        return None
    try:
        job = job_for_member(request, pk)
    except Http404:
        return None
    return job if job.kind == "optimize" else None


def job_error(job: Job | None) -> str:
    """A failed job's error in plain words (without the exception's class name)."""
    if job is None or not job.error:
        return ""
    head, _, rest = job.error.partition(": ")
    return rest if rest and "." in head and " " not in head else job.error


@require_http_methods(["GET", "HEAD", "POST"])
def content_optimize(request: HttpRequest, pk: int) -> HttpResponse:
    content = content_for_member(request, pk)
    editable = can_edit(request)
    if request.method == "POST" and not editable:
        return render_error(
            request,
            status=403,
            code="forbidden_role",
            message="Only an editor, admin or owner can optimize an article. "
            "Ask an owner of this workspace if you need access.",
        )
    job = _job(request)
    context = {"content": content, "site": content.site, "job": job, "job_error": job_error(job)}
    if job is not None and request.htmx and request.htmx.target == JOB_TARGET:
        response = render_page(request, TEMPLATE, context, partial="job")
        if job.is_finished:
            # The rest of the page (score, plan, buttons) describes the article before the
            # run: load it again, with this result on top.
            response["HX-Refresh"] = "true"
        return response
    problem, status = "", 200
    if request.method == "POST":
        use_model = request.POST.get("mode") != "rules"
        try:
            job = services.content_optimize_enqueue(
                content=content,
                user=request.user,
                use_model=use_model,
                shown=costs.shown_in(request.POST),
            )
        except (InsufficientCredits, costs.CostChanged, ValidationError) as exc:
            problem, status = refusal(exc)
        else:
            url = reverse("writer:content_optimize", args=[content.pk])
            return redirect(request, f"{url}?job={job.pk}")
    score = services.current_score(content)
    plan = None
    try:
        plan = services.optimize_plan(content)
    except ValidationError as exc:
        problem = problem or " ".join(exc.messages)
    context.update(
        score=score,
        fixes=score.fixes,
        plan=plan,
        estimate=plan.estimate if plan else None,
        credits=credit_summary(account=request.account),
        can_edit=editable,
        problem=problem,
        buy_credits=status == 402,
    )
    return render_page(request, TEMPLATE, context, status=status)
