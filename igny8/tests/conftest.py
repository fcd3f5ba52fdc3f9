"""Fixtures for the infrastructure tests: log files to read back and a test URLconf."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings


class LogFile:
    """The lines a channel's rotating file received since the test started."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.start = path.stat().st_size if path.exists() else 0

    def lines(self) -> list[str]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as handle:
            if self.path.stat().st_size >= self.start:
                handle.seek(self.start)
            return handle.read().splitlines()

    def lines_with(self, marker: str) -> list[str]:
        return [line for line in self.lines() if marker in line]


@pytest.fixture
def log_file() -> Callable[[str], LogFile]:
    """`log_file("igny8")` → the new lines of LOG_DIR/igny8.log, read at assertion time."""
    return lambda channel: LogFile(Path(settings.LOG_DIR) / f"{channel}.log")


@pytest.fixture
def test_urls(settings) -> None:
    """Workspace hosts also answer the test views of igny8/tests/urls.py."""
    settings.ROOT_URLCONF = "igny8.tests.urls"


@pytest.fixture
def staff(db):
    from tests.factories import make_user

    return make_user(is_staff=True)
