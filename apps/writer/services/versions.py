"""The one way content text changes: every change is saved with a ContentVersion (who, when,
what changed), its HTML sanitised, its word count and on-page score recomputed.

    content_create(site=…, sector=…, task=…, fields={…}, source=…, author=…, provenance=…)
    content_save(content=…, changes={…}, author=…, source=…, note=…, provenance=…)
    version_restore(content=…, version=…, author=…)
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from apps.workspace.models import Sector, Site
from apps.writer import html as article
from apps.writer import scoring
from apps.writer.models import (
    VERSIONED_FIELDS,
    Content,
    ContentVersion,
    Task,
    VersionSource,
)

# Saves by a person mark the content as human edited (provenance).
HUMAN_SOURCES = {VersionSource.EDITED, VersionSource.AUTOSAVED, VersionSource.RESTORED}
PROVENANCE_FIELDS = ("provider", "model", "prompt_version")


def _clean(field: str, value: Any) -> Any:
    if field == "html":
        return article.sanitize(str(value or ""))
    if field == "secondary_keywords":
        seen: list[str] = []
        for k in value or []:
            k = str(k).strip()
            if k and k.casefold() not in {s.casefold() for s in seen}:
                seen.append(k)
        return seen
    if field == "slug":
        return slugify(str(value or ""), allow_unicode=True)[:200]
    return str(value or "").strip()


def _snapshot(content: Content) -> dict[str, Any]:
    return {f: getattr(content, f) for f in VERSIONED_FIELDS}


def _refresh_derived(content: Content) -> None:
    content.word_count = article.word_count(content.html)
    content.score = scoring.score(scoring.score_input_for(content)).total


def _add_version(
    content: Content, *, source: str, changed: list[str], author, note: str
) -> ContentVersion:
    last = content.versions.aggregate(n=Max("number"))["n"] or 0
    return ContentVersion.objects.create(
        content=content,
        number=last + 1,
        source=source,
        changed=changed,
        note=note[:300],
        author_id=getattr(author, "pk", None),
        word_count=content.word_count,
        score=content.score,
        **_snapshot(content),
    )


@transaction.atomic
def content_create(
    *,
    site: Site,
    sector: Sector,
    fields: dict[str, Any],
    task: Task | None = None,
    source: str = VersionSource.WRITTEN,
    author=None,  # noqa: ANN001  (a User or None)
    provenance: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Content:
    """A new content with its version 1. `fields` are versioned fields; `extra` other model
    fields (content_type, structure, target_words, planned_for…)."""
    values = {f: _clean(f, fields.get(f, "")) for f in VERSIONED_FIELDS}
    if not values["title"]:
        raise ValidationError("An article needs a title.")
    if not values["slug"]:
        values["slug"] = slugify(values["title"], allow_unicode=True)[:200]
    content = Content(site=site, sector=sector, task=task, **values, **(extra or {}))
    for key, value in (provenance or {}).items():
        if key in PROVENANCE_FIELDS:
            setattr(content, key, value or "")
    content.human_edited = source in HUMAN_SOURCES
    _refresh_derived(content)
    content.save()
    _add_version(content, source=source, changed=list(VERSIONED_FIELDS), author=author, note="")
    return content


@transaction.atomic
def content_save(
    *,
    content: Content,
    changes: dict[str, Any],
    author=None,  # noqa: ANN001
    source: str = VersionSource.EDITED,
    note: str = "",
    provenance: dict[str, str] | None = None,
) -> ContentVersion | None:
    """Apply `changes` (versioned fields only) and keep a version. A save that changes nothing
    keeps no version and returns None. The content object is updated in place."""
    unknown = set(changes) - set(VERSIONED_FIELDS)
    if unknown:
        raise ValueError(f"Not versioned fields: {sorted(unknown)}")
    locked = Content.objects.select_for_update().get(pk=content.pk)
    changed = []
    for field, raw in changes.items():
        value = _clean(field, raw)
        if field == "title" and not value:
            raise ValidationError("An article needs a title.")
        if getattr(locked, field) != value:
            setattr(locked, field, value)
            changed.append(field)
    if not changed:
        return None
    if source in HUMAN_SOURCES:
        locked.human_edited = True
    for key, value in (provenance or {}).items():
        if key in PROVENANCE_FIELDS:
            setattr(locked, key, value or "")
    _refresh_derived(locked)
    locked.updated = timezone.now()
    locked.save()
    version = _add_version(locked, source=source, changed=changed, author=author, note=note)
    for field in (*VERSIONED_FIELDS, "word_count", "score", "human_edited", "updated"):
        setattr(content, field, getattr(locked, field))
    for key in PROVENANCE_FIELDS:
        setattr(content, key, getattr(locked, key))
    return version


def version_restore(
    *,
    content: Content,
    version: ContentVersion,
    author=None,  # noqa: ANN001
) -> ContentVersion | None:
    """Bring back the text of `version`; the restore is itself a new version (None when the
    content already reads exactly like it)."""
    if version.content_id != content.pk:
        raise ValidationError("That version belongs to another article.")
    return content_save(
        content=content,
        changes={f: getattr(version, f) for f in VERSIONED_FIELDS},
        author=author,
        source=VersionSource.RESTORED,
        note=f"Restored version {version.number}",
    )


def content_rescore(*, content: Content) -> int:
    """Recompute the stored on-page score after something outside the text changed (images,
    the site's address). Keeps no version: the text did not change."""
    content.score = scoring.score(scoring.score_input_for(content)).total
    Content.objects.filter(pk=content.pk).update(score=content.score)
    return content.score
