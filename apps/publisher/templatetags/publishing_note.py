"""The editor's line about an article's way to WordPress: when it publishes (its slot, in the
site's clock) or why the last try failed. The writer's template loads this tag so that writer
code never imports the publisher."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from apps.publisher.views.common import zone_of
from apps.writer.models import Content, PublishingStatus

register = template.Library()


@register.inclusion_tag("publisher/_publishing_note.html", takes_context=True)
def publishing_note(context: template.Context, content: Content) -> dict:
    """What the status panel says beyond the badge; nothing when there is nothing to say."""
    try:
        publication = content.publication
    except ObjectDoesNotExist:
        return {"show": False}
    status = content.publishing_status
    when = publication.publish_at
    if status == PublishingStatus.FAILED:
        when = publication.next_attempt_at
    elif status != PublishingStatus.SCHEDULED:
        when = None
    if when is None and status != PublishingStatus.FAILED:
        return {"show": False}
    zone = zone_of(context["request"], content.site)
    local = timezone.localtime(when, timezone=ZoneInfo(zone)) if when else None
    return {
        "show": True,
        "status": status,
        "publication": publication,
        # Formatted here: the `date` filter would turn it back into the request's timezone.
        "iso": local.isoformat() if local else "",
        "local": f"{local:%a %-d %b %Y, %H:%M}" if local else "",
        "zone": zone,
        "month": f"{local:%Y-%m}" if local else "",
    }
