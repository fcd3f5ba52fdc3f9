"""Labels of idea structures and content types for templates."""

from django import template

from apps.planner.services.ideas import CONTENT_TYPE_LABELS, STRUCTURE_LABELS

register = template.Library()


@register.filter
def structure_label(value: str) -> str:
    return STRUCTURE_LABELS.get(value, (value or "").replace("_", " ").capitalize())


@register.filter
def content_type_label(value: str) -> str:
    return CONTENT_TYPE_LABELS.get(value, (value or "").capitalize())
