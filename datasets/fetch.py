"""An HTTP GET that is safe to point at a URL someone else typed (SSRF-safe).

urllib3 does the HTTP, TLS, chunking and content decoding. What it cannot do is pin a connection
to an address we checked: it resolves the name itself, and a name may answer a public address to
our check and a private one to the connection (DNS rebinding). So this module resolves the name
once, checks every address, and hands urllib3 the checked address as the host to connect to, with
the name kept for the Host header, TLS SNI and certificate verification. Redirects are followed
here, not by urllib3, so each hop is checked again the same way.
"""
from __future__ import annotations

import hashlib
import ipaddress
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Mapping, Sequence, Union
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ReadTimeoutError,
    SSLError,
)

from metadata.errors import InvalidInput

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
Address = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
CHUNK = 1 << 16
REDIRECTS = (301, 302, 303, 307, 308)
USER_AGENT = "Otkrito/0.1 (open-data portal; scheduled source)"
SHOWN_URL = 200  # characters of a URL a message repeats


class FetchError(InvalidInput):
    """A fetch that did not bring a body: a refused URL or address, a timeout, an HTTP error.

    `status` is the HTTP status when the server answered (403, 500, …), else None.
    """

    def __init__(self, message_id: str, *, status: int | None = None, **params: object) -> None:
        self.status = status
        super().__init__(message_id, **params)


@dataclass(frozen=True)
class Fetched:
    """What one fetch brought: the final URL, its answer, and the body (or that it was unchanged)."""

    url: str
    status: int
    headers: Mapping[str, str]
    not_modified: bool
    path: Path | None = None
    body: bytes = field(default=b"", repr=False)
    size: int = 0
    sha256: str | None = None
    content_type: str = ""

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


def allowed_networks(settings_value: str | None) -> tuple[Network, ...]:
    """Parse OTKRITO_FETCH_ALLOW: CIDR blocks, separated by commas or spaces, that may be fetched
    although they are not public (e.g. `10.20.0.0/16` for a municipality's own intranet server)."""
    networks = []
    for item in (settings_value or "").replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise InvalidInput("fetch.bad-allow", value=item[:60]) from None
    return tuple(networks)


def _shown(url: str) -> str:
    return url if len(url) <= SHOWN_URL else url[:SHOWN_URL] + "…"


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # as sent in Host and SNI: lower case, IDNA-encoded
    port: int
    path: str  # path and query, as sent in the request line


def parse_target(url: str) -> _Target:
    """Split a URL into what a request needs, refusing what this fetcher never fetches."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise FetchError("fetch.bad-url", url=_shown(url)) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError("fetch.scheme", url=_shown(url), scheme=scheme[:20] or "-")
    if parts.username is not None or parts.password is not None:
        # A password in a URL would be shown on pages and kept in the catalog: never accepted.
        raise FetchError("fetch.credentials")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise FetchError("fetch.bad-url", url=_shown(url))
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host.lower()
    except UnicodeError:
        raise FetchError("fetch.bad-url", url=_shown(url)) from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return _Target(scheme, host, port or (443 if scheme == "https" else 80), path)


def _refused(address: Address, allow: Sequence[Network]) -> bool:
    if any(address in network for network in allow):
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _refused(address.ipv4_mapped, allow)  # ::ffff:127.0.0.1 is 127.0.0.1
    # Not global covers loopback, private, link-local, shared (100.64/10), reserved and
    # unspecified; multicast needs its own test (224/4 counts as global to ipaddress).
    return not address.is_global or address.is_multicast


def resolve(host: str, port: int, allow: Sequence[Network]) -> list[str]:
    """Return the addresses of `host`, all of them checked, or refuse before any is connected to.

    Every address is checked, not only the first: a name that answers one public and one private
    address is refused, since a retry or another client could be handed the private one.
    """
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise FetchError("fetch.unresolved", host=host[:100]) from None
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in found:
        text = str(sockaddr[0]).split("%", 1)[0]  # an IPv6 zone (fe80::1%eth0) is link-local anyway
        address = ipaddress.ip_address(text)
        if _refused(address, allow):
            raise FetchError("fetch.refused-address", host=host[:100], address=text)
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise FetchError("fetch.unresolved", host=host[:100])
    return addresses


def _pool(target: _Target, address: str, timeout: urllib3.Timeout) -> urllib3.HTTPConnectionPool:
    if target.scheme == "https":
        # Connect to the checked address; SNI and the certificate are checked for the name.
        return urllib3.HTTPSConnectionPool(address, target.port, timeout=timeout, maxsize=1,
                                           retries=False, server_hostname=target.host,
                                           assert_hostname=target.host, cert_reqs="CERT_REQUIRED")
    return urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, maxsize=1, retries=False)


def _host_header(target: _Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


def _request(target: _Target, addresses: list[str], headers: dict[str, str],
             timeout: urllib3.Timeout) -> tuple[urllib3.HTTPConnectionPool, urllib3.BaseHTTPResponse]:
    """Send the GET to the first checked address that accepts a connection."""
    last: Exception | None = None
    for address in addresses:
        pool = _pool(target, address, timeout)
        try:
            response = pool.urlopen("GET", target.path, headers=headers, redirect=False,
                                    retries=False, preload_content=False, assert_same_host=False)
            return pool, response
        except SSLError as error:
            pool.close()
            raise FetchError("fetch.tls", host=target.host[:100], detail=str(error)[:200]) from None
        except (ConnectTimeoutError, NewConnectionError, HTTPError, OSError) as error:
            pool.close()
            last = error
    # NewConnectionError (refused, no route) is a ConnectTimeoutError to urllib3: test it first.
    if not isinstance(last, NewConnectionError) and isinstance(last, (ConnectTimeoutError, ReadTimeoutError)):
        raise FetchError("fetch.timeout", host=target.host[:100])
    raise FetchError("fetch.unreachable", host=target.host[:100])


class _Sink:
    """The body, to a file (dest) or memory, with its size capped and its sha256 computed."""

    def __init__(self, dest: Path | None, max_bytes: int) -> None:
        self.dest, self.max_bytes = dest, max_bytes
        self.digest = hashlib.sha256()
        self.size = 0
        self.chunks: list[bytes] = []
        self.handle: IO[bytes] | None = dest.open("wb") if dest is not None else None

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise FetchError("fetch.too-large", limit=self.max_bytes)
        self.digest.update(chunk)
        if self.handle is not None:
            self.handle.write(chunk)
        else:
            self.chunks.append(chunk)

    def close(self, *, keep: bool) -> None:
        if self.handle is not None:
            self.handle.close()
            if not keep and self.dest is not None:
                self.dest.unlink(missing_ok=True)  # never half a body left behind


def _read_body(response: urllib3.BaseHTTPResponse, sink: _Sink, host: str, deadline: float) -> None:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > sink.max_bytes:
        raise FetchError("fetch.too-large", limit=sink.max_bytes)  # before reading any of it
    try:
        # Decoded (gzip, deflate) bytes are what is capped and hashed: a compressed bomb stops at
        # the cap, and the sha256 is the content's, however the server chose to send it.
        for chunk in response.stream(CHUNK, decode_content=True):
            sink.write(chunk)
            if time.monotonic() > deadline:
                raise FetchError("fetch.timeout", host=host[:100])
    except ReadTimeoutError:
        raise FetchError("fetch.timeout", host=host[:100]) from None
    except (HTTPError, OSError):
        raise FetchError("fetch.broken", host=host[:100]) from None


def fetch(url: str, *, allow: Sequence[Network] = (), max_bytes: int, dest: Path | None = None,
          etag: str | None = None, last_modified: str | None = None, connect_timeout: float = 10,
          read_timeout: float = 30, max_redirects: int = 5, accept: str | None = None,
          total_timeout: float = 600) -> Fetched:
    """GET `url` safely; a 304 to the conditional headers reads `not_modified`.

    Refuses (FetchError, bilingual) anything but http/https, addresses that are not public
    unless `allow` lists them (checked after DNS and again after each redirect, before any
    connection), more than `max_redirects` hops, a body over `max_bytes`, a silence longer than
    `read_timeout` and a whole answer slower than `total_timeout`, and an HTTP error status.
    With `dest` the body is streamed to that file; without, it is kept in memory (capped alike).
    """
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
    if accept:
        headers["Accept"] = accept
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
    deadline = time.monotonic() + total_timeout
    current = url.strip()
    for _hop in range(max_redirects + 1):
        target = parse_target(current)
        addresses = resolve(target.host, target.port, allow)
        pool, response = _request(target, addresses, {**headers, "Host": _host_header(target)}, timeout)
        try:
            status = response.status
            location = response.headers.get("location")
            if status in REDIRECTS and location:
                current = urljoin(current, location.strip())
                continue
            answer = {k.lower(): v for k, v in response.headers.items()}
            if status == 304:
                return Fetched(current, status, answer, True, content_type=answer.get("content-type", ""))
            if status >= 400 or status < 200:
                raise FetchError("fetch.http-status", status=status, url=_shown(current), code=status)
            return _body(current, status, answer, response, dest, max_bytes, target.host, deadline)
        finally:
            response.release_conn()
            pool.close()
    raise FetchError("fetch.too-many-redirects", url=_shown(url), limit=max_redirects)


def _body(url: str, status: int, headers: dict[str, str], response: urllib3.BaseHTTPResponse,
          dest: Path | None, max_bytes: int, host: str, deadline: float) -> Fetched:
    sink = _Sink(dest, max_bytes)
    kept = False
    try:
        _read_body(response, sink, host, deadline)
        kept = True
    finally:
        sink.close(keep=kept)
    content_type = headers.get("content-type", "")
    return Fetched(url, status, headers, False, path=dest, body=b"".join(sink.chunks),
                   size=sink.size, sha256=sink.digest.hexdigest(), content_type=content_type)
