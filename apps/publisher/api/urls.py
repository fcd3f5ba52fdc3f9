"""/api/…: one view per path (it dispatches on the method), the document and its page."""

from __future__ import annotations

import re

from django.urls import path, re_path

from apps.publisher.api import docs
from apps.publisher.api.framework import not_found, path_view
from apps.publisher.api.spec import ENDPOINTS
from apps.publisher.api.views import HANDLERS

app_name = "api"


def _route(openapi_path: str) -> str:
    """`/contents/{content_id}` → `^v1/contents/(?P<content_id>[^/]+)/?$`: any id segment
    (the view checks it, so a bad id gets the envelope's 400 rather than a bare 404), and a
    trailing slash forgiven (Django's APPEND_SLASH cannot redirect a POST)."""
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", openapi_path)
    return f"^v1{pattern}/?$"


_paths: dict[str, list] = {}
for _endpoint in ENDPOINTS:
    _paths.setdefault(_endpoint.path, []).append(_endpoint)

urlpatterns = [
    path("v1/openapi.json", docs.openapi_json, name="openapi"),
    path("docs", docs.docs_page, name="docs"),
    *[
        re_path(_route(p), path_view(endpoints, HANDLERS), name=endpoints[0].name)
        for p, endpoints in _paths.items()
    ],
    re_path(r"^(?P<rest>.*)$", not_found),
]
