"""Browser tests: a real Chromium (Debian's, no Playwright download) against pytest-django's
live server, reached through `<slug>.igny8.localhost:<port>` hosts.

The live server needs a transactional database, which pytest-django FLUSHES at teardown:
every public table (accounts, users, the catalog) is emptied while workspace schemas stay.
So e2e tests run last in the session, re-create the platform rows they need, and drop the
workspace schemas they made.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.db import connection

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# One prefix per test run, so a reused database never meets a slug from an earlier run.
RUN_ID = secrets.token_hex(3)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Move browser tests to the end: their database flush would empty the session workspaces."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        message = "Chromium is not installed (Debian: apt-get install chromium)."
        if os.environ.get("IGNY8_REQUIRE_BROWSER") == "1":
            pytest.fail(f"IGNY8_REQUIRE_BROWSER=1 but {message}", pytrace=False)
        pytest.skip(message)
    return {"executable_path": executable, "args": CHROMIUM_ARGS}


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1366, "height": 900}}


class Hosts:
    """URLs on the live server for the public host and for workspace hosts."""

    def __init__(self, port: int) -> None:
        self.port = port

    def public(self, path: str = "/") -> str:
        return f"http://{settings.IGNY8_BASE_DOMAIN}:{self.port}{path}"

    def workspace(self, slug: str, path: str = "/") -> str:
        return f"http://{slug}.{settings.IGNY8_BASE_DOMAIN}:{self.port}{path}"


@pytest.fixture
def hosts(live_server, settings) -> Hosts:
    """The live server with the platform rows in place; emails link back to it."""
    from tests.fixtures import ensure_platform

    ensure_platform()
    port = int(live_server.url.rsplit(":", 1)[1])
    settings.IGNY8_PUBLIC_URL = f"http://{settings.IGNY8_BASE_DOMAIN}:{port}"
    return Hosts(port)


@pytest.fixture
def new_slug() -> Iterator[Callable[[str], str]]:
    """`new_slug("owner")` → a workspace slug unique to this run; its schema is dropped after."""
    made: list[str] = []

    def make(label: str) -> str:
        slug = f"e2e-{RUN_ID}-{label}"
        made.append(slug)
        return slug

    yield make
    from apps.accounts.provisioning import schema_for_slug

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        for slug in made:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema_for_slug(slug)}" CASCADE')


# A page has settled once it has loaded and no HTMX request is in flight: the fragments it
# asks for on "load" are in. Waiting for the network to go idle instead costs half a second a
# page (Playwright waits for 500 ms without a request), which over the page walks was a minute.
SETTLED = "() => document.readyState === 'complete' && !document.querySelector('.htmx-request')"


def settle(page) -> None:  # noqa: ANN001 (a Playwright Page)
    page.wait_for_function(SETTLED)
