"""Every log line carries the request id and the workspace schema, from requests and jobs
alike; the publishing, wordpress_api and webhooks channels have their own rotating files."""

from __future__ import annotations

import io
import logging
import logging.handlers
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django_tenants.utils import schema_context

from igny8.logging import ContextFilter, request_id_var, schema_var

pytestmark = pytest.mark.django_db

CHANNELS = ("publishing", "wordpress_api", "webhooks")


def _marker() -> str:
    return f"m-{uuid.uuid4().hex[:12]}"


def test_request_to_a_workspace_logs_its_request_id_and_schema(
    alpha, client_for, test_urls, log_file
):
    marker = _marker()
    log = log_file("igny8")
    response = client_for(alpha.owner, alpha.host).get(
        "/_test/log/", {"marker": marker}, HTTP_X_REQUEST_ID="log-request-0001"
    )
    assert response.status_code == 200

    view_lines = log.lines_with(f"view {marker}")
    job_lines = log.lines_with(f"job {marker} running")
    assert len(view_lines) == 1 and len(job_lines) == 1
    # The job the request queued logs under the same request id, in the same workspace.
    for line in view_lines + job_lines:
        assert f"[log-request-0001 {alpha.schema}]" in line


def test_generated_request_id_is_the_one_in_the_log(alpha, client_for, test_urls, log_file):
    marker = _marker()
    log = log_file("igny8")
    response = client_for(alpha.owner, alpha.host).get("/_test/log/", {"marker": marker})
    (line,) = log.lines_with(f"view {marker}")
    assert f"[{response['X-Request-ID']} {alpha.schema}]" in line


def test_context_filter_sets_request_id_and_schema_on_each_record(alpha):
    record = logging.LogRecord("igny8", logging.INFO, __file__, 1, "hello", None, None)
    rid, schema = request_id_var.set("filter-test-01"), schema_var.set(alpha.schema)
    try:
        assert ContextFilter().filter(record) is True
    finally:
        request_id_var.reset(rid)
        schema_var.reset(schema)
    assert (record.request_id, record.schema) == ("filter-test-01", alpha.schema)


def test_lines_outside_a_request_say_so(log_file):
    marker = _marker()
    log = log_file("igny8")
    logging.getLogger("igny8.tests").warning("outside %s", marker)
    (line,) = log.lines_with(f"outside {marker}")
    assert "[- -]" in line


@pytest.mark.parametrize("channel", CHANNELS)
def test_channel_has_a_rotating_file_under_log_dir(channel):
    handler = settings.LOGGING["handlers"][f"{channel}_file"]
    assert handler["class"] == "logging.handlers.RotatingFileHandler"
    assert Path(handler["filename"]) == Path(settings.LOG_DIR) / f"{channel}.log"
    assert handler["maxBytes"] > 0 and handler["backupCount"] > 0
    assert "context" in handler["filters"]
    assert f"{channel}_file" in settings.LOGGING["loggers"][channel]["handlers"]


@pytest.mark.parametrize("channel", CHANNELS)
def test_channel_writes_its_file_with_request_id_and_schema(alpha, channel, log_file):
    marker = _marker()
    log, app_log = log_file(channel), log_file("igny8")
    rid = request_id_var.set(f"rid-{channel}")
    try:
        with schema_context(alpha.schema):
            schema = schema_var.set(alpha.schema)
            logging.getLogger(f"{channel}.client").info("sent %s", marker)
            schema_var.reset(schema)
    finally:
        request_id_var.reset(rid)

    (line,) = log.lines_with(f"sent {marker}")
    assert f"INFO [rid-{channel} {alpha.schema}] {channel}.client: sent {marker}" in line
    # The channel's line stays in its own file.
    assert app_log.lines_with(marker) == []


@pytest.mark.parametrize("channel", CHANNELS)
def test_channel_line_reaches_the_console_once(channel):
    marker = _marker()
    console = next(
        h for h in logging.getLogger(channel).handlers if type(h) is logging.StreamHandler
    )
    buffer = io.StringIO()
    previous = console.setStream(buffer)
    try:
        logging.getLogger(channel).warning("once %s", marker)
    finally:
        console.setStream(previous)
    assert buffer.getvalue().count(marker) == 1
