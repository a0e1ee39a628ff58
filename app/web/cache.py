"""A revalidating response cache in front of Flask: render a public page once per version.

The public pages, feeds and DCAT documents answer a conditional GET with 304 after a cheap
check (the catalog's stamp), but render in full otherwise, and most visitors send no
validators. Like a reverse proxy that revalidates, this keeps the last 200 of each public
page and asks Flask with `If-None-Match: <its ETag>`: a 304 means the copy is current and it
is sent; anything else goes to the client as Flask made it (and replaces the copy). Flask
still decides every response, so nothing stale is ever served.

Kept only: 200 answers to plain GETs (no validators, no Authorization) that carry an ETag and
`Cache-Control: public`, set no cookie, and vary on nothing but the request headers in the
key. The key holds the path, query and those headers (Cookie included: a signed-in visitor
gets only copies made for the same cookie). Bounded in entries and bytes.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from app.asgi_types import ASGIApp, Message, Receive, Scope, Send

# Host and scheme are in the key too: a copy made for http (no HSTS) or for another Host
# header (URLs built from it) must never answer a request over https or for this host.
KEYED = (b"cookie", b"accept", b"accept-language", b"accept-encoding", b"host")
VALIDATORS = frozenset({b"if-none-match", b"if-modified-since", b"if-match",
                        b"if-unmodified-since", b"if-range", b"range", b"authorization"})
MAX_BODY = 1 << 20  # a bigger response is passed through, never kept
MAX_BYTES = 64 << 20
MAX_ENTRIES = 2048


@dataclass(frozen=True)
class Entry:
    """One kept response."""

    etag: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes


class Store:
    """Least recently used entries, bounded in count and body bytes."""

    def __init__(self, *, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.entries: OrderedDict[tuple[Any, ...], Entry] = OrderedDict()
        self.max_entries, self.max_bytes, self.bytes = max_entries, max_bytes, 0

    def get(self, key: tuple[Any, ...]) -> Entry | None:
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        return entry

    def put(self, key: tuple[Any, ...], entry: Entry) -> None:
        self.discard(key)
        self.entries[key] = entry
        self.bytes += len(entry.body)
        while self.entries and (len(self.entries) > self.max_entries
                                or self.bytes > self.max_bytes):
            _, dropped = self.entries.popitem(last=False)
            self.bytes -= len(dropped.body)

    def discard(self, key: tuple[Any, ...]) -> None:
        old = self.entries.pop(key, None)
        if old is not None:
            self.bytes -= len(old.body)


def _key(scope: Scope) -> tuple[Any, ...] | None:
    """The cache key of a request, or None when it must go to the app untouched."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return None
    headers = scope.get("headers") or []
    if any(bytes(name).lower() in VALIDATORS for name, _ in headers):
        return None  # the client revalidates, or sends credentials: Flask answers it itself
    keyed = tuple(sorted((bytes(n).lower(), bytes(v)) for n, v in headers
                         if bytes(n).lower() in KEYED))
    return scope.get("scheme", "http"), scope["path"], scope.get("query_string", b""), keyed


def _keepable(status: int, headers: list[tuple[bytes, bytes]]) -> bytes | None:
    """The ETag of a response that may be kept, else None."""
    if status != 200:
        return None
    found: dict[bytes, list[bytes]] = {}
    for name, value in headers:
        found.setdefault(bytes(name).lower(), []).append(bytes(value))
    control = b",".join(found.get(b"cache-control", [])).lower()
    vary = {v.strip().lower() for line in found.get(b"vary", []) for v in line.split(b",")}
    if (b"set-cookie" in found or b"public" not in control or b"private" in control
            or b"no-store" in control or not vary <= set(KEYED) | {b""}):
        return None
    etags = found.get(b"etag", [])
    return etags[0] if len(etags) == 1 else None


def revalidating(app: ASGIApp, store: Store | None = None) -> ASGIApp:
    """Wrap an ASGI app with a cache that revalidates every hit with the app."""
    kept = store if store is not None else Store()

    async def cached(scope: Scope, receive: Receive, send: Send) -> None:
        key = _key(scope)
        if key is None:
            await app(scope, receive, send)
            return
        entry = kept.get(key)
        if entry is not None:
            scope = dict(scope, headers=[*scope["headers"], (b"if-none-match", entry.etag)])
        await app(scope, receive, _Capture(kept, key, entry, send).send)

    return cached


class _Capture:
    """Pass a response through (or swap a 304 for the kept copy) and keep a new copy."""

    def __init__(self, store: Store, key: tuple[Any, ...], entry: Entry | None,
                 send: Send) -> None:
        self.store, self.key, self.entry, self.downstream = store, key, entry, send
        self.etag: bytes | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.size = 0
        self.hit = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            status, headers = message["status"], list(message.get("headers", []))
            if status == 304 and self.entry is not None:
                self.hit = True  # the kept copy is current: send it instead
                await self.downstream({"type": "http.response.start", "status": 200,
                                       "headers": self.entry.headers})
                return
            self.store.discard(self.key)
            self.etag, self.headers = _keepable(status, headers), headers
            await self.downstream(message)
            return
        if message["type"] != "http.response.body":
            await self.downstream(message)
            return
        if self.hit:
            if not message.get("more_body", False):
                await self.downstream({"type": "http.response.body",
                                       "body": self.entry.body})  # type: ignore[union-attr]
            return
        self._keep(message)
        await self.downstream(message)

    def _keep(self, message: Message) -> None:
        if self.etag is None:
            return
        chunk = bytes(message.get("body", b""))
        self.size += len(chunk)
        if self.size > MAX_BODY:
            self.etag = None
            self.body = []
            return
        self.body.append(chunk)
        if not message.get("more_body", False):
            self.store.put(self.key, Entry(self.etag, self.headers, b"".join(self.body)))
