"""The Redis side of `bench/broker.py`: a private `redis-server` for the run, and what it did.

The server is Debian's `redis-server`, started as the bench's own child process in a temporary
directory, listening on a unix socket only (no TCP port, nothing saved to disk), and stopped
at the end: never the system service. The `redis` Python package is not a project dependency
(it is the optional extra `igny8[redis]`); install it outside the project's virtualenv and
point the bench at it, e.g.

    .venv/bin/pip install --target /tmp/redis-py redis
    .venv/bin/python bench/broker.py --redis-pythonpath /tmp/redis-py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


class RedisServer:
    """`redis-server` on a unix socket in a temporary directory, for as long as the run."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError(
                "Debian's redis-server is not installed (apt-get install redis-server)."
            )
        self.dir = Path(tempfile.mkdtemp(prefix="igny8-bench-redis-"))
        self.socket = self.dir / "redis.sock"
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--unixsocketperm",
                "700",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
                "--logfile",
                str(self.dir / "redis.log"),
                "--daemonize",
                "no",
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 15
        while not self.socket.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (
                    (self.dir / "redis.log").read_text()
                    if (self.dir / "redis.log").exists()
                    else ""
                )
                self.stop()
                raise RuntimeError(f"redis-server did not start: {log[-500:]}")
            time.sleep(0.05)
        self.url = f"unix://{self.socket}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class RedisProbe:
    """What the server did: commands processed (INFO stats) and its CPU time (from /proc)."""

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.from_url(url)
        info = self.client.info("server")
        self.pid = int(info["process_id"])
        self.version = str(info["redis_version"])

    def commands(self) -> int:
        # The INFO call itself is counted too: one command per snapshot.
        return int(self.client.info("stats")["total_commands_processed"])

    def cpu_seconds(self) -> float:
        text = Path(f"/proc/{self.pid}/stat").read_text()
        fields = text[text.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def queue_length(self, key: str) -> int:
        return int(self.client.llen(key))
