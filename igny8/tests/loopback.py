"""What our wire fakes share (Stripe, OpenAI, WordPress, the fault proxy): a threaded HTTP
server on 127.0.0.1, at a port the system picks, serving from a daemon thread while the fake
is entered (`with FakeStripe() as stripe: …`).

A fake says which request handler answers (`handler()`) and may act as it stops
(`stopping()`, e.g. to release answers it holds back)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar, Self


class LoopbackServer:
    # How often the serving loop looks for a shutdown (the standard library's default is
    # half a second; fakes started and stopped in every test ask for less).
    poll_interval: ClassVar[float] = 0.5
    _server: ThreadingHTTPServer | None = None

    def handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def stopping(self) -> None:
        """Called before the server shuts down."""

    @property
    def origin(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    url = origin

    def __enter__(self) -> Self:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": self.poll_interval},
            daemon=True,
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self.stopping()
        self._server.shutdown()
        self._server.server_close()
