"""One log file per run, as the original system kept: LOG_DIR/automation/<schema>/<run id>.log.

Each line carries the time, the run id and the request id of whoever set the run going (the
"run now" request, the resume, the scheduler's tick), so a line can be matched with the
application log. The run detail page shows it and offers it as a download; lines also go to
the application log (logger `apps.automation`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from igny8.logging import request_id_var

log = logging.getLogger("apps.automation")


def log_name_for(run_id: int, schema: str | None = None) -> str:
    """The file's name under LOG_DIR, as stored on the run (`AutomationRun.log_name`)."""
    return f"automation/{schema or connection.schema_name}/{run_id}.log"


def run_log_path(run) -> Path:  # noqa: ANN001 (an AutomationRun)
    """Where this run's log lives (it may not exist yet: a run writes it as it goes)."""
    name = run.log_name or log_name_for(run.pk)
    base = Path(settings.LOG_DIR).resolve()
    path = (base / name).resolve()
    if base not in path.parents:  # a stored name never leads outside the logs directory
        raise ValueError("A run's log lives under the logs directory.")
    return path


def run_log_begin(run) -> None:  # noqa: ANN001
    """Start the run's log empty. Run ids restart when a workspace is deleted and one with the
    same address is made again: a file left at this path is an earlier workspace's, never to
    be shown in this one."""
    try:
        path = run_log_path(run)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")
    except OSError:
        log.exception("could not start the log of run %s", run.pk)


def run_log(run, message: str, *, level: int = logging.INFO) -> None:  # noqa: ANN001
    """Append one line to the run's log (and to the application log)."""
    stamp = timezone.now().strftime("%Y-%m-%d %H:%M:%S UTC")
    request_id = request_id_var.get() or "-"
    line = f"{stamp} {logging.getLevelName(level)} [run {run.pk} request {request_id}] {message}"
    log.log(level, "run %s: %s", run.pk, message)
    try:
        path = run_log_path(run)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line.replace("\n", " ") + "\n")
    except OSError:
        # The run goes on without its file; the application log still has the line.
        log.exception("could not write the log of run %s", run.pk)


def run_log_text(run, *, max_lines: int = 2000) -> str:  # noqa: ANN001
    """The last `max_lines` lines of the run's log ("" when it has none yet)."""
    try:
        lines = run_log_path(run).read_text(encoding="utf-8", errors="replace").splitlines()
    except (OSError, ValueError):
        return ""
    return "\n".join(lines[-max_lines:])
