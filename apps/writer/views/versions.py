"""An article's versions: the list, a diff between any two, and restoring one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from apps.writer.diff import LABELS, version_diff
from apps.writer.models import Content, ContentVersion
from apps.writer.selectors import content as sel
from apps.writer.selectors.access import content_for_member
from apps.writer.services import content as services
from apps.writer.views.content import SENT_BACK, refused
from igny8.http import redirect, render_error, render_page


def versions_url(content: Content) -> str:
    return reverse("writer:content_versions", args=[content.pk])


@require_safe
def content_versions(request: HttpRequest, pk: int) -> HttpResponse:
    content = content_for_member(request, pk)
    versions = list(sel.versions_of(content))
    for v in versions:
        v.changed_labels = (
            ["Everything (first version)"]
            if v.number == 1
            else [LABELS.get(name, name) for name in v.changed]
        )
    actor = sel.actor_for(request, content.site)
    return render_page(
        request,
        "writer/versions.html",
        {
            "content": content,
            "versions": versions,
            "can_edit": actor.can_edit,
            # Preselected for "compare": the newest against the one before it.
            "pick_a": versions[1].number if len(versions) > 1 else None,
            "pick_b": versions[0].number if versions else None,
        },
    )


def _numbers(request: HttpRequest, versions: list[ContentVersion]) -> tuple[int, int] | str:
    """The two version numbers to compare (older first), or what is wrong with the request."""
    known = {v.number for v in versions}
    raw_a, raw_b = request.GET.get("a", ""), request.GET.get("b", "")
    if not raw_a and not raw_b and len(versions) > 1:
        return versions[1].number, versions[0].number
    try:
        a, b = int(raw_a), int(raw_b)
    except ValueError:
        return "Pick two versions to compare."
    missing = sorted({a, b} - known)
    if missing:
        return f"This article has no version {missing[0]}."
    if a == b:
        return "Pick two different versions to compare."
    return (a, b) if a < b else (b, a)


@require_safe
def content_version_diff(request: HttpRequest, pk: int) -> HttpResponse:
    content = content_for_member(request, pk)
    versions = list(sel.versions_of(content))
    picked = _numbers(request, versions)
    if isinstance(picked, str):
        return render_error(
            request,
            status=400,
            code="bad_versions",
            message=picked,
            action_url=versions_url(content),
            action_label="Back to the versions",
        )
    by_number = {v.number: v for v in versions}
    older, newer = by_number[picked[0]], by_number[picked[1]]
    return render_page(
        request,
        "writer/version_diff.html",
        {
            "content": content,
            "versions": versions,
            "older": older,
            "newer": newer,
            "sides": [("From", older), ("To", newer)],
            "diffs": version_diff(older, newer),
            "can_edit": sel.actor_for(request, content.site).can_edit,
            "latest": versions[0],
        },
    )


@require_POST
def content_version_restore(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    content = content_for_member(request, pk)
    version = sel.version_of(content, number)
    try:
        update = services.content_version_restore(
            content=content, version=version, actor=sel.actor_for(request, content.site)
        )
    except PermissionDenied as exc:
        return refused(request, exc)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(request, versions_url(content))
    if update.version:
        messages.success(
            request,
            f"Restored version {version.number}: the article now reads like it again, saved "
            f"as version {update.version.number}.",
        )
    else:
        messages.info(request, f"The article already reads exactly like version {number}.")
    if update.sent_back:
        messages.warning(request, SENT_BACK)
    return redirect(request, versions_url(content))
