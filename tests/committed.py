"""What tests against committed rows share: a real worker or a second connection must see
what the test wrote, so these tests are not wrapped in a transaction; they make their own
rows and jobs and remove them at the end (a transactional test would flush the public
tables and lose the session's workspaces)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import ModuleType

import pytest
from django.db import connection
from django.db.backends.base.creation import TEST_DATABASE_PREFIX
from django.test.utils import setup_databases, teardown_databases
from django_q.models import OrmQ, Task


def on_test_database() -> bool:
    return connection.settings_dict["NAME"].startswith(TEST_DATABASE_PREFIX)


@contextmanager
def committed_database(django_db_blocker: object, keepdb: bool) -> Iterator[None]:
    """Database access without a wrapping transaction, on the test database.

    pytest-django sets up the test database only when some test of the run is marked for it;
    these tests are not (the mark would wrap them in a transaction the others cannot see
    into), so when they run alone the database is set up here rather than the real one
    touched, and torn down after (unless it is kept between runs)."""
    with django_db_blocker.unblock():
        created = None
        if not on_test_database():
            created = setup_databases(
                verbosity=0, interactive=False, aliases={"default"}, keepdb=keepdb
            )
        assert on_test_database()
        try:
            yield
        finally:
            connection.set_schema_to_public()
            if created is not None and not keepdb:
                teardown_databases(created, verbosity=0)


def queue_forget(names: Iterable[str]) -> None:
    """Remove django-q2's records (queued entries, finished tasks) of these task names."""
    names = set(names)
    Task.objects.filter(name__in=names).delete()
    OrmQ.objects.filter(pk__in=[q.pk for q in OrmQ.objects.all() if q.name() in names]).delete()


def two_dispatchers_at_once(
    dispatcher: ModuleType, monkeypatch: pytest.MonkeyPatch, *, target: str, limit: int
) -> list:
    """`dispatcher.dispatch` in two threads, each on its own PostgreSQL connection (as two
    hosts would be). Each one, after its first claim, waits until the other has claimed too:
    both hold locks at the same moment, and SKIP LOCKED must keep them apart. Returns both
    reports; an error in either fails the test."""
    barrier = threading.Barrier(2, timeout=5)
    real_claim = dispatcher._claim
    first = threading.local()

    def claim_then_wait(now, limit):  # noqa: ANN001, ANN202
        rows = real_claim(now, limit)
        if not getattr(first, "done", False):
            first.done = True
            # Broken when the other one is blocked by our locks: it sees them once we commit.
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
        return rows

    monkeypatch.setattr(dispatcher, "_claim", claim_then_wait)
    reports, errors = [], []

    def run() -> None:
        try:
            reports.append(dispatcher.dispatch(target=target, limit=limit))
        except BaseException as exc:  # shown in the test thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return reports
