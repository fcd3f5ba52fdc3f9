"""The job `bench/broker.py` queues: registered like a real job, and it does nothing.

It lives in a module of its own because the workers (`manage.py qcluster`, with `bench/` on
their PYTHONPATH) import it by name, and registering it needs Django's settings first.
"""

from __future__ import annotations

from igny8.jobs import job


@job(kind="bench_noop", time_limit=60)
def noop(record) -> dict:  # noqa: ANN001 - the Job row, as every job gets it
    """Nothing: what is measured is the way to the worker and back, not the work."""
    return {"message": "ok"}
