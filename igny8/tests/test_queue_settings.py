"""The queue's broker is an operator's choice: the leased ORM broker by default, django-q2's
Redis broker when IGNY8_QUEUE_REDIS_URL is set, and a start-up error in plain words when that
setting is on but the `redis` package is missing or the address is not a Redis one.

Each case loads the settings in a fresh process with its own environment, as a host starting
would. No Redis server and no `redis` package are needed: a stand-in package on PYTHONPATH
plays the client, recording what it is asked to do.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A stand-in for the `redis` package: enough for django-q2's Redis broker to be built, and a
# client that records its commands instead of sending them.
FAKE_REDIS = """
CALLS = []


class ConnectionError(Exception):
    pass


class Redis:
    def __init__(self, *args, **kwargs):
        self.args = (args, kwargs)

    def rpush(self, key, *values):
        CALLS.append(("rpush", key, len(values)))
        return len(values)


StrictRedis = Redis


def from_url(url, **kwargs):
    client = Redis()
    client.url = url
    return client
"""

SHOW = """
import json
import django
django.setup()
from django.conf import settings
from django_q.brokers import get_broker
from django_q.conf import Conf
broker = get_broker()
out = {
    "broker": f"{type(broker).__module__}.{type(broker).__qualname__}",
    "conf_redis": Conf.REDIS,
    "conf_orm": Conf.ORM,
    "conf_broker_class": Conf.BROKER_CLASS,
    "q_cluster_keys": sorted(settings.Q_CLUSTER),
}
if "redis" in out["broker"].lower():
    import redis
    from igny8 import jobs
    kind = jobs.JobKind(kind="noop", path="x.noop", time_limit=60)
    packed = [(("ws_a", n, "x.noop", "", [], {}), f"task{n}") for n in range(3)]
    jobs._push_each(packed, kind)
    out["client_url"] = broker.connection.url
    out["calls"] = redis.CALLS
print("RESULT " + json.dumps(out))
"""


def load(tmp_path: Path, *, redis_url: str | None, fake_redis: bool) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"IGNY8_QUEUE_REDIS_URL", "PYTEST_VERSION", "PYTHONPATH"}
    }
    env["DJANGO_SETTINGS_MODULE"] = "igny8.settings"
    env["IGNY8_JOBS_SYNC"] = "false"
    paths = [str(ROOT)]
    if fake_redis:
        (tmp_path / "redis").mkdir()
        (tmp_path / "redis" / "__init__.py").write_text(FAKE_REDIS)
        paths.insert(0, str(tmp_path))
    env["PYTHONPATH"] = os.pathsep.join(paths)
    if redis_url is not None:
        env["IGNY8_QUEUE_REDIS_URL"] = redis_url
    # Whatever this machine has installed, the "missing" case must not find a real `redis`.
    block = (
        "import sys\n"
        "class _NoRedis:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'redis' or name.startswith('redis.'):\n"
        "            raise ModuleNotFoundError(\"No module named 'redis'\")\n"
        "sys.meta_path.insert(0, _NoRedis())\n"
    )
    code = SHOW if fake_redis else block + SHOW
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def result(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def test_the_default_is_the_leased_orm_broker_without_redis(tmp_path):
    out = result(load(tmp_path, redis_url=None, fake_redis=False))
    assert out["broker"] == "igny8.queue_broker.LeasedORM"
    assert out["conf_orm"] == "default"
    assert not out["conf_redis"]


def test_the_redis_url_switches_the_queue_to_redis(tmp_path):
    url = "redis://queue.internal:6379/2"
    out = result(load(tmp_path, redis_url=url, fake_redis=True))
    assert out["broker"] == "django_q.brokers.redis_broker.Redis"
    assert out["conf_redis"] == url
    assert out["client_url"] == url
    # Nothing of the ORM broker is left to take precedence over Redis.
    assert out["conf_orm"] is None and out["conf_broker_class"] is None
    assert "orm" not in out["q_cluster_keys"] and "broker_class" not in out["q_cluster_keys"]
    # enqueue_each hands a batch to Redis in one RPUSH, in order, on django-q2's list.
    assert out["calls"] == [["rpush", "django_q:igny8:q", 3]]


def test_redis_url_without_the_package_stops_start_up_saying_what_to_install(tmp_path):
    proc = load(tmp_path, redis_url="redis://localhost:6379/0", fake_redis=False)
    assert proc.returncode != 0
    assert "IGNY8_QUEUE_REDIS_URL is set" in proc.stderr
    assert 'pip install "igny8[redis]"' in proc.stderr
    assert "ImproperlyConfigured" in proc.stderr


def test_a_redis_url_that_is_not_one_is_refused_in_plain_words(tmp_path):
    proc = load(tmp_path, redis_url="http://:s3cr3t-pw@localhost:6379", fake_redis=True)
    assert proc.returncode != 0
    assert "is not a Redis address such as redis://localhost:6379/0" in proc.stderr
    assert "s3cr3t-pw" not in proc.stderr  # the address may carry the password: not repeated
