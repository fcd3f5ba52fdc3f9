"""A local HTTP server that answers like the OpenAI API.

The real `openai` client talks to it (base_url = `fake.base_url`), so request building, retries
with backoff, timeouts, error mapping and response parsing all run for real. It records every
request (method, path, query, JSON body, headers) and answers each endpoint from a script:

    with FakeOpenAI() as fake:
        fake.script("chat", [rate_limited(), ok('{"ideas": []}')])
        fake.always("images", server_error())      # every images call, until changed
        ... provider calls ...
        assert len(fake.calls("chat")) == 2

Endpoints: "chat" (POST …/chat/completions), "images" (POST …/images/generations),
"embeddings" (POST …/embeddings), "models" (GET …/models), and GET /files/<name> serving the
images `fake.image_url_reply()` points at. With nothing scripted an endpoint succeeds: chat
answers `{"ok": true}`, images a PNG of the requested size in base64, embeddings one small
deterministic vector per input. A request without `Authorization: Bearer <api_key>` gets the
API's 401 (set `api_key=""` to accept anything).
"""

from __future__ import annotations

import array
import base64
import hashlib
import io
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

from PIL import Image

from igny8.tests.loopback import LoopbackServer

API_KEY = "sk-test-fake-igny8-5f3c9a1d7e2b4c6a"


def connect_fake_ai(base_url: str, *, text_model: str = "gpt-4o-mini", image_model: str = ""):  # noqa: ANN201
    """The current workspace's own AI settings, pointed at a fake at `base_url` with its key
    (call it inside the workspace's schema). Returns the settings row."""
    from apps.workspace.models import AIProviderSettings
    from igny8.ai import crypto

    return AIProviderSettings.objects.create(
        base_url=base_url,
        api_key_encrypted=crypto.encrypt(API_KEY),
        api_key_hint=crypto.hint(API_KEY),
        text_model=text_model,
        image_model=image_model,
    )


_ids = itertools.count(1)

ENDPOINTS = {
    "chat": ("POST", "/chat/completions"),
    "images": ("POST", "/images/generations"),
    "embeddings": ("POST", "/embeddings"),
    "models": ("GET", "/models"),
}


@dataclass
class Reply:
    """One scripted answer. Leave `json` unset for the endpoint's normal success body (chat:
    with `content` as the message); `delay` seconds pass before answering (for timeouts)."""

    status: int = 200
    json: Any = None
    content: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    raw: bytes | None = None  # a body that is not JSON at all


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]


# --- scripted behaviours ---------------------------------------------------------------------

_FAST_RETRY = {"retry-after-ms": "10"}  # the client honours it: retries stay quick in tests


def ok(content: str) -> Reply:
    """A chat completion whose message is `content` (JSON or not: the caller decides)."""
    return Reply(content=content)


def error(status: int, message: str, *, type_: str, code: str | None = None, **extra) -> Reply:
    body = {"error": {"message": message, "type": type_, "param": None, "code": code, **extra}}
    headers = dict(_FAST_RETRY) if status == 429 or status >= 500 else {}
    return Reply(status=status, json=body, headers=headers)


def rate_limited() -> Reply:
    return error(
        429,
        "Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3.",
        type_="requests",
        code="rate_limit_exceeded",
    )


def server_error() -> Reply:
    return error(
        500, "The server had an error while processing your request.", type_="server_error"
    )


def slow(seconds: float, content: str = '{"ok": true}') -> Reply:
    """A success that comes too late for a client with a shorter timeout."""
    return Reply(content=content, delay=seconds)


def unauthorized(message: str = "Incorrect API key provided: sk-test-****. ") -> Reply:
    return error(401, message, type_="invalid_request_error", code="invalid_api_key")


def model_not_found(model: str) -> Reply:
    return error(
        404,
        f"The model `{model}` does not exist or you do not have access to it.",
        type_="invalid_request_error",
        code="model_not_found",
    )


def rejects_response_format() -> Reply:
    reply = error(
        400,
        "Invalid parameter: 'response_format' of type 'json_object' is not supported with "
        "this model.",
        type_="invalid_request_error",
    )
    reply.json["error"]["param"] = "response_format"
    return reply


def bad_request(message: str, param: str | None = None) -> Reply:
    reply = error(400, message, type_="invalid_request_error")
    reply.json["error"]["param"] = param
    return reply


def png(width: int = 64, height: int = 64, fmt: str = "PNG", color=(37, 99, 235)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format=fmt)
    return out.getvalue()


def image_b64_reply(data: bytes) -> Reply:
    return Reply(json={"created": int(time.time()), "data": [{"b64_json": _b64(data)}]})


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _vector(text: str, dims: int = 8) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    return [round(b / 255 - 0.5, 4) for b in digest[:dims]]


# --- the server ------------------------------------------------------------------------------


@dataclass
class FakeOpenAI(LoopbackServer):
    poll_interval: ClassVar[float] = 0.02
    api_key: str = API_KEY
    models: list[str] = field(default_factory=lambda: ["gpt-4o-mini", "gpt-image-1"])
    requests: list[Received] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    _scripts: dict[str, list[Reply]] = field(default_factory=dict)
    _always: dict[str, Reply] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _closing: threading.Event = field(default_factory=threading.Event)

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1"

    def script(self, endpoint: str, replies: list[Reply]) -> None:
        """The next calls to `endpoint` answer these, in order; then the default again."""
        assert endpoint in ENDPOINTS, endpoint
        with self._lock:
            self._scripts.setdefault(endpoint, []).extend(replies)

    def always(self, endpoint: str, reply: Reply | None) -> None:
        """Every call to `endpoint` (once the script is used up) answers `reply`."""
        assert endpoint in ENDPOINTS, endpoint
        with self._lock:
            if reply is None:
                self._always.pop(endpoint, None)
            else:
                self._always[endpoint] = reply

    def calls(self, endpoint: str) -> list[Received]:
        method, suffix = ENDPOINTS[endpoint]
        return [r for r in self.requests if r.method == method and r.path.endswith(suffix)]

    def serve_file(self, data: bytes, name: str = "") -> str:
        """An absolute URL on this server that serves `data`."""
        name = name or f"img_{next(_ids)}.png"
        self.files[name] = data
        return f"{self.origin}/files/{name}"

    def image_url_reply(self, data: bytes) -> Reply:
        """An images answer pointing at a URL (as dall-e does without b64_json)."""
        url = self.serve_file(data)
        return Reply(json={"created": int(time.time()), "data": [{"url": url}]})

    # --- answering ------------------------------------------------------------------------

    def _next(self, endpoint: str) -> Reply | None:
        with self._lock:
            queue = self._scripts.get(endpoint)
            if queue:
                return queue.pop(0)
            return self._always.get(endpoint)

    def answer(self, received: Received) -> tuple[int, Any, dict[str, str], float]:
        """(status, body (JSON-able or bytes), headers, delay)."""
        self.requests.append(received)
        if received.method == "GET" and received.path.startswith("/files/"):
            data = self.files.get(received.path.removeprefix("/files/"))
            if data is None:
                return 404, b"not found", {"Content-Type": "text/plain"}, 0
            return 200, data, {"Content-Type": "image/png"}, 0
        if self.api_key and received.headers.get("authorization") != f"Bearer {self.api_key}":
            reply = unauthorized()
            return reply.status, reply.json, {}, 0
        endpoint = next(
            (
                name
                for name, (method, suffix) in ENDPOINTS.items()
                if received.method == method and received.path.endswith(suffix)
            ),
            None,
        )
        if endpoint is None:
            return 404, {"error": {"message": "Not found", "type": "invalid_request_error"}}, {}, 0
        reply = self._next(endpoint) or Reply()
        if reply.raw is not None:
            body: Any = reply.raw
        elif reply.json is not None:
            body = reply.json
        else:
            body = getattr(self, f"_{endpoint}_body")(received.body or {}, reply)
        return reply.status, body, reply.headers, reply.delay

    def _chat_body(self, request: dict, reply: Reply) -> dict:
        content = reply.content if reply.content is not None else '{"ok": true}'
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in request["messages"])
        completion_tokens = len(content.split())
        return {
            "id": f"chatcmpl-fake{next(_ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model", ""),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
            "system_fingerprint": "fp_fake",
        }

    def _images_body(self, request: dict, reply: Reply) -> dict:
        width, height = (int(n) for n in str(request.get("size", "64x64")).split("x"))
        data = png(width, height)
        if request.get("response_format") == "url":
            item = {"url": self.serve_file(data)}
        else:
            item = {"b64_json": _b64(data)}
        return {"created": int(time.time()), "data": [item]}

    def _embeddings_body(self, request: dict, reply: Reply) -> dict:
        texts = request.get("input", [])
        texts = [texts] if isinstance(texts, str) else texts
        as_base64 = request.get("encoding_format") == "base64"
        data = []
        for i, text in enumerate(texts):
            vector = _vector(str(text))
            embedding: Any = _b64(array.array("f", vector).tobytes()) if as_base64 else vector
            data.append({"object": "embedding", "index": i, "embedding": embedding})
        tokens = sum(len(str(t).split()) for t in texts)
        return {
            "object": "list",
            "data": data,
            "model": request.get("model", ""),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    def _models_body(self, request: dict, reply: Reply) -> dict:
        return {
            "object": "list",
            "data": [
                {"id": m, "object": "model", "created": 1700000000, "owned_by": "fake"}
                for m in self.models
            ],
        }

    # --- running --------------------------------------------------------------------------

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
                url = urlsplit(self.path)
                received = Received(
                    method=self.command,
                    path=url.path,
                    query=dict(parse_qsl(url.query, keep_blank_values=True)),
                    body=body,
                    headers={k.lower(): v for k, v in self.headers.items()},
                )
                status, payload, headers, delay = fake.answer(received)
                if delay and fake._closing.wait(delay):
                    return
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    if "Content-Type" not in headers:
                        self.send_header("Content-Type", "application/json")
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("x-request-id", f"req_fake_{next(_ids)}")
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timed out) before the answer came

            do_GET = do_POST = _serve

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def stopping(self) -> None:
        self._closing.set()  # answers held back (a delay) end now


# --- servers that do not answer ----------------------------------------------------------------


class Unanswering:
    """A TCP server on 127.0.0.1 that accepts connections and then never answers ("silent"),
    or answers an HTTP status line and headers one byte every 50 ms for ever ("trickle"): the
    two ways a server can hold a client that only has per-read timeouts."""

    def __init__(self, mode: str = "silent") -> None:
        import socket

        self.mode = mode
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._held: list = []
        self._closing = threading.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            self._held.append(conn)
            if self.mode == "trickle":
                threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn) -> None:  # noqa: ANN001
        data = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: "
        try:
            for byte in data:
                if self._closing.wait(0.05):
                    return
                conn.sendall(bytes([byte]))
            while not self._closing.wait(0.05):
                conn.sendall(b"a")
        except OSError:
            return

    def __enter__(self) -> Unanswering:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        for conn in self._held:
            conn.close()
        self.sock.close()
