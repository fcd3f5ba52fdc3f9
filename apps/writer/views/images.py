"""Images: the page grouped by content, the editor's panel (prompts, generate, retry, upload,
alt text; progress while a job runs), the bulk confirm step and the file itself.

The panel is self-contained: every form in it posts to these views and gets the panel back
(HTMX), so the editor only lazy-loads `/writer/content/<pk>/images/`. Without JavaScript the
forms post normally and land on the panel's own full page.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import Role
from apps.billing.errors import InsufficientCredits
from apps.billing.selectors import credit_summary
from apps.workspace.context import current_site
from apps.writer.forms.images import ImageAltForm, ImageUploadForm
from apps.writer.models import Content, ContentVersion, Image, ImageStatus
from apps.writer.selectors import images as selectors
from apps.writer.selectors.access import can_edit, content_for_member, image_for_member
from apps.writer.services import images as services
from apps.writer.services import images_body as body
from apps.writer.services import images_files as files
from igny8.ai import costs
from igny8.http import redirect, refusal, render_page
from igny8.lists import ListSpec, Pager
from igny8.roles import require_role

TEMPLATE = "writer/images.html"
PAGE_SIZE = 10
IMAGE_LIST = ListSpec(filters=(), page_size=PAGE_SIZE)
PANEL_ACTIONS = {"prompts", "generate", "retry"}


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
    changed: dict | None = None,
) -> HttpResponse:
    """One content's panel: the partial for HTMX, else the panel's own full page. `changed`
    (the article's new version) tells an editor on the page that the body changed."""
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
    panel = context["panel"] = context["panels"][0]
    # The version the article had when the panel started following a job: kept through the
    # polls, so the end of the job can tell whether it changed the body.
    since = request.GET.get("since", "")
    context["since"] = int(since) if since.isdigit() else panel.version
    if request.htmx and request.GET.get("part") == "progress":
        response = render_page(request, TEMPLATE, context, partial="progress")
        if not panel.working:
            # Done: the panel reloads once to show the new prompts or pictures and actions;
            # an editor on the page reloads too when the pictures went into the body.
            events: dict = {f"images-refresh-{content.pk}": None}
            if panel.version > context["since"]:
                events["writer:content-changed"] = _changed(content, panel.version)
            response["HX-Trigger"] = json.dumps(events)
        return response
    response = render_page(request, TEMPLATE, context, partial="panel", status=status)
    if changed is not None:
        response["HX-Trigger"] = json.dumps({"writer:content-changed": changed})
    patch_vary_headers(response, ["HX-Request"])
    return response


def _changed(content: Content, version: int) -> dict:
    return {"content": content.pk, "version": version}


def _done(
    request: HttpRequest,
    content: Content,
    text: str,
    *,
    started: bool = False,
    version: ContentVersion | None = None,
) -> HttpResponse:
    # A job that has only started is news ("Info"), not a success ("Done").
    (messages.info if started else messages.success)(request, text)
    if request.htmx:
        changed = _changed(content, version.number) if version is not None else None
        return _panel(request, content, changed=changed)
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
    page = IMAGE_LIST.page(
        selectors.image_contents(site=site, filters=filters), request.GET.get("page")
    )
    query = urlencode(filters.as_query())
    context = _context(
        request,
        list(page.object_list),
        page_mode=True,
        site=site,
        page=page,
        filters=filters,
        statuses=ImageStatus.choices,
        query=query,
        pager=Pager(page, query=query, htmx="", label="Pages of articles"),
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
    before = _latest(content)
    try:
        if action == "prompts":
            services.image_prompts_enqueue(
                content=content, user=request.user, shown=costs.shown_in(request.POST)
            )
            text = "Writing image prompts: they appear here in a moment, then generate the images."
        else:
            retry = action == "retry"
            n = len(services.images_waiting([content], failed_only=retry))
            services.images_generate_enqueue(
                contents=[content],
                user=request.user,
                failed_only=retry,
                shown=costs.shown_in(request.POST),
            )
            text = f"Generating {n} image{'s' * (n != 1)}; each one appears as it is ready."
    except (InsufficientCredits, costs.CostChanged) as exc:
        return _panel(request, content, status=exc.status, problem=exc.message)
    except ValidationError as exc:
        return _panel(request, content, status=400, problem=" ".join(exc.messages))
    # A job that ran at once (a synchronous setup) may have placed pictures already.
    return _done(request, content, text, started=True, version=_newer(content, before))


# --- one image -------------------------------------------------------------------------------


def _image_problem(
    request: HttpRequest,
    image: Image,
    field: str,
    message: str,
    value: str = "",
    caption: str | None = None,
) -> HttpResponse:
    error = {"image": image.pk, "field": field, "message": message, "value": value}
    error["caption"] = image.caption if caption is None else caption
    return _panel(request, image.content, status=400, image_error=error)


@require_POST
@require_role(Role.EDITOR)
def image_upload(request: HttpRequest, pk: int) -> HttpResponse:
    image = image_for_member(request, pk)
    form = ImageUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _image_problem(request, image, "file", " ".join(form.errors["file"]))
    try:
        before = _latest(image.content)
        files.image_upload(image=image, upload=form.cleaned_data["file"], user=request.user)
    except ValidationError as exc:
        return _image_problem(request, image, "file", " ".join(exc.messages))
    version = _newer(image.content, before)
    text = "Picture replaced with your upload."
    if version is not None and image.kind == "in_article":
        text += " It is in the article; move it or take it out below."
    return _done(request, image.content, text, version=version)


@require_POST
@require_role(Role.EDITOR)
def image_alt(request: HttpRequest, pk: int) -> HttpResponse:
    image = image_for_member(request, pk)
    form = ImageAltForm(request.POST)
    posted = request.POST.get("alt", "")
    caption = request.POST.get("caption")
    if not form.is_valid():
        message = " ".join(e for errors in form.errors.values() for e in errors)
        return _image_problem(request, image, "alt", message, posted, caption)
    caption = form.cleaned_data["caption"] if caption is not None else None
    try:
        before = _latest(image.content)
        files.image_alt_set(
            image=image, alt=form.cleaned_data["alt"], caption=caption, user=request.user
        )
    except ValidationError as exc:
        return _image_problem(request, image, "alt", " ".join(exc.messages), posted, caption)
    return _done(request, image.content, "Alt text saved.", version=_newer(image.content, before))


def _latest(content: Content) -> int:
    return content.versions.aggregate(n=Max("number"))["n"] or 0


def _newer(content: Content, before: int) -> ContentVersion | None:
    """The version an action made, if it made one."""
    return content.versions.filter(number__gt=before).order_by("-number").first()


@require_POST
@require_role(Role.EDITOR)
def image_place(request: HttpRequest, pk: int) -> HttpResponse:
    """Put an in-article picture under a heading of the body (moving it if it is there)."""
    image = image_for_member(request, pk)
    heading = request.POST.get("heading", "").strip()
    if not heading:
        return _image_problem(request, image, "place", "Choose the heading to put it under.")
    try:
        version = body.figure_move(image=image, heading=heading, user=request.user)
    except ValidationError as exc:
        return _image_problem(request, image, "place", " ".join(exc.messages))
    text = f"Image {image.position} is now under “{image.heading}”."
    return _done(request, image.content, text, version=version)


@require_POST
@require_role(Role.EDITOR)
def image_unplace(request: HttpRequest, pk: int) -> HttpResponse:
    """Take an in-article picture out of the body; the picture stays, to put back later."""
    image = image_for_member(request, pk)
    version = body.figure_remove(image=image, user=request.user)
    if version is None:
        text = f"Image {image.position} was not in the article; nothing changed."
    else:
        text = f"Took image {image.position} out of the article. The picture stays here."
    return _done(request, image.content, text, version=version)


@require_POST
@require_role(Role.EDITOR)
def image_retry(request: HttpRequest, pk: int) -> HttpResponse:
    image = image_for_member(request, pk)
    before = _latest(image.content)
    try:
        services.images_generate_enqueue(
            contents=[image.content],
            user=request.user,
            image_ids=[image.pk],
            failed_only=True,
            shown=costs.shown_in(request.POST),
        )
    except (InsufficientCredits, costs.CostChanged) as exc:
        return _panel(request, image.content, status=exc.status, problem=exc.message)
    except ValidationError as exc:
        return _image_problem(request, image, "retry", " ".join(exc.messages))
    version = _newer(image.content, before)
    return _done(request, image.content, "Generating the image again.", version=version)


@require_POST
@require_role(Role.EDITOR)
def image_again(request: HttpRequest, pk: int) -> HttpResponse:
    """A new picture for an image that has one (the person asked: the old one goes when the
    new one is saved)."""
    image = image_for_member(request, pk)
    before = _latest(image.content)
    try:
        services.image_again_enqueue(
            image=image, user=request.user, shown=costs.shown_in(request.POST)
        )
    except (InsufficientCredits, costs.CostChanged) as exc:
        return _panel(request, image.content, status=exc.status, problem=exc.message)
    except ValidationError as exc:
        return _image_problem(request, image, "again", " ".join(exc.messages))
    version = _newer(image.content, before)
    return _done(
        request,
        image.content,
        "Making a new picture; the current one stays until then.",
        version=version,
    )


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
                contents=contents, user=request.user, shown=costs.shown_in(request.POST)
            )
        except (InsufficientCredits, costs.CostChanged, ValidationError) as exc:
            problem, status = refusal(exc)
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
