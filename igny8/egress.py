"""The egress guard: every outbound call the platform makes on a tenant's behalf (its AI
provider, its WordPress site, an image URL an answer points at) goes through here.

A workspace owner can type any address into a settings form, so without a guard our servers
would call whatever they are told to: the cloud metadata service (169.254.169.254), a database
admin page on the private network, the app's own loopback ports. The rules:

- http and https only; the host must resolve, and **every** address it resolves to must be a
  public one. Loopback, private (RFC 1918, ULA), link-local, shared (100.64/10), multicast,
  reserved and unspecified addresses are refused, also when written as a decimal number
  (`2130706433`), in octal/hex, or wrapped in IPv6 (`::ffff:127.0.0.1`, 6to4, NAT64).
- The address that was checked is the address that is connected to (the check runs inside the
  connection, not before it), so a DNS answer that changes between check and connect
  (rebinding) gains nothing. TLS still verifies the certificate against the host name.
- No redirects: a 3xx is handed back as it is; the caller says "use the final address".
- Responses are bounded (`max_bytes`); a larger body stops the read. The bound holds for what
  the body decodes to as well: gzip and deflate (the only encodings asked for) are decoded here,
  never past the bound, since 32 MB of gzip can unpack to 32 GB.
- Time is bounded too when the caller set a deadline (`igny8.deadlines.within`): every
  name lookup, connect, read and write waits at most what the deadline leaves, so a peer that
  never answers, trickles a byte at a time, or whose name server never answers, cannot hold a
  call past it.
- Callers never show a peer's body as it came; at most a trimmed message from a structured
  error (see `peer_words`).

The operator can open private addresses (a self-hosted Ollama or vLLM on the same network is
a real use): `IGNY8_EGRESS_ALLOW_PRIVATE` (default: on under DEBUG, off in production) opens
loopback and private networks but never link-local (the metadata service), multicast or
reserved ranges; `IGNY8_EGRESS_ALLOWED_NETWORKS` (CIDRs) opens exactly the networks listed.
The platform's own provider, set in the environment by the operator, is not a tenant's aim and
is not restricted (`OPERATOR`).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import certifi
import httpcore
import httpx
from django.conf import settings

from igny8 import deadlines

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# Names that only mean something on the machine or network they are typed on.
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".intranet")
_NUMERIC_HOST = re.compile(r"^(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}$", re.I)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
# Cloud metadata services that sit in a private range rather than at link-local
# 169.254.169.254: AWS's IPv6 endpoint is a ULA address. Never opened by "allow private".
_METADATA = frozenset({ipaddress.ip_address("fd00:ec2::254")})
# The content encodings asked for, and decoded by the guard (bounded); httpx would otherwise
# decode whatever a peer sends (brotli, zstd too once installed), with no bound at all.
ACCEPT_ENCODING = "gzip, deflate"
_INFLATED = {"gzip", "x-gzip", "deflate"}


class EgressError(Exception):
    """An outbound call refused or cut short by the guard. `message` is in plain words for
    the person who typed the address; it never carries what a peer sent."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EgressRefused(EgressError):
    """The address may not be called (scheme, private address, unresolvable host)."""


class ResponseTooLarge(EgressError):
    """The peer sent more than the caller's bound."""


@dataclass(frozen=True)
class EgressPolicy:
    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()
    # The operator's own endpoints (set in the environment): not a tenant's aim.
    unrestricted: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    schemes: tuple[str, ...] = field(default=("http", "https"))

    def permits(self, address: IPAddress) -> bool:
        if self.unrestricted:
            return True
        inner = _unwrap(address)
        if any(a in network for network in self.allowed_networks for a in (address, inner)):
            return True
        if is_public(inner):
            return True
        return self.allow_private and is_private_network(inner)

    def bounded(self, max_bytes: int) -> EgressPolicy:
        return EgressPolicy(
            allow_private=self.allow_private,
            allowed_networks=self.allowed_networks,
            unrestricted=self.unrestricted,
            max_bytes=max_bytes,
            schemes=self.schemes,
        )


OPERATOR = EgressPolicy(unrestricted=True)


def tenant_policy(*, max_bytes: int = DEFAULT_MAX_BYTES) -> EgressPolicy:
    """The policy for addresses a workspace chose, from the operator's settings."""
    networks = []
    for item in getattr(settings, "IGNY8_EGRESS_ALLOWED_NETWORKS", []) or []:
        networks.append(ipaddress.ip_network(str(item).strip(), strict=False))
    return EgressPolicy(
        allow_private=bool(getattr(settings, "IGNY8_EGRESS_ALLOW_PRIVATE", False)),
        allowed_networks=tuple(networks),
        max_bytes=max_bytes,
    )


# --- addresses -----------------------------------------------------------------------------


def _unwrap(address: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv6 wrapper (mapped, 6to4, NAT64), else the address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def is_public(address: IPAddress) -> bool:
    """True for an address on the public internet; False for loopback, private, link-local,
    shared, multicast, reserved, unspecified and documentation ranges."""
    address = _unwrap(address)
    return bool(
        address.is_global
        and not address.is_multicast
        and not address.is_reserved
        and not address.is_unspecified
        and not address.is_loopback
        and not address.is_link_local
    )


def is_private_network(address: IPAddress) -> bool:
    """An address on this machine or a private network (loopback, RFC 1918, ULA): what the
    operator's "allow private addresses" opens. Link-local (the cloud metadata service lives
    at 169.254.169.254), AWS's IPv6 metadata address (fd00:ec2::254, inside the ULA range),
    multicast, reserved, unspecified and `0.0.0.0/8` stay closed even then; an operator who
    really wants one lists its network in IGNY8_EGRESS_ALLOWED_NETWORKS."""
    address = _unwrap(address)
    if address.is_loopback:  # before is_reserved: ::1 sits in IPv6's reserved ::/8
        return True
    if address.is_link_local or address.is_multicast or address.is_unspecified:
        return False
    if address.is_reserved or address in _THIS_NETWORK or address in _METADATA:
        return False
    return address.is_private


def literal_address(host: str) -> IPAddress | None:
    """The address a host spells directly, in any form a resolver accepts: dotted, decimal
    (`2130706433`), octal or hex parts, IPv6 with or without brackets or zone. None for names."""
    host = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def is_local_name(host: str) -> bool:
    """A name that only resolves on the machine or network it is used on (localhost, a
    single-label name such as a docker-compose service, *.internal, *.local, ...)."""
    host = host.lower().rstrip(".")
    return "." not in host or host == "localhost" or host.endswith(_LOCAL_SUFFIXES)


def is_private_host(host: str) -> bool:
    """Whether a typed host points at this machine or a private network, without DNS."""
    address = literal_address(host)
    if address is not None:
        return not is_public(address)
    return is_local_name(host)


def _refused_address_words(host: str, address: IPAddress, policy: EgressPolicy) -> str:
    where = host if str(address) == host else f"{host} ({address})"
    if policy.allow_private:
        return (
            f"{where} is a link-local, multicast, reserved or cloud metadata address, which "
            "is never called on a workspace's behalf."
        )
    return (
        f"{where} is a private or local address, which this installation does not call on a "
        "workspace's behalf. Use the service's public https address, or ask whoever runs this "
        "installation to allow private addresses."
    )


def url_check(url: str, policy: EgressPolicy) -> None:
    """Refuse, without DNS, what can be refused from the text alone: the scheme, user info in
    the URL, and a literal private address or local name when private addresses are closed.
    Raises EgressRefused in plain words. Call-time resolution (`resolve`) does the rest."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port
    except ValueError:
        raise EgressRefused(f"“{url[:100]}” is not a web address we can call.") from None
    if parts.scheme not in policy.schemes or not host:
        raise EgressRefused("Only http:// and https:// addresses can be called.")
    if parts.username or parts.password:
        raise EgressRefused("Leave the user name and password out of the address.")
    if policy.unrestricted:
        return
    address = literal_address(host)
    if address is not None:
        if not policy.permits(address):
            raise EgressRefused(_refused_address_words(host, address, policy))
    elif is_local_name(host) and not policy.allow_private and not policy.allowed_networks:
        # With no private network opened, a local name can only lead somewhere refused.
        raise EgressRefused(
            f"{host} is a local name, which this installation does not call on a workspace's "
            "behalf. Use the service's public https address, or ask whoever runs this "
            "installation to allow private addresses."
        )


def _lookup(host: str, port: int, timeout: float | None) -> list:
    """getaddrinfo, given up after `timeout` seconds (None: as long as the resolver takes).

    getaddrinfo itself has no timeout, and a name server that never answers holds it for the
    resolver's own retries (tens of seconds), past any deadline. So a bounded lookup runs in a
    daemon thread that is left to finish on its own when the time is up."""
    if timeout is None:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    outcome: dict[str, object] = {}
    done = threading.Event()

    def run() -> None:
        try:
            outcome["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except BaseException as exc:  # handed to the caller below
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="egress-lookup", daemon=True).start()
    if not done.wait(timeout):
        raise httpcore.ConnectTimeout(f"Looking up {host} took longer than {timeout:.1f} s.")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["infos"]  # type: ignore[return-value]


def resolve(host: str, port: int, policy: EgressPolicy, timeout: float | None = None) -> list[str]:
    """The addresses to connect to, every one of them permitted; EgressRefused otherwise.
    The lookup ends within `timeout` seconds (httpcore.ConnectTimeout after that).

    A name with several answers is refused if any answer is refused: connecting to "the public
    one" would let a name alternate between a public and a private answer.
    """
    try:
        infos = _lookup(host, port, timeout)
    except (socket.gaierror, UnicodeError, OSError):
        raise EgressRefused(
            f"Could not find {host}: no such host. Check the address for typos."
        ) from None
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        text = str(sockaddr[0]).split("%", 1)[0]
        address = ipaddress.ip_address(text)
        if not policy.permits(address):
            raise EgressRefused(_refused_address_words(host, address, policy))
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise EgressRefused(f"Could not find {host}: no address. Check the address.")
    return addresses


# --- the connection ------------------------------------------------------------------------


class _GuardedBackend(httpcore.NetworkBackend):
    """Resolves, checks and connects in one step: the address checked is the one used."""

    def __init__(self, policy: EgressPolicy) -> None:
        self.policy = policy
        self.inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        if self.policy.unrestricted:
            addresses = [host]
        else:
            lookup = _time_left(timeout, httpcore.ConnectTimeout)
            addresses = resolve(host, port, self.policy, lookup)
        last: Exception | None = None
        for address in addresses:
            try:
                stream = self.inner.connect_tcp(
                    address,
                    port,
                    _time_left(timeout, httpcore.ConnectTimeout),
                    local_address,
                    socket_options,
                )
            except httpcore.ConnectError as exc:
                last = exc
                continue
            return _DeadlineStream(stream)
        assert last is not None
        raise last

    def connect_unix_socket(self, *args, **kwargs) -> httpcore.NetworkStream:
        raise EgressRefused("Only http:// and https:// addresses can be called.")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


def _time_left(timeout: float | None, expired: type[Exception]) -> float | None:
    """`timeout` cut to the caller's deadline; `expired` is raised once the deadline has passed
    (a socket timeout of 0 would mean "do not block", not "time is up")."""
    capped = deadlines.cap(timeout)
    if capped is not None and capped <= 0:
        raise expired("The deadline for this call has passed.")
    return capped


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the deadline in force at that moment
    (pooled connections serve several calls, so the deadline is looked up each time)."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self.inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, _time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, _time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        upgraded = self.inner.start_tls(
            ssl_context, server_hostname, _time_left(timeout, httpcore.ConnectTimeout)
        )
        return _DeadlineStream(upgraded)

    def get_extra_info(self, info: str) -> object:
        return self.inner.get_extra_info(info)


class _Inflater:
    """One gzip or deflate layer of a body, decoded a chunk at a time and never past `limit`
    bytes of output in total (zlib stops at `max_length`: a bomb is never unpacked in memory)."""

    def __init__(self, encoding: str, limit: int, host: str) -> None:
        self.gzip = encoding in ("gzip", "x-gzip")
        # gzip framing for gzip; "deflate" is zlib-wrapped by the standard, raw by many servers.
        self.inflater = zlib.decompressobj(zlib.MAX_WBITS | 16 if self.gzip else zlib.MAX_WBITS)
        self.first = True
        self.limit = limit
        self.host = host
        self.size = 0

    def feed(self, data: bytes) -> bytes:
        first, self.first = self.first, False
        try:
            out = self.inflater.decompress(data, self.limit - self.size + 1)
        except zlib.error:
            if self.gzip or not first:
                raise _undecodable(self.host) from None
            self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, then
            return self.feed(data)
        return self._counted(out)

    def flush(self) -> bytes:
        try:
            return self._counted(self.inflater.flush())
        except zlib.error:
            raise _undecodable(self.host) from None

    def _counted(self, out: bytes) -> bytes:
        self.size += len(out)
        if self.size > self.limit:
            raise too_large(self.host, self.limit)
        return out


def _undecodable(host: str) -> httpx.DecodingError:
    return httpx.DecodingError(f"{host} sent a compressed answer that could not be unpacked.")


class _BoundedStream(httpx.SyncByteStream):
    """The body as it came (at most `max_bytes`), decoded through `encodings` (each layer's
    output at most `max_bytes` too)."""

    def __init__(
        self,
        stream: httpx.SyncByteStream,
        max_bytes: int,
        host: str,
        encodings: list[str] | None = None,
    ) -> None:
        self.stream = stream
        self.max_bytes = max_bytes
        self.host = host
        # Applied in the order listed, so undone from the last.
        self.layers = [_Inflater(e, max_bytes, host) for e in reversed(encodings or [])]

    def __iter__(self) -> Iterator[bytes]:
        size = 0
        try:
            for chunk in self.stream:
                size += len(chunk)
                if size > self.max_bytes:
                    raise too_large(self.host, self.max_bytes)
                for layer in self.layers:
                    chunk = layer.feed(chunk)
                if chunk:
                    yield chunk
            for at, layer in enumerate(self.layers):
                rest = layer.flush()
                for later in self.layers[at + 1 :]:
                    rest = later.feed(rest)
                if rest:
                    yield rest
        except (ResponseTooLarge, httpx.DecodingError):
            self.stream.close()
            raise

    def close(self) -> None:
        self.stream.close()


def _decoded_here(headers: httpx.Headers) -> tuple[httpx.Headers, list[str]]:
    """The response's headers as the caller should see them (no Content-Encoding, which the
    guard has undone, nor the Content-Length of the encoded body), and the encodings to undo.
    An encoding that was not asked for is handed on undecoded, as httpx does with one it does
    not know."""
    named = [
        e.strip().lower()
        for e in headers.get("content-encoding", "").split(",")
        if e.strip() and e.strip().lower() != "identity"
    ]
    if not named:
        return headers, []
    kept = httpx.Headers(
        [
            (k, v)
            for k, v in headers.multi_items()
            if k.lower() not in ("content-encoding", "content-length")
        ]
    )
    return kept, named if all(e in _INFLATED for e in named) else []


def too_large(host: str, max_bytes: int) -> ResponseTooLarge:
    limit = (
        f"{max_bytes // (1024 * 1024)} MB" if max_bytes >= 1024 * 1024 else f"{max_bytes:,} bytes"
    )
    return ResponseTooLarge(f"{host} sent more than {limit}; the answer was not read.")


class GuardedTransport(httpx.HTTPTransport):
    """An httpx transport that applies a policy to every connection and bounds every body."""

    def __init__(self, policy: EgressPolicy, *, verify: ssl.SSLContext | bool = True) -> None:
        # trust_env=False: an HTTP(S)_PROXY from the environment would connect for us,
        # to an address we never checked.
        super().__init__(trust_env=False)
        if verify is True:
            verify = ssl.create_default_context(cafile=certifi.where())
        self.policy = policy
        self._pool = httpcore.ConnectionPool(
            ssl_context=verify if isinstance(verify, ssl.SSLContext) else _no_verify(),
            max_connections=10,
            max_keepalive_connections=5,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(policy),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme not in self.policy.schemes:
            raise EgressRefused("Only http:// and https:// addresses can be called.")
        request.headers["Accept-Encoding"] = ACCEPT_ENCODING
        response = super().handle_request(request)
        host = request.url.host
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.policy.max_bytes:
            response.close()
            raise too_large(host, self.policy.max_bytes)
        assert isinstance(response.stream, httpx.SyncByteStream)
        headers, encodings = _decoded_here(response.headers)
        return httpx.Response(
            status_code=response.status_code,
            headers=headers,
            stream=_BoundedStream(response.stream, self.policy.max_bytes, host, encodings),
            extensions=response.extensions,
        )


def _no_verify() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class _Client(httpx.Client):
    """Closes its connections when dropped, as the openai library's own client does: a
    provider object is made per run and nobody closes it explicitly."""

    def __del__(self) -> None:
        try:
            if not self.is_closed:
                self.close()
        except Exception:  # interpreter shutdown
            pass


def client(
    policy: EgressPolicy,
    *,
    timeout: float,
    headers: dict[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """An httpx client under the policy: no redirects, no proxy from the environment."""
    return _Client(
        transport=transport or GuardedTransport(policy),
        timeout=timeout,
        follow_redirects=False,
        headers=headers,
        trust_env=False,
    )


# --- what a peer said ------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def peer_words(text: object, limit: int = 300) -> str:
    """A peer's own error message made safe to show: one line, no control or direction
    characters, no markup, trimmed. Only for messages taken out of a structured (JSON) error;
    an HTML or text body is never shown at all."""
    words = _CONTROL.sub("", " ".join(str(text or "").split()))
    if "<" in words and re.search(r"<\s*[a-z!/]", words, re.I):
        return ""  # markup: a page, not a message
    if len(words) > limit:
        words = words[: limit - 1] + "…"
    return words
