"""The egress guard: which addresses a workspace may aim our servers at, that the address
checked is the address connected to, no redirects, bounded answers, and a peer's body never
shown; through the guard's own client and through the real openai client."""

from __future__ import annotations

import gzip
import ipaddress
import os
import socket
import subprocess
import sys
import time
import zlib
from pathlib import Path

import httpcore
import httpx
import pytest

from igny8 import egress
from igny8.ai.config import AIConfig
from igny8.ai.errors import AIError, ProviderUnavailable
from igny8.ai.providers import openai_compat
from igny8.ai.providers.openai_compat import OpenAICompatibleProvider
from igny8.ai.types import ImageRequest
from igny8.egress import EgressPolicy, EgressRefused, ResponseTooLarge
from igny8.tests.listener import Listener

CLOSED = EgressPolicy()
OPEN = EgressPolicy(allow_private=True)

# Closed by default; opened by the operator's "allow private addresses".
PRIVATE_HOSTS = [
    "127.0.0.1",
    "127.1",
    "2130706433",  # 127.0.0.1 as one decimal number
    "0x7f000001",
    "0177.0.0.1",
    "10.1.2.3",
    "172.16.0.9",
    "192.168.1.1",
    "192.0.2.10",  # documentation
    "[::1]",
    "[fc00::5]",
    "[::ffff:127.0.0.1]",
    "[2002:7f00:1::]",  # 6to4 around 127.0.0.1
]
# Closed even then: the metadata service, multicast, reserved, "this network".
NEVER_HOSTS = [
    "0",
    "0.0.0.0",
    "0.1.2.3",
    "169.254.169.254",  # cloud metadata
    "[fe80::1]",
    "[::ffff:a9fe:a9fe]",
    "[64:ff9b::a9fe:a9fe]",  # NAT64 around 169.254.169.254
    "[fd00:ec2::254]",  # AWS's metadata service over IPv6 (a ULA address)
    "100.64.0.1",  # shared address space (carrier NAT)
    "224.0.0.1",  # multicast
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "[::]",
    "[ff02::1]",
]
LOCAL_NAMES = ["localhost", "api.localhost", "vllm", "metadata.google.internal", "gpu.local"]


@pytest.fixture
def listener():
    with Listener() as server:
        yield server


@pytest.mark.parametrize("host", PRIVATE_HOSTS + NEVER_HOSTS)
def test_private_and_special_addresses_are_refused_however_written(host):
    with pytest.raises(EgressRefused, match="private or local address"):
        egress.url_check(f"http://{host}:8000/v1", CLOSED)


@pytest.mark.parametrize("host", PRIVATE_HOSTS)
def test_the_operator_may_open_private_networks(host):
    egress.url_check(f"http://{host}:8000/v1", OPEN)


@pytest.mark.parametrize("host", NEVER_HOSTS)
def test_metadata_multicast_and_reserved_stay_closed_when_private_is_open(host):
    with pytest.raises(EgressRefused, match="never called on a workspace's behalf"):
        egress.url_check(f"http://{host}:8000/v1", OPEN)


def test_a_listed_network_opens_even_link_local():
    policy = EgressPolicy(allowed_networks=(ipaddress.ip_network("169.254.10.0/24"),))
    egress.url_check("http://169.254.10.5/v1", policy)
    with pytest.raises(EgressRefused):
        egress.url_check("http://169.254.169.254/v1", policy)


@pytest.mark.parametrize("host", LOCAL_NAMES)
def test_local_names_are_refused_while_no_private_network_is_open(host):
    with pytest.raises(EgressRefused, match="local name"):
        egress.url_check(f"http://{host}:11434/v1", CLOSED)
    egress.url_check(f"http://{host}:11434/v1", OPEN)


@pytest.mark.parametrize("host", ["8.8.8.8", "[2606:4700::1111]", "api.openai.com"])
def test_public_addresses_pass(host):
    egress.url_check(f"https://{host}/v1", CLOSED)


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "file:///etc/passwd", "gopher://example.com/", "data:text/plain,x"],
)
def test_only_http_and_https(url):
    with pytest.raises(EgressRefused, match="Only http:// and https://"):
        egress.url_check(url, OPEN)


def test_credentials_in_the_address_are_refused():
    with pytest.raises(EgressRefused, match="user name and password"):
        egress.url_check("https://user:pass@example.com/v1", CLOSED)


def test_an_operator_network_opens_only_that_network():
    policy = EgressPolicy(allowed_networks=(ipaddress.ip_network("10.0.5.0/24"),))
    egress.url_check("http://10.0.5.7:11434/v1", policy)
    with pytest.raises(EgressRefused):
        egress.url_check("http://10.0.6.7:11434/v1", policy)
    with pytest.raises(EgressRefused):
        egress.url_check("http://169.254.169.254/latest/meta-data/", policy)


def test_settings_open_private_addresses_under_debug_only():
    """The production default is closed; DEBUG (development) opens it."""
    code = "from django.conf import settings; print(settings.IGNY8_EGRESS_ALLOW_PRIVATE)"
    base = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    base.update(DJANGO_SETTINGS_MODULE="igny8.settings", DATABASE_URL="postgresql://x@db/x")
    root = Path(__file__).resolve().parents[2]
    seen = {}
    for debug in ("false", "true"):
        out = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            env={**base, "DEBUG": debug, "SECRET_KEY": "x" * 60},
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        seen[debug] = out.stdout.strip()
    assert seen == {"false": "False", "true": "True"}


# --- the connection ------------------------------------------------------------------------


def test_a_name_that_resolves_to_loopback_never_connects(listener):
    """Resolution happens inside the connection: `localhost` passes no text check when the
    guard is reached directly, and still nothing arrives."""
    with egress.client(CLOSED, timeout=2) as http, pytest.raises(EgressRefused):
        http.get(f"http://localhost:{listener.port}/v1/models")
    assert listener.connections == 0


def test_the_checked_address_is_the_connected_address(monkeypatch):
    """DNS rebinding: the first answer is public, later answers are loopback. The guard asks
    once and connects to the very address it checked, not to the name again."""
    answers = iter(["93.184.216.34", "127.0.0.1", "127.0.0.1"])
    asked: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    connected: list[str] = []

    def connect_tcp(self, host, port, *args, **kwargs):
        connected.append(host)
        raise httpcore.ConnectError("no network in tests")

    monkeypatch.setattr(egress.socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", connect_tcp)
    with egress.client(CLOSED, timeout=2) as http, pytest.raises(httpx.ConnectError):
        http.get("https://rebind.example/v1/models")
    assert asked == ["rebind.example"]
    assert connected == ["93.184.216.34"]


def test_a_name_with_one_private_answer_among_public_ones_is_refused(monkeypatch):
    def getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.8", port)),
        ]

    monkeypatch.setattr(egress.socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(EgressRefused, match=r"mixed\.example \(10\.0\.0\.8\)"):
        egress.resolve("mixed.example", 443, CLOSED)


def _slow_name_server(monkeypatch, seconds: float) -> None:
    """A name server that answers (a public address) only after `seconds`."""

    def getaddrinfo(host, port, *args, **kwargs):
        time.sleep(seconds)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]

    monkeypatch.setattr(egress.socket, "getaddrinfo", getaddrinfo)


def test_a_name_server_that_never_answers_ends_with_the_deadline(monkeypatch):
    """getaddrinfo has no timeout of its own: the lookup is given up when the deadline (or
    the connect timeout) is reached, not when the resolver gives up tens of seconds later."""
    from igny8 import deadlines

    _slow_name_server(monkeypatch, 5)
    started = time.monotonic()
    looking_up = pytest.raises(httpx.ConnectTimeout, match="Looking up slow-dns.example")
    with deadlines.within(0.3), egress.client(CLOSED, timeout=30) as http, looking_up:
        http.get("https://slow-dns.example/v1/models")
    assert time.monotonic() - started < 1.0
    started = time.monotonic()
    with egress.client(CLOSED, timeout=0.3) as http, pytest.raises(httpx.ConnectTimeout):
        http.get("https://slow-dns.example/v1/models")
    assert time.monotonic() - started < 1.0


def test_redirects_are_not_followed(listener):
    bouncer = Listener(status=302, headers={"Location": listener.origin + "/secret"})
    with bouncer, egress.client(OPEN, timeout=2) as http:
        response = http.get(bouncer.origin + "/v1/models")
    assert response.status_code == 302
    assert listener.heard == []


def test_an_answer_larger_than_the_bound_is_cut_off():
    big = Listener(body=b"x" * 5000, headers={})
    too_large = pytest.raises(ResponseTooLarge, match="sent more than 1,000 bytes")
    with big, egress.client(OPEN.bounded(1000), timeout=2) as http, too_large:
        http.get(big.origin + "/")


def test_a_compressed_answer_is_bounded_by_what_it_unpacks_to():
    """50 KB of gzip that unpacks to 50 MB: the bound is on what the caller would hold, so the
    read stops at the bound instead of unpacking the whole bomb in memory."""
    bomb = gzip.compress(b"\0" * (50 * 1024 * 1024))
    assert len(bomb) < 100_000
    too_large = pytest.raises(ResponseTooLarge, match="sent more than 1 MB")
    for wrapped in (bomb, gzip.compress(bomb)):
        encoding = "gzip" if wrapped is bomb else "gzip, gzip"
        peer = Listener(body=wrapped, headers={"Content-Encoding": encoding})
        with peer, egress.client(OPEN.bounded(1024 * 1024), timeout=5) as http, too_large:
            http.get(peer.origin + "/")


@pytest.mark.parametrize(
    ("encoding", "pack"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS)),  # raw, as IIS
        ("identity", lambda data: data),
    ],
    ids=["gzip", "deflate", "raw-deflate", "identity"],
)
def test_compressed_answers_within_the_bound_read_as_sent(encoding, pack):
    body = b'{"ok": true, "padding": "' + b"x" * 200_000 + b'"}'
    peer = Listener(body=pack(body), headers={"Content-Encoding": encoding})
    with peer, egress.client(OPEN.bounded(len(body)), timeout=5) as http:
        response = http.get(peer.origin + "/")
    assert response.json()["ok"] is True
    assert response.content == body
    assert peer.heard[0].headers["accept-encoding"] == "gzip, deflate"


def test_a_broken_compressed_answer_is_a_decoding_error():
    peer = Listener(body=b"\x1f\x8b not gzip at all", headers={"Content-Encoding": "gzip"})
    with peer, egress.client(OPEN, timeout=5) as http, pytest.raises(httpx.DecodingError):
        http.get(peer.origin + "/")


def test_a_proxy_in_the_environment_is_not_used(listener, monkeypatch):
    """A proxy would connect for us, to an address the guard never checked."""
    monkeypatch.setenv("HTTP_PROXY", listener.origin)
    monkeypatch.setenv("http_proxy", listener.origin)
    with egress.client(CLOSED, timeout=2) as http, pytest.raises(EgressRefused):
        http.get("http://169.254.169.254/latest/meta-data/")
    assert listener.connections == 0


# --- through the AI provider -----------------------------------------------------------------


def provider(base_url: str, *, source: str = "workspace") -> OpenAICompatibleProvider:
    return OpenAICompatibleProvider(
        AIConfig(source=source, base_url=base_url, api_key="sk-secret-1234", text_model="m")
    )


@pytest.fixture
def quick(settings):
    settings.AI_TIMEOUT_SECONDS = 2
    settings.AI_MAX_RETRIES = 2
    return settings


def test_a_workspace_provider_on_loopback_is_refused_before_any_byte_leaves(listener, quick):
    for host in ("127.0.0.1", "2130706433", "localhost"):
        with pytest.raises(AIError, match="private or local|local name"):
            provider(f"http://{host}:{listener.port}/v1").test_connection()
    assert listener.connections == 0


def test_the_operators_own_provider_is_not_restricted(listener, quick):
    """AI_BASE_URL from the environment is the operator's: a loopback Ollama is fine."""
    listener.body = (
        b'{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,'
        b'"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}'
    )
    message = provider(listener.origin + "/v1", source="platform").test_connection()
    assert message.startswith("Connected to 127.0.0.1")
    assert listener.heard[0].headers["authorization"] == "Bearer sk-secret-1234"


def test_a_redirecting_provider_is_named_and_not_followed(listener, quick, private_egress):
    bouncer = Listener(status=307, headers={"Location": listener.origin + "/v1/chat/completions"})
    with bouncer, pytest.raises(AIError, match=r"redirect \(307\).*does not follow redirects"):
        provider(bouncer.origin + "/v1").test_connection()
    assert listener.heard == []


def test_a_peers_page_is_never_shown(quick, private_egress):
    quick.AI_MAX_RETRIES = 0
    page = b"<html><body><h1>Admin console</h1>db_password=hunter2</body></html>"
    for status in (400, 404, 500, 503):
        peer = Listener(status=status, body=page, headers={"Content-Type": "text/html"})
        with peer, pytest.raises(AIError) as caught:
            provider(peer.origin + "/v1").test_connection()
        assert "hunter2" not in caught.value.message
        assert "Admin console" not in caught.value.message
        assert f"({status})" in caught.value.message


def test_a_structured_error_message_is_shown_trimmed_and_without_markup(quick, private_egress):
    body = b'{"error": {"message": "Model \\u202eevil\\u202c is busy <script>x</script>"}}'
    with Listener(status=400, body=body) as peer, pytest.raises(AIError) as caught:
        provider(peer.origin + "/v1").test_connection()
    assert "<script>" not in caught.value.message
    assert "\u202e" not in caught.value.message


def test_an_oversized_answer_stops_the_read(quick, private_egress, monkeypatch):
    monkeypatch.setattr(openai_compat, "MAX_RESPONSE_BYTES", 2000)
    with Listener(body=b'{"choices": [' + b" " * 10_000 + b"]}") as peer:
        with pytest.raises(AIError, match="sent more than 2,000 bytes"):
            provider(peer.origin + "/v1").test_connection()
        assert len(peer.heard) == 1  # refused at once, not retried


def test_a_compressed_answer_that_unpacks_past_the_bound_stops_the_read(
    quick, private_egress, monkeypatch
):
    quick.AI_TIMEOUT_SECONDS = 10  # a loaded machine must not turn this into a timeout
    monkeypatch.setattr(openai_compat, "MAX_RESPONSE_BYTES", 100_000)
    bomb = gzip.compress(b'{"choices": [' + b" " * 20_000_000 + b"]}")
    peer = Listener(body=bomb, headers={"Content-Encoding": "gzip"})
    with peer, pytest.raises(AIError, match="sent more than 100,000 bytes"):
        provider(peer.origin + "/v1").test_connection()


def test_an_image_url_in_an_answer_goes_through_the_guard(quick, settings):
    """The workspace's provider sits on an opened network; the image URL it answers with
    points at the metadata service: refused, not downloaded."""
    settings.IGNY8_EGRESS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    for target in ("http://169.254.169.254/latest/meta-data/", "http://[::ffff:a9fe:a9fe]/x"):
        answer = b'{"created": 1, "data": [{"url": "%s"}]}' % target.encode()
        with Listener(body=answer) as peer:
            config = AIConfig(
                source="workspace", base_url=peer.origin + "/v1", image_model="dall-e"
            )
            with pytest.raises(ProviderUnavailable, match="private or local address"):
                OpenAICompatibleProvider(config).generate_image(
                    ImageRequest(prompt="a cat", size="64x64")
                )
