"""A small HTTP proxy on loopback that stands between us and a WordPress (the fake or the real
one) and misbehaves on request:

    with FaultProxy(wp.url) as proxy:
        proxy.fault("/wp/v2/posts", kind="error", status=500, times=2)   # not forwarded
        proxy.fault("/igny8/v1/publish", kind="after", delay=3)          # forwarded, answer late
        proxy.fault("/wp/v2/media", kind="slow", delay=0.5)              # late, then forwarded
        ... connect to proxy.url ...

A fault matches a method (None: any) and a REST route prefix, pretty or `?rest_route=`; it
fires `times` times. `forwarded` counts what reached WordPress; `faults_fired` what was hit.
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, unquote, urlsplit

from igny8.tests.loopback import LoopbackServer


@dataclass
class Fault:
    route: str
    # "error": answer `status` without forwarding; "error_after": forward, then answer `status`
    # (WordPress did the work and crashed after); "after": forward, answer `delay` s late;
    # "slow": wait `delay` s, then forward; "drop": forward, then close without answering.
    kind: str
    method: str | None = None
    status: int = 500
    delay: float = 0.0
    times: int = 1


@dataclass
class FaultProxy(LoopbackServer):
    upstream: str
    faults: list[Fault] = field(default_factory=list)
    forwarded: list[tuple[str, str]] = field(default_factory=list)
    faults_fired: list[tuple[str, str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fault(
        self,
        route: str,
        *,
        kind: str = "error",
        method: str | None = None,
        status: int = 500,
        delay: float = 0.0,
        times: int = 1,
    ) -> None:
        with self._lock:
            self.faults.append(Fault(route, kind, method, status, delay, times))

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()

    def take(self, method: str, route: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if (
                    fault.times > 0
                    and route.startswith(fault.route)
                    and fault.method in (None, method)
                ):
                    fault.times -= 1
                    self.faults_fired.append((fault.kind, method, route))
                    return fault
        return None

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return type("ProxyHandler", (_Handler,), {"proxy": self})


def route_of(path: str) -> str:
    parts = urlsplit(path)
    if parts.path.startswith("/wp-json"):
        return parts.path[len("/wp-json") :] or "/"
    query = dict(parse_qsl(parts.query))
    return unquote(query.get("rest_route", parts.path))


class _Handler(BaseHTTPRequestHandler):
    proxy: FaultProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = do_HEAD = do_GET

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        route = route_of(self.path)
        fault = self.proxy.take(self.command, route)
        if fault is not None and fault.kind == "error":
            raw = (
                b'{"code":"internal_server_error","message":"There has been a critical '
                b'error on this website.","data":{"status":500}}'
            )
            self.send_response(fault.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
            return
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        status, headers, answer = self._forward(body)
        if fault is not None and fault.kind == "error_after":
            status, headers = fault.status, [("Content-Type", "text/html")]
            answer = b"<html><body>500 Internal Server Error</body></html>"
        if fault is not None and fault.kind == "after":
            time.sleep(fault.delay)  # the client has given up by now
        if fault is not None and fault.kind == "drop":
            self.close_connection = True
            return
        try:
            self.send_response(status)
            for name, value in headers:
                if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        upstream = urlsplit(self.proxy.upstream)
        conn = http.client.HTTPConnection(upstream.hostname, upstream.port or 80, timeout=120)
        headers = {
            k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")
        }
        headers["Host"] = upstream.netloc
        try:
            conn.request(self.command, self.path, body=body or None, headers=headers)
            response = conn.getresponse()
            answer = response.read()
            with self.proxy._lock:
                self.proxy.forwarded.append((self.command, route_of(self.path)))
            return response.status, response.getheaders(), answer
        finally:
            conn.close()
