"""`{% header_unread as n %}`: the bell's unread count, None off a workspace or for outsiders."""

from __future__ import annotations

from django import template

from apps.workspace import notification_bell

register = template.Library()


@register.simple_tag(takes_context=True)
def header_unread(context: template.Context) -> int | None:
    request = context.get("request")
    return None if request is None else notification_bell.unread_for(request)
