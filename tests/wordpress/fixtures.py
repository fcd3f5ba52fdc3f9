"""The `wordpress` session fixture: a real WordPress with the IGNY8 Bridge plugin (see
harness.py). Registered from the root conftest so any test (tests/wordpress, e2e) can ask for
it; every test using it gets the `wordpress` marker.

Missing Debian packages skip these tests with the reason, unless IGNY8_REQUIRE_WORDPRESS=1
(CI, `.ci/run`), which makes them fail instead."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.wordpress import harness


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "wordpress" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.wordpress)


@pytest.fixture(scope="session")
def wordpress() -> Iterator[harness.WordPress]:
    reason = harness.missing()
    if reason:
        if os.environ.get("IGNY8_REQUIRE_WORDPRESS") == "1":
            pytest.fail(f"IGNY8_REQUIRE_WORDPRESS=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    site = harness.start()
    yield site
    site.close()


@pytest.fixture(autouse=True)
def _wordpress_left_disconnected(request: pytest.FixtureRequest) -> Iterator[None]:
    """The WordPress is the session's: every test that used it leaves the plugin without a
    connection string, so the next one finds it as a fresh install would be."""
    yield
    if "wordpress" not in request.fixturenames:
        return
    try:
        site = request.getfixturevalue("wordpress")
    except (pytest.skip.Exception, pytest.fail.Exception):
        return  # no WordPress here: the test was skipped or failed for that already
    site.disconnect()


@pytest.fixture
def api_recorder() -> Iterator[harness.Recorder]:
    """A fake IGNY8 API on loopback recording the plugin's calls (see harness.Recorder)."""
    recorder = harness.Recorder()
    yield recorder
    recorder.close()
