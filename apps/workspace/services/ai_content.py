"""Writes of the AI content settings: workspace prompt overrides and a site's content settings."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.accounts.models import User
from apps.workspace.models import PromptOverride, Site
from igny8.ai import functions, prompts

CONTENT_FIELDS = (
    "brand_voice",
    "audience",
    "default_word_count",
    "extra_instructions",
    "images_per_article",
    "image_style",
    "brand_color",
    "editors_can_approve",
    "links_per_content",
    "duplicate_threshold",
)


@transaction.atomic
def prompt_override_save(
    *, function: str, template: str, user: User | None
) -> PromptOverride | None:
    """Make `template` this workspace's prompt for `function`.

    The template must parse and render with sample data; otherwise ValidationError (on
    "template", in plain words) and nothing is saved. Text identical to the built-in default
    removes the override instead, so the prompt keeps following the default as it improves;
    None is returned then.
    """
    functions.get(function)
    text = template.replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError(
            {"template": ["The template is empty. Write one, or use “Reset to default”."]}
        )
    text += "\n"
    try:
        prompts.preview(function, text=text, context=prompts.sample_context())
    except ValidationError as exc:
        raise ValidationError({"template": exc.messages}) from None
    if text.strip() == prompts.default_template(function).strip():
        PromptOverride.objects.filter(function=function).delete()
        return None
    row, _ = PromptOverride.objects.update_or_create(
        function=function,
        defaults={"template": text, "updated_by_id": user.pk if user is not None else None},
    )
    return row


def prompt_override_reset(*, function: str) -> bool:
    """Go back to the built-in prompt for `function`; True if an override was removed."""
    functions.get(function)
    deleted, _ = PromptOverride.objects.filter(function=function).delete()
    return deleted > 0


@transaction.atomic
def site_content_update(*, site: Site, **fields: object) -> Site:
    """Change a site's content settings (brand voice, audience, lengths, images, colour, and
    the writer's: who approves, links per article, near-duplicate threshold).

    Every value is checked against the model's rules first; on ValidationError nothing is
    saved and `site` is left as it was. Returns the saved site.
    """
    unknown = set(fields) - set(CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"Not content settings: {', '.join(sorted(unknown))}")
    fresh = Site.objects.select_for_update().get(pk=site.pk)
    for name, value in fields.items():
        setattr(fresh, name, value.strip() if isinstance(value, str) else value)
    if isinstance(fresh.brand_color, str):
        fresh.brand_color = fresh.brand_color.lower()
    others = [f.name for f in Site._meta.concrete_fields if f.name not in fields]
    fresh.full_clean(exclude=others, validate_unique=False, validate_constraints=False)
    fresh.save(update_fields=[*fields, "updated"])
    for name in fields:
        setattr(site, name, getattr(fresh, name))
    return fresh
