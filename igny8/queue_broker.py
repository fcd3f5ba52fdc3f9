"""django-q2's ORM broker, with a lease: a live worker keeps the tasks it took, a dead worker's
tasks come back to the queue after `retry` seconds.

The ORM broker hands a task out by locking its queue row until `now + retry`, and deletes the
row once the task is done. A worker host that dies (SIGKILL, out of memory, its machine gone)
leaves its rows locked; another worker takes them only when the lock runs out. Without a lease
`retry` has to be longer than the longest job, or a task still running (or still waiting in a
busy worker's own queue) would be handed out a second time: half an hour, by which time the
sweeper had marked the job failed.

Here the process that takes tasks (django-q2's pusher, one per `qcluster`) remembers the rows
it took, and a thread pushes their locks forward every `retry / 3` seconds until they are gone
(done and acknowledged). `retry` (`IGNY8_QUEUE_RETRY`) can then be short: a live host keeps its
tasks however long they wait or run; the tasks of a dead one go to another host `retry` seconds
after it died. A lease ends by itself after the longest a task may take (`JOBS_MAX_TIMEOUT`
plus five minutes, the bound `retry` had before), so a task lost inside a live host still comes
back. Jobs stay idempotent anyway: the queue delivers at least once.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django_q.brokers.orm import ORM
from django_q.conf import Conf

log = logging.getLogger(__name__)


def lease_cap() -> float:
    """Seconds after which a lease is no longer extended (the old, lease-less `retry`)."""
    return settings.JOBS_MAX_TIMEOUT + 300


class LeasedORM(ORM):
    def __init__(self, list_key: str | None = None) -> None:
        super().__init__(list_key=list_key)
        self._held: dict[int, float] = {}  # queue row id -> when this process took it
        self._lock = threading.Lock()
        self._keeper: threading.Thread | None = None

    def dequeue(self):  # noqa: ANN201 (django-q2's signature)
        tasks = super().dequeue()
        if tasks:
            now = time.monotonic()
            with self._lock:
                for pk, _payload in tasks:
                    self._held[pk] = now
            self._start_keeper()
        return tasks

    def _start_keeper(self) -> None:
        if self._keeper is None or not self._keeper.is_alive():
            self._keeper = threading.Thread(target=self._keep, name="queue-lease", daemon=True)
            self._keeper.start()

    def _keep(self) -> None:
        every = max(0.5, Conf.RETRY / 3)
        while True:
            time.sleep(every)
            try:
                self.extend()
            except Exception:  # a database hiccup: try again at the next beat
                log.warning("could not extend the queue leases", exc_info=True)
                connections.close_all()

    def extend(self) -> int:
        """Push forward the lock of every row this process holds; forget the rows that are
        gone (done) or past the lease cap. Returns how many rows were extended."""
        cutoff = time.monotonic() - lease_cap()
        with self._lock:
            for pk in [pk for pk, took in self._held.items() if took < cutoff]:
                del self._held[pk]
            held = list(self._held)
        if not held:
            return 0
        rows = self.get_connection().filter(pk__in=held)
        alive = set(rows.values_list("pk", flat=True))
        extended = rows.update(lock=timezone.now() + timedelta(seconds=Conf.RETRY))
        with self._lock:
            for pk in held:
                if pk not in alive:
                    self._held.pop(pk, None)
        return extended
