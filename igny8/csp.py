"""Content-Security-Policy exceptions: the few pages that need more than settings.SECURE_CSP."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csp import csp_override

View = Callable[..., HttpResponse]


def allow_article_images(view: View) -> View:
    """The page shows an article's HTML, whose images may live on any https host (the
    customer's own site, a CDN): img-src also allows https: here, and nowhere else. Read from
    the settings on each request, so the policy stays one setting."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        policy = dict(settings.SECURE_CSP)
        if policy:
            policy["img-src"] = [*policy.get("img-src", []), "https:"]
        return csp_override(policy)(view)(request, *args, **kwargs)

    return wrapped
