"""Prompt overrides (Settings → Prompts) and a site's content settings: owners and admins."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.models import Role
from apps.billing.credits import cost_for
from apps.workspace.context import current_site
from apps.workspace.forms.prompts import PromptForm, SiteContentForm
from apps.workspace.models import PromptOverride
from apps.workspace.selectors import site_for_member
from apps.workspace.services import ai_content as ai_services
from igny8.ai import costs, functions, prompts
from igny8.ai.context import site_context
from igny8.form_fields import errors_onto
from igny8.http import redirect, render_page
from igny8.roles import require_role


def _posted(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


def _function_or_404(name: str) -> functions.AIFunction:
    try:
        return functions.FUNCTIONS[name]
    except KeyError:
        raise Http404("No such AI function.") from None


def _preview(request: HttpRequest, function: str, text: str) -> dict:
    """The preview of `text` for sample input and the current site's settings."""
    site = current_site(request)
    if site is None:
        context = prompts.sample_context()
    else:
        sector = site.sectors.filter(is_active=True).order_by("name").first()
        context = site_context(site, sector=sector.name if sector else "")
    try:
        rendered, error = prompts.preview(function, text=text, context=context), ""
    except ValidationError as exc:
        rendered, error = [], exc.messages[0]
    return {"preview": rendered, "preview_error": error, "preview_site": site}


@require_role(Role.ADMIN)
def prompt_list(request: HttpRequest) -> HttpResponse:
    overrides = {o.function: o for o in PromptOverride.objects.select_related("updated_by")}
    rows = [
        {"function": fn, "override": overrides.get(name)}
        for name, fn in functions.FUNCTIONS.items()
    ]
    return render_page(
        request,
        "workspace/prompts.html",
        {"rows": rows, "customised": sum(1 for r in rows if r["override"])},
    )


@require_role(Role.ADMIN)
def prompt_edit(request: HttpRequest, function: str) -> HttpResponse:
    fn = _function_or_404(function)
    text, source = prompts.template_for(function)
    form = PromptForm(_posted(request), initial={"template": text})
    wants_save = request.method == "POST" and request.POST.get("action") != "preview"
    if wants_save and form.is_valid():
        try:
            saved = ai_services.prompt_override_save(
                function=function, template=form.cleaned_data["template"], user=request.user
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(
                request,
                f"Prompt for “{fn.label}” saved."
                if saved
                else f"That is the built-in prompt for “{fn.label}”; it is used again.",
            )
            return redirect(request, reverse("workspace:prompt_edit", args=[function]))
    shown = form.data.get("template", "") if form.is_bound else text
    status = 400 if form.is_bound and form.errors else 200
    return render_page(
        request,
        "workspace/prompt_edit.html",
        {
            "function": fn,
            "form": form,
            "source": source,
            "variables": prompts.variables_help(function),
            "cost": cost_for(fn.operation),
            "price": costs.price(fn, 1),
            **_preview(request, function, shown),
        },
        status=status,
    )


@require_role(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def prompt_preview(request: HttpRequest, function: str) -> HttpResponse:
    """The preview partial for the text being edited (POST) or the template in force (GET).
    A broken template is shown as the preview's error, not as a failed request."""
    fn = _function_or_404(function)
    if request.method == "POST":
        text = request.POST.get("template", "")
    else:
        text = prompts.template_for(function)[0]
    return render(
        request,
        "workspace/prompt_edit.html#preview",
        {"function": fn, **_preview(request, function, text)},
    )


@require_role(Role.ADMIN)
@require_POST
def prompt_reset(request: HttpRequest, function: str) -> HttpResponse:
    fn = _function_or_404(function)
    if ai_services.prompt_override_reset(function=function):
        messages.success(request, f"“{fn.label}” uses the built-in prompt again.")
    else:
        messages.info(request, f"“{fn.label}” already uses the built-in prompt.")
    return redirect(request, reverse("workspace:prompt_edit", args=[function]))


@require_role(Role.ADMIN)
def site_content(request: HttpRequest, pk: int) -> HttpResponse:
    site = site_for_member(request, pk)
    initial = {name: getattr(site, name) for name in ai_services.CONTENT_FIELDS}
    form = SiteContentForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            ai_services.site_content_update(site=site, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"Content settings for “{site.name}” saved.")
            return redirect(request, reverse("workspace:sites"))
    status = 400 if form.is_bound and form.errors else 200
    return render_page(
        request, "workspace/site_content.html", {"form": form, "site": site}, status=status
    )
