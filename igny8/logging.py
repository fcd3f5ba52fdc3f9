"""Request id and workspace schema in every log line, for requests and jobs alike."""

from __future__ import annotations

import logging
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
schema_var: ContextVar[str] = ContextVar("schema", default="-")


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.schema = schema_var.get()
        return True
