"""Images: the page grouped by content, the editor's panel (prompts, generate, retry, upload,
alt text; progress while a job runs), the bulk confirm step and the file itself.

The panel is self-contained: every form in it posts to these views and gets the panel back
(HTMX), so the editor only lazy-loads `/writer/content/<pk>/images/`. Without JavaScript the
forms post normally and land on the panel's own full page.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import Role
from apps.billing.errors import InsufficientCredits
from apps.billing.selectors import credit_summary
from apps.workspace.context import current_site
from apps.writer import selectors_images as selectors
from apps.writer.forms_images import ImageAltForm, ImageUploadForm
from apps.writer.models import Content, Image, ImageStatus
from apps.writer.selectors import can_edit, content_for_member, image_for_member
from apps.writer.services import images as services
from apps.writer.services import images_files as files
from igny8.ai import costs
from igny8.http import redirect, render_page
from igny8.roles import require_role

TEMPLATE = "writer/images.html"
PAGE_SIZE = 10
PANEL_ACTIONS = {"prompts", "generate", "retry"}


def _shown(request: HttpRequest) -> int | None:
    """The credits the page showed on the button that posted (None when it sent none)."""
    shown = request.POST.get("shown", "")
    return int(shown) if shown.isdigit() else None


def _page_mode(request: HttpRequest) -> bool:
    """Is the panel shown on the images page (with its article's title) or in the editor?"""
    return (request.POST.get("in") or request.GET.get("in")) == "page"


def _context(request: HttpRequest, contents: list[Content], *, page_mode: bool, **extra) -> dict:
    per_image = services.per_image_cost()
    return {
        "panels": selectors.panels_for(contents, per_image=per_image),
        "can_edit": can_edit(request),
        "page_mode": page_mode,
        "per_image": per_image,
        "prompts_cost": services.prompts_cost(),
        "credits": credit_summary(account=request.account),
        **extra,
    }


def _panel(
    request: HttpRequest,
    content: Content,
    *,
    status: int = 200,
    problem: str = "",
    image_error: dict | None = None,
) -> HttpResponse:
    """One content's panel: the partial for HTMX, else the panel's own full page."""
    context = _context(
        request,
        [content],
        # The panel's own full page (no JavaScript) is never the images page.
        page_mode=_page_mode(request) and bool(request.htmx),
        single=content,
        site=content.site,
        problem=problem,
        image_error=image_error or {},
    )
    context["panel"] = context["panels"][0]
    if request.htmx and request.GET.get("part") == "progress":
        response = render_page(request, TEMPLATE, context, partial="progress")
        if not context["panel"].generating:
            # Done: the panel reloads once to show the new pictures and actions.
            response["HX-Trigger"] = f"images-refresh-{content.pk}"
        return response
    response = render_page(request, TEMPLATE, context, partial="panel", status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _done(
    request: HttpRequest, content: Content, text: str, *, started: bool = False
) -> HttpResponse:
    # A job that has only started is news ("Info"), not a success ("Done").
    (messages.info if started else messages.success)(request, text)
    if request.htmx:
        return _panel(request, content)
    if _page_mode(request):
        return redirect(request, reverse("writer:images") + f"#images-panel-{content.pk}")
    return redirect(request, reverse("writer:content_images", args=[content.pk]))


# --- the page --------------------------------------------------------------------------------


@require_GET
def images(request: HttpRequest) -> HttpResponse:
    site = current_site(request)
    if site is None:
        return render_page(request, TEMPLATE, {"site": None, "can_edit": can_edit(request)})
    filters = selectors.ImageFilters.from_query(request.GET)
    page = Paginator(selectors.image_contents(site=site, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = _context(
        request,
        list(page.object_list),
        page_mode=True,
        site=site,
        page=page,
        filters=filters,
        statuses=ImageStatus.choices,
        query=urlencode(filters.as_query()),
    )
    return render_page(request, TEMPLATE, context)


@require_http_methods(["GET", "HEAD", "POST"])
def content_images(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the panel. POST `action`: prompts, generate or retry (editors and up)."""
    content = content_for_member(request, pk)
    if request.method != "POST":
        return _panel(request, content)
    return _panel_action(request, content)


@require_role(Role.EDITOR)
def _panel_action(request: HttpRequest, content: Content) -> HttpResponse:
    action = request.POST.get("action", "")
    if action not in PANEL_ACTIONS:
        return _panel(request, content, status=400, problem="Choose what to do with the images.")
    try:
        if action == "prompts":
            services.image_prompts_enqueue(
                content=content, user=request.user, shown=_shown(request)
            )
            text = "Writing image prompts: they appear here in a moment, then generate the images."
        else:
            retry = action == "retry"
            n = len(services.images_waiting([content], failed_only=retry))
            services.images_generate_enqueue(
                contents=[content], user=request.user, failed_only=retry, shown=_shown(request)
            )
            text = f"Generating {n} image{'s' * (n != 1)}; each one appears as it is ready."
    except (InsufficientCredits, costs.CostChanged) as exc:
        return _panel(request, content, status=exc.status, problem=exc.message)
    except ValidationError as exc:
        return _panel(request, content, status=400, problem=" ".join(exc.messages))
    return _done(request, content, text, started=True)


# --- one image -------------------------------------------------------------------------------


def _image_problem(request: HttpRequest, image: Image, field: str, message: str, value=""):
    error = {"image": image.pk, "field": field, "message": message, "value": value}
    return _panel(request, image.content, status=400, image_error=error)


@require_POST
@require_role(Role.EDITOR)
def image_upload(request: HttpRequest, pk: int) -> HttpResponse:
    image = image_for_member(request, pk)
    form = ImageUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _image_problem(request, image, "file", " ".join(form.errors["file"]))
    try:
        files.image_upload(image=image, upload=form.cleaned_data["file"])
    except ValidationError as exc:
        return _image_problem(request, image, "file", " ".join(exc.messages))
    return _done(request, image.content, "Picture replaced with your upload.")


@require_POST
@require_role(Role.EDITOR)
def image_alt(request: HttpRequest, pk: int) -> HttpResponse:
    image = image_for_member(request, pk)
    form = ImageAltForm(request.POST)
    posted = request.POST.get("alt", "")
    if not form.is_valid():
        return _image_problem(request, image, "alt", " ".join(form.errors["alt"]), posted)
    try:
        files.image_alt_set(image=image, alt=form.cleaned_data["alt"])
    except ValidationError as exc:
        return _image_problem(request, image, "alt", " ".join(exc.messages), posted)
    return _done(request, image.content, "Alt text saved.")


@require_POST
@require_role(Role.EDITOR)
def image_retry(request: HttpRequest, pk: int) -> HttpResponse:
    image = image_for_member(request, pk)
    try:
        services.images_generate_enqueue(
            contents=[image.content],
            user=request.user,
            image_ids=[image.pk],
            failed_only=True,
            shown=_shown(request),
        )
    except (InsufficientCredits, costs.CostChanged) as exc:
        return _panel(request, image.content, status=exc.status, problem=exc.message)
    except ValidationError as exc:
        return _image_problem(request, image, "retry", " ".join(exc.messages))
    return _done(request, image.content, "Generating the image again.")


@require_POST
@require_role(Role.EDITOR)
def image_again(request: HttpRequest, pk: int) -> HttpResponse:
    """A new picture for an image that has one (the person asked: the old one goes when the
    new one is saved)."""
    image = image_for_member(request, pk)
    try:
        services.image_again_enqueue(image=image, user=request.user, shown=_shown(request))
    except (InsufficientCredits, costs.CostChanged) as exc:
        return _panel(request, image.content, status=exc.status, problem=exc.message)
    except ValidationError as exc:
        return _image_problem(request, image, "again", " ".join(exc.messages))
    return _done(request, image.content, "Making a new picture; the current one stays until then.")


@require_GET
def image_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The picture, for members who may see its site. The path comes from the database,
    never from the request; the type from what we stored; nothing is cached publicly."""
    image = image_for_member(request, pk)
    if not image.file:
        raise Http404("This image has no picture yet.")
    try:
        handle = image.file.storage.open(image.file.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("The picture file is missing.") from None
    response = FileResponse(handle, content_type=files.content_type_of(image))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- bulk: generate for ticked articles -----------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@require_role(Role.EDITOR)
def images_generate(request: HttpRequest) -> HttpResponse:
    """Generate the waiting images of the ticked articles: the cost first, then the jobs."""
    site = current_site(request)
    if site is None:
        raise Http404("No site is shared with you.")
    data = request.POST if request.method == "POST" else request.GET
    ids = [pk for pk in data.getlist("ids") if pk.isdigit()]
    contents = list(
        Content.objects.alive().filter(site=site, pk__in=ids).select_related("site", "sector")
    )
    waiting = services.images_waiting(contents) if contents else []
    problem, status = "", 200
    if not ids:
        problem, status = "Tick the articles whose images you want to generate.", 400
    elif not waiting:
        problem, status = (
            "None of the ticked articles has an image waiting. Write image prompts first.",
            400,
        )
    if request.method == "POST" and not problem:
        try:
            queued = services.images_generate_enqueue(
                contents=contents, user=request.user, shown=_shown(request)
            )
        except (InsufficientCredits, costs.CostChanged) as exc:
            problem, status = exc.message, exc.status
        except ValidationError as exc:
            problem, status = " ".join(exc.messages), 400
        else:
            n = len(waiting)
            messages.success(
                request,
                f"Generating {n} image{'s' * (n != 1)} for {len(queued)} "
                f"article{'s' * (len(queued) != 1)}; each one appears as it is ready.",
            )
            return redirect(request, reverse("writer:images"))
    counts: dict[int, int] = {}
    for image in waiting:
        counts[image.content_id] = counts.get(image.content_id, 0) + 1
    rows = [(c, counts.get(c.pk, 0)) for c in contents]
    per_image = services.per_image_cost()
    context = {
        "rows": rows,
        "waiting": len(waiting),
        "estimate": per_image * len(waiting),
        "per_image": per_image,
        "credits": credit_summary(account=request.account),
        "problem": problem,
    }
    return render_page(request, "writer/images_confirm.html", context, status=status)
