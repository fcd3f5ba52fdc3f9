"""A workspace URLconf for tests: the real one plus views that exercise the infrastructure."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import path

from igny8 import jobs
from igny8.http import envelope
from igny8.tests import sample_jobs
from igny8.urls_tenant import urlpatterns as tenant_urlpatterns

log = logging.getLogger("igny8.tests.views")


def log_and_enqueue(request: HttpRequest) -> HttpResponse:
    marker = request.GET["marker"]
    log.info("view %s", marker)
    record = jobs.enqueue(sample_jobs.where_am_i, marker, label=marker, user=request.user)
    return envelope(request, {"job": record.pk})


def flash(request: HttpRequest) -> HttpResponse:
    messages.success(request, request.GET.get("text", "Saved."))
    return HttpResponse('<p id="fragment">fragment</p>', content_type="text/html; charset=utf-8")


def fields_error(request: HttpRequest) -> HttpResponse:
    return envelope(
        request,
        status=400,
        code="invalid",
        message="Check the highlighted fields.",
        fields={"name": ["Give it a name."]},
    )


urlpatterns = [
    path("_test/log/", log_and_enqueue),
    path("_test/flash/", flash),
    path("_test/fields-error/", fields_error),
    *tenant_urlpatterns,
]
