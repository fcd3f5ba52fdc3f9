"""The queue broker's lease (igny8/queue_broker.py): a live worker keeps the tasks it took for
as long as they wait or run, a dead worker's come back after `retry` (tests/cluster proves it
with real hosts and SIGKILL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ

from igny8 import queue_broker
from igny8.queue_broker import LeasedORM

pytestmark = pytest.mark.django_db


@pytest.fixture
def short_retry(monkeypatch):
    monkeypatch.setattr(Conf, "RETRY", 5)
    monkeypatch.setattr(Conf, "BULK", 5)
    monkeypatch.setattr(Conf, "POLL", 0)
    # The keeper thread would open its own connection to the test database; call extend() here.
    monkeypatch.setattr(LeasedORM, "_start_keeper", lambda self: None)


def _queued(n: int) -> list[int]:
    return [
        OrmQ.objects.create(key="igny8", payload=f"task {i}", lock=timezone.now()).pk
        for i in range(n)
    ]


def _age(pk: int, seconds: float) -> None:
    """As if the row had been taken `seconds` ago: its lock runs out `retry` after that."""
    OrmQ.objects.filter(pk=pk).update(lock=timezone.now() + timedelta(seconds=Conf.RETRY - seconds))


def test_the_settings_use_the_leased_broker():
    from django_q.brokers import get_broker

    assert isinstance(get_broker(), LeasedORM)


def test_a_live_worker_keeps_its_tasks_past_retry(short_retry):
    pks = _queued(2)
    live = LeasedORM(list_key="igny8")
    assert sorted(pk for pk, _ in live.dequeue()) == pks
    for pk in pks:
        _age(pk, 6)  # past retry: without the lease another worker could take them now

    assert live.extend() == 2

    assert LeasedORM(list_key="igny8").dequeue() in (None, [])
    assert all(
        lock > timezone.now() + timedelta(seconds=4)
        for lock in OrmQ.objects.values_list("lock", flat=True)
    )


def test_a_dead_workers_tasks_go_to_another_after_retry(short_retry):
    pks = _queued(2)
    dead = LeasedORM(list_key="igny8")
    dead.dequeue()  # ...and then its host dies: nothing extends the lease
    other = LeasedORM(list_key="igny8")
    assert other.dequeue() in (None, [])  # still locked inside retry
    for pk in pks:
        _age(pk, 6)

    assert sorted(pk for pk, _ in other.dequeue()) == pks


def test_done_tasks_are_forgotten_and_a_lease_ends_at_the_cap(short_retry, monkeypatch):
    done, waiting = _queued(2)
    broker = LeasedORM(list_key="igny8")
    broker.dequeue()
    broker.acknowledge(done)

    assert broker.extend() == 1
    assert list(broker._held) == [waiting]

    monkeypatch.setattr(queue_broker, "lease_cap", lambda: -1)
    assert broker.extend() == 0
    assert broker._held == {}
