"""Content writes a person makes: editing (through the versioned save), the review flow
(draft → review → approved; reject sends review → draft with a note) and the trash.

Every function checks who acts (`Actor`) and the current status under a row lock, so an illegal
move is refused with a plain message (ValidationError) or a role refusal (PermissionDenied) and
never half-applies. Text changes go through services.versions.content_save only.

    content_update(content=…, actor=…, changes={…}, autosave=…, base_version=…) -> Update
    content_version_restore(content=…, version=…, actor=…) -> Update
    content_submit / content_approve / content_reject(note=…)
    content_trash / content_restore / content_delete_forever
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from apps.writer.diff import same_html
from apps.writer.html import sanitize
from apps.writer.models import (
    VERSIONED_FIELDS,
    Content,
    ContentVersion,
    EditorialStatus,
    VersionSource,
)
from apps.writer.services.versions import content_save, version_restore

REVIEW_NOTE_MAX = 2000
# Saves a person makes in the editor; anything else arriving in between changed the text
# behind the editor's back (an optimizer run, an accepted link, a restore, someone else).
_EDITOR_SOURCES = {VersionSource.EDITED, VersionSource.AUTOSAVED}


@dataclass(frozen=True)
class Actor:
    """Who acts and what their role lets them do on this content's site."""

    user: Any  # a User (or None for the system)
    can_edit: bool
    can_approve: bool


@dataclass(frozen=True)
class Update:
    version: ContentVersion | None  # None: nothing changed, no version kept
    sent_back: bool = False  # an approved article went back to draft


class EditConflict(ValidationError):
    """The article changed since the editor loaded it; saving would overwrite that change."""


CANNOT_EDIT = (
    "Only an editor, admin or owner can change articles. "
    "Ask an owner of this workspace if you need access."
)


def _must_edit(actor: Actor) -> None:
    if not actor.can_edit:
        raise PermissionDenied(CANNOT_EDIT)


def _must_approve(actor: Actor, what: str) -> None:
    if not actor.can_approve:
        raise PermissionDenied(
            f"Only an owner or admin can {what} articles on this site (editors too when the "
            "site's content settings allow it)."
        )


def _locked(content: Content) -> Content:
    """The row, locked for this transaction; a trashed article cannot move."""
    locked = Content.objects.select_for_update().get(pk=content.pk)
    if locked.deleted_at is not None:
        raise ValidationError("This article is in the trash. Restore it first.")
    return locked


def _copy_back(content: Content, locked: Content, fields: tuple[str, ...]) -> None:
    for name in fields:
        setattr(content, name, getattr(locked, name))


def _check_conflict(content: Content, *, actor: Actor, base_version: int) -> None:
    newer = content.versions.filter(number__gt=base_version).order_by("number")
    author_id = getattr(actor.user, "pk", None)
    for version in newer:
        # The actor's own saves (an autosave still in flight when they pressed Save) are fine.
        if version.source in _EDITOR_SOURCES and version.author_id == author_id:
            continue
        raise EditConflict(
            f"This article changed while you were editing it (version {version.number}: "
            f"{version.get_source_display().lower()}). Your text is still here and was not "
            "saved: copy what you need, then reload the page to see the latest version."
        )


_STATUS_FIELDS = (
    "status",
    "approved_by_id",
    "approved_at",
    "submitted_by_id",
    "submitted_at",
    "review_note",
    "updated",
)


@transaction.atomic
def content_update(
    *,
    content: Content,
    actor: Actor,
    changes: dict[str, Any],
    autosave: bool = False,
    base_version: int | None = None,
) -> Update:
    """Save what the editor sent (versioned fields only). A save that changes nothing keeps no
    version. When `base_version` is given and someone or something else saved a newer version
    since, nothing is saved (EditConflict). An approved article changed by someone who cannot
    approve goes back to draft (`sent_back`), so nothing unapproved stays approved."""
    _must_edit(actor)
    locked = _locked(content)
    if base_version is not None:
        _check_conflict(locked, actor=actor, base_version=base_version)
    changes = {k: v for k, v in changes.items() if k in VERSIONED_FIELDS}
    # The editor shows the body one block per line; that layout alone is not an edit.
    if "html" in changes and same_html(sanitize(str(changes["html"] or "")), locked.html):
        del changes["html"]
    if "slug" in changes and not str(changes["slug"] or "").strip():
        changes["slug"] = slugify(str(changes.get("title") or locked.title), allow_unicode=True)
    version = content_save(
        content=locked,
        changes=changes,
        author=actor.user,
        source=VersionSource.AUTOSAVED if autosave else VersionSource.EDITED,
    )
    return _after_text_change(content, locked, actor=actor, version=version)


@transaction.atomic
def content_version_restore(*, content: Content, version: ContentVersion, actor: Actor) -> Update:
    """Bring back an older version's text as a new version (no version when the article
    already reads like it). Same rule as an edit for approved articles."""
    _must_edit(actor)
    locked = _locked(content)
    restored = version_restore(content=locked, version=version, author=actor.user)
    return _after_text_change(content, locked, actor=actor, version=restored)


def _after_text_change(
    content: Content, locked: Content, *, actor: Actor, version: ContentVersion | None
) -> Update:
    sent_back = False
    if version and locked.status == EditorialStatus.APPROVED and not actor.can_approve:
        locked.status = EditorialStatus.DRAFT
        locked.approved_by_id = None
        locked.approved_at = None
        locked.save(update_fields=["status", "approved_by_id", "approved_at"])
        sent_back = True
    _copy_back(content, locked, (*VERSIONED_FIELDS, "word_count", "score", "human_edited"))
    _copy_back(content, locked, _STATUS_FIELDS)
    return Update(version=version, sent_back=sent_back)


@transaction.atomic
def content_submit(*, content: Content, actor: Actor) -> Content:
    """draft → review, recording who submitted it and when."""
    _must_edit(actor)
    locked = _locked(content)
    if locked.status == EditorialStatus.REVIEW:
        raise ValidationError("This article is already waiting for review.")
    if locked.status == EditorialStatus.APPROVED:
        raise ValidationError("This article is already approved; there is nothing to submit.")
    if not locked.html.strip():
        raise ValidationError("The article has no body yet. Write it before submitting it.")
    locked.status = EditorialStatus.REVIEW
    locked.submitted_by_id = getattr(actor.user, "pk", None)
    locked.submitted_at = timezone.now()
    locked.updated = timezone.now()
    locked.save(update_fields=["status", "submitted_by_id", "submitted_at", "updated"])
    _copy_back(content, locked, _STATUS_FIELDS)
    return content


@transaction.atomic
def content_approve(*, content: Content, actor: Actor) -> Content:
    """review → approved, recording who approved it and when; the last reject note goes."""
    _must_approve(actor, "approve")
    locked = _locked(content)
    if locked.status == EditorialStatus.APPROVED:
        raise ValidationError("This article is already approved.")
    if locked.status != EditorialStatus.REVIEW:
        raise ValidationError(
            "Only an article in review can be approved. Submit it for review first."
        )
    locked.status = EditorialStatus.APPROVED
    locked.approved_by_id = getattr(actor.user, "pk", None)
    locked.approved_at = timezone.now()
    locked.review_note = ""
    locked.updated = timezone.now()
    locked.save(update_fields=["status", "approved_by_id", "approved_at", "review_note", "updated"])
    _copy_back(content, locked, _STATUS_FIELDS)
    return content


@transaction.atomic
def content_reject(*, content: Content, actor: Actor, note: str) -> Content:
    """review → draft with the reviewer's note (required: the writer needs to know why)."""
    _must_approve(actor, "reject")
    note = (note or "").strip()
    if not note:
        raise ValidationError("Write a note saying what to change, so the writer knows why.")
    if len(note) > REVIEW_NOTE_MAX:
        raise ValidationError(
            f"Keep the note under {REVIEW_NOTE_MAX:,} characters (it has {len(note):,})."
        )
    locked = _locked(content)
    if locked.status != EditorialStatus.REVIEW:
        raise ValidationError(
            "Only an article in review can be rejected; this one is "
            f"{locked.get_status_display().lower()}."
        )
    locked.status = EditorialStatus.DRAFT
    locked.review_note = note
    locked.updated = timezone.now()
    locked.save(update_fields=["status", "review_note", "updated"])
    _copy_back(content, locked, _STATUS_FIELDS)
    return content


@transaction.atomic
def content_trash(*, content: Content, actor: Actor) -> Content:
    """Move to the trash (restorable). Its versions, images and links stay with it."""
    _must_edit(actor)
    locked = _locked(content)
    locked.deleted_at = timezone.now()
    locked.save(update_fields=["deleted_at"])
    content.deleted_at = locked.deleted_at
    return content


@transaction.atomic
def content_restore(*, content: Content, actor: Actor) -> Content:
    """Back from the trash, with the status it had."""
    _must_edit(actor)
    locked = Content.objects.select_for_update().get(pk=content.pk)
    if locked.deleted_at is None:
        raise ValidationError("This article is not in the trash.")
    locked.deleted_at = None
    locked.save(update_fields=["deleted_at"])
    content.deleted_at = None
    return content


def content_delete_forever(*, content: Content, actor: Actor) -> str:
    """Delete a trashed article for good with its versions, images (and their files) and link
    suggestions. Returns its title."""
    _must_edit(actor)
    with transaction.atomic():
        locked = Content.objects.select_for_update().get(pk=content.pk)
        if locked.deleted_at is None:
            raise ValidationError(
                "Move the article to the trash first; only trashed articles "
                "can be deleted for good."
            )
        files = [image.file for image in locked.images.exclude(file="")]
        title = locked.title
        locked.delete()

    # The files go once the rows are gone for sure; a missing file is not an error.
    def remove_files() -> None:
        for file in files:
            with contextlib.suppress(OSError):
                file.storage.delete(file.name)

    transaction.on_commit(remove_files)
    return title
