"""`{% header_credits as n %}`: the balance the header shows, read at most once per page."""

from __future__ import annotations

from django import template

from apps.billing import live

register = template.Library()


@register.simple_tag(takes_context=True)
def header_credits(context: template.Context) -> int | None:
    """The workspace's credit total for its members, None elsewhere. A page that already read
    the balance (its `credits` summary) lends it, so the header costs no second query."""
    request = context.get("request")
    if request is None or live.member_account(request) is None:
        return None
    summary = context.get("credits")
    total = getattr(summary, "total", None)
    if isinstance(total, int):
        return total
    # The page cache read the balance row a moment ago, before the view (its key holds it).
    seen = getattr(request, "credits_seen", None)
    if isinstance(seen, int):
        return seen
    return live.credits_total(request)
