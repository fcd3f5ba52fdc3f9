"""How long one AI call can take against a server that never answers (and one that trickles).

Starts local servers on 127.0.0.1 that misbehave on purpose, points the real OpenAI-compatible
provider at them (the real `openai` client, the egress guard, our retries) with the settings
scaled down 100× (timeout 0.6 s instead of 60, deadline 1.2 s instead of 120, 3 retries), and
measures the wall time of a call. Prints the formula of the worst case, its value at the
default settings, the measured times, and the same call made the old way (the openai client's
own retries, no total deadline) for comparison. No database is needed. Run it from the
repository root:

    .venv/bin/python bench/ai_deadline.py
    .venv/bin/python bench/ai_deadline.py --runs 5
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igny8.settings")

import django  # noqa: E402

django.setup()

import openai  # noqa: E402
from django.conf import settings  # noqa: E402

from igny8.ai.config import AIConfig  # noqa: E402
from igny8.ai.errors import AIError  # noqa: E402
from igny8.ai.providers import openai_compat, retries  # noqa: E402
from igny8.ai.types import Message, TextRequest  # noqa: E402

SCALE = 100  # the default settings divided by this
DEFAULTS = {"timeout": 60.0, "retries": 3, "deadline": 120.0}


class Server:
    """A TCP server on 127.0.0.1 that accepts and then, per `mode`, says nothing ("silent") or
    sends an HTTP answer one byte every 50 ms, for ever ("trickle")."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.closing = threading.Event()
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closing.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)
            if self.mode == "trickle":
                threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: "
        try:
            for byte in head:
                conn.sendall(bytes([byte]))
                time.sleep(0.05)
            while not self.closing.wait(0.05):
                conn.sendall(b"a")
        except OSError:
            return

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def close(self) -> None:
        self.closing.set()
        for conn in self.held:
            conn.close()
        self.sock.close()


def request() -> TextRequest:
    return TextRequest(
        function="write_content",
        messages=[Message("system", "You write."), Message("user", "Write 600 words.")],
        schema={},
        input={},
        context={},
    )


def provider(base_url: str) -> openai_compat.OpenAICompatibleProvider:
    config = AIConfig(source="platform", base_url=base_url, api_key="", text_model="bench")
    return openai_compat.OpenAICompatibleProvider(config)


def timed(call) -> tuple[float, str]:  # noqa: ANN001
    started = time.monotonic()
    try:
        call()
        said = "answered (unexpected)"
    except AIError as exc:
        said = exc.message
    except openai.OpenAIError as exc:
        said = f"{type(exc).__name__}"
    return time.monotonic() - started, said


def backoff_sum(retries: int, start: float = 0.5, most: float = 8.0) -> float:
    return sum(min(start * 2**i, most) for i in range(retries))


def worst_case(timeout: float, retries: int, deadline: float) -> float:
    return min(deadline, (retries + 1) * timeout + backoff_sum(retries))


def scale_everything(factor: float) -> None:
    """Settings and the fixed waits (backoff, the shortest try worth starting, and the openai
    client's own backoff for the old way) all divided by `factor`, so that a scaled run takes
    the same path as one at the defaults, `factor` times faster."""
    import openai._base_client as base

    settings.AI_TIMEOUT_SECONDS = DEFAULTS["timeout"] / factor
    settings.AI_MAX_RETRIES = DEFAULTS["retries"]
    settings.AI_CALL_DEADLINE_SECONDS = DEFAULTS["deadline"] / factor
    retries.BACKOFF_START = 0.5 / factor
    retries.BACKOFF_MAX = 8.0 / factor
    retries.MIN_TRY_SECONDS = 1.0 / factor
    base.INITIAL_RETRY_DELAY = 0.5 / factor
    base.MAX_RETRY_DELAY = 8.0 / factor


def measure(label: str, server: Server, runs: int) -> tuple[float, str]:
    times, said = [], ""
    for _ in range(runs):
        made = provider(server.base_url)  # (not timed: building the client is not the call)
        seconds, said = timed(lambda made=made: made.complete_text(request()))
        times.append(seconds)
    worst = max(times)
    print(f"  {label}: median {statistics.median(times):.3f} s, max {worst:.3f} s ({runs} runs)")
    print(f"    × {SCALE} = {worst * SCALE:.0f} s at the defaults")
    print(f"    the error says: {said}")
    return worst, said


def old_way(server: Server, runs: int) -> float:
    """The call as it was made before: the openai client's timeout and retries, no deadline."""
    times = []
    for _ in range(runs):
        client = openai.OpenAI(
            base_url=server.base_url,
            api_key="x",
            timeout=settings.AI_TIMEOUT_SECONDS,
            max_retries=settings.AI_MAX_RETRIES,
        )
        seconds, _ = timed(
            lambda client=client: client.chat.completions.create(
                model="bench", messages=[{"role": "user", "content": "hi"}]
            )
        )
        times.append(seconds)
    return max(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("igny8").setLevel(logging.ERROR)

    t, r, d = DEFAULTS["timeout"], DEFAULTS["retries"], DEFAULTS["deadline"]
    print("Worst-case wall time of one AI call against a server that never answers")
    print("  formula: min(D, (R + 1) × T + Σ_{i<R} backoff(i)) + connect/teardown overhead")
    print("           backoff(i) = min(0.5 × 2^i, 8) s (less up to a quarter at random)")
    print(
        f"  defaults: T = AI_TIMEOUT_SECONDS = {t:g} s, R = AI_MAX_RETRIES = {r}, "
        f"D = AI_CALL_DEADLINE_SECONDS = {d:g} s"
    )
    print(
        f"  → min({d:g}, {r + 1} × {t:g} + {backoff_sum(r):g}) = {worst_case(t, r, d):g} s; "
        f"before the deadline existed: {(r + 1) * t + backoff_sum(r):g} s"
    )
    limit = int(settings.AI_JOB_MAX_PROVIDER_FAILURES)
    print(
        f"  a job over many items stops after {limit} provider failures in a row: at most "
        f"{limit} × {worst_case(t, r, d):g} = {limit * worst_case(t, r, d):g} s of waiting "
        "(before: every item, each up to the figure above)"
    )
    print()
    scale_everything(SCALE)
    print(
        f"Measured with every setting and wait scaled down {SCALE}×: "
        f"T = {settings.AI_TIMEOUT_SECONDS:g} s, R = {settings.AI_MAX_RETRIES}, "
        f"D = {settings.AI_CALL_DEADLINE_SECONDS:g} s"
    )
    silent, trickle = Server("silent"), Server("trickle")
    try:
        measure("a server that never answers", silent, args.runs)
        measure("a server that trickles a byte every 50 ms", trickle, args.runs)
        before = old_way(silent, args.runs)
        print(
            f"  the old way (the openai client's timeout and {settings.AI_MAX_RETRIES} retries, "
            f"no deadline), never answering: max {before:.3f} s; × {SCALE} = "
            f"{before * SCALE:.0f} s at the defaults"
        )
        print(
            "  the old way against the trickling server has no bound at all: every byte "
            "resets the read timeout (not run)."
        )
    finally:
        silent.close()
        trickle.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
