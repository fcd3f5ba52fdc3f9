"""Cluster tests (marker `cluster`): real PostgreSQL, PgBouncer, gunicorn, qcluster and haproxy
processes, each on a host of its own (tests/cluster/harness.py). They need root and Debian's
postgresql, pgbouncer and haproxy; `.ci/run` installs them. Without them the tests are skipped,
unless IGNY8_REQUIRE_CLUSTER=1 (CI) makes that a failure."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster import harness


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.cluster)


@pytest.fixture
def cluster() -> Iterator[harness.Cluster]:
    reason = harness.missing()
    if reason:
        if os.environ.get("IGNY8_REQUIRE_CLUSTER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    workdir = Path(tempfile.mkdtemp(prefix="igny8-cluster-"))
    os.chmod(workdir, 0o755)
    made = harness.Cluster(workdir=workdir)
    try:
        yield made
    finally:
        made.close()
        # IGNY8_KEEP_CLUSTER=1 keeps the logs of every host (<workdir>/<host>.log) to read.
        if os.environ.get("IGNY8_KEEP_CLUSTER") != "1":
            shutil.rmtree(workdir, ignore_errors=True)
