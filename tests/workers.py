"""Real worker processes for tests that need one (`manage.py qcluster` or a wrapper of it).

A worker must see what the test committed, so it is pointed at the test database by URL; it
runs in its own session so that a stuck one can be killed with everything it started, and its
output is printed when it stops (pytest shows it when the test fails).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from urllib.parse import quote

from django.conf import settings
from django.db import connection


def database_url() -> str:
    """The URL of the database this test runs on (the test database)."""
    db = connection.settings_dict
    url = f"postgresql://{quote(db['USER'])}@/{quote(db['NAME'])}?host={quote(db['HOST'])}"
    return url + (f"&port={db['PORT']}" if db.get("PORT") else "")


def start(args: list[str], log: Path, **env: str) -> tuple[subprocess.Popen, IO[bytes]]:
    """Start `python <args>` as one worker on the test database; its output goes to `log`."""
    output = log.open("w+b")
    environment = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    environment.update(DATABASE_URL=database_url(), IGNY8_JOBS_SYNC="0", IGNY8_WORKERS="1", **env)
    process = subprocess.Popen(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, output


def stop(process: subprocess.Popen, output: IO[bytes]) -> None:
    """Stop it gently, then by force; print what it said."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
    output.seek(0)
    print(output.read().decode(errors="replace"))  # shown by pytest when the test fails
    output.close()


@contextmanager
def qcluster(tmp_path: Path) -> Iterator[subprocess.Popen]:
    """One `manage.py qcluster` on the test database while the block runs."""
    process, output = start(["manage.py", "qcluster"], tmp_path / "qcluster.log")
    try:
        yield process
    finally:
        stop(process, output)
